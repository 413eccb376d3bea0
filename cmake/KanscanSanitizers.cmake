# Sanitizers as an INTERFACE target: -DKANSCAN_SANITIZE=address,undefined
add_library(kanscan_sanitizers INTERFACE)
if(KANSCAN_SANITIZE)
  target_compile_options(kanscan_sanitizers INTERFACE
    -fsanitize=${KANSCAN_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_link_options(kanscan_sanitizers INTERFACE -fsanitize=${KANSCAN_SANITIZE})
  # g++ 12 under -fsanitize=address reports -Wmaybe-uninitialized inside libstdc++ (<regex>:
  # the std::function moved in _NFA::_M_insert_subexpr_end, first hit in
  # tests/scans/test_cli_robust.cpp), which -Werror turns into a failed build. The warning stays
  # on, as an error, in every build without sanitizers.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_compile_options(kanscan_sanitizers INTERFACE $<$<COMPILE_LANGUAGE:CXX>:-Wno-maybe-uninitialized>)
  endif()
endif()
# Fuzzing: libFuzzer's coverage instrumentation on every kanscan target (the fuzz targets link
# the fuzzer itself).
if(KANSCAN_FUZZ)
  target_compile_options(kanscan_sanitizers INTERFACE -fsanitize=fuzzer-no-link)
endif()
