# The version string carries `git describe` when built from a checkout.
set(KANSCAN_GIT_DESCRIBE "")
find_package(Git QUIET)
if(GIT_FOUND AND EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/.git)
  execute_process(COMMAND ${GIT_EXECUTABLE} describe --always --dirty --tags
    WORKING_DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR}
    OUTPUT_VARIABLE KANSCAN_GIT_DESCRIBE OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
endif()
if(KANSCAN_GIT_DESCRIBE)
  set(KANSCAN_VERSION_STRING "${PROJECT_VERSION}+g${KANSCAN_GIT_DESCRIBE}")
else()
  set(KANSCAN_VERSION_STRING "${PROJECT_VERSION}")
endif()
configure_file(${CMAKE_CURRENT_SOURCE_DIR}/cmake/version.hpp.in
  ${CMAKE_CURRENT_BINARY_DIR}/generated/kanscan_version.hpp @ONLY)
