# Sanitizers as an INTERFACE target: -DKANSCAN_SANITIZE=address,undefined
add_library(kanscan_sanitizers INTERFACE)
if(KANSCAN_SANITIZE)
  target_compile_options(kanscan_sanitizers INTERFACE
    -fsanitize=${KANSCAN_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_link_options(kanscan_sanitizers INTERFACE -fsanitize=${KANSCAN_SANITIZE})
endif()
# Fuzzing: libFuzzer's coverage instrumentation on every kanscan target (the fuzz targets link
# the fuzzer itself).
if(KANSCAN_FUZZ)
  target_compile_options(kanscan_sanitizers INTERFACE -fsanitize=fuzzer-no-link)
endif()
