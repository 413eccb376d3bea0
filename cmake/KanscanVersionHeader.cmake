# Writes generated/kanscan_version.hpp (cmake -P script, run at configure time and before every
# build by the kanscan_version target). configure_file leaves the file untouched when the text is
# the same, so nothing recompiles unless `git describe` changed.
# Inputs: SOURCE_DIR, OUTPUT, PROJECT_VERSION, GIT_EXECUTABLE (may be empty).
set(describe "")
if(GIT_EXECUTABLE AND EXISTS ${SOURCE_DIR}/.git)
  execute_process(COMMAND ${GIT_EXECUTABLE} describe --always --dirty --tags
    WORKING_DIRECTORY ${SOURCE_DIR}
    OUTPUT_VARIABLE describe OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
endif()
if(describe)
  set(KANSCAN_VERSION_STRING "${PROJECT_VERSION}+g${describe}")
else()
  set(KANSCAN_VERSION_STRING "${PROJECT_VERSION}")
endif()
configure_file(${SOURCE_DIR}/cmake/version.hpp.in ${OUTPUT} @ONLY)
