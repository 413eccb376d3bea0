# Warnings as an INTERFACE target (HighFive style), never global flags.
add_library(kanscan_warnings INTERFACE)
target_compile_options(kanscan_warnings INTERFACE
  $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
    -Wcast-align -Wunused -Woverloaded-virtual -Wnull-dereference -Wimplicit-fallthrough>)
if(KANSCAN_WERROR)
  target_compile_options(kanscan_warnings INTERFACE $<$<COMPILE_LANGUAGE:CXX>:-Werror>)
endif()
