# The version string carries `git describe` when built from a checkout. It is refreshed before
# every build, not only when CMake configures: results and data files record it as provenance,
# so a rebuild after a commit or an edit must not keep the old string.
find_package(Git QUIET)
set(KANSCAN_VERSION_HEADER ${CMAKE_CURRENT_BINARY_DIR}/generated/kanscan_version.hpp)
set(KANSCAN_VERSION_ARGS -DSOURCE_DIR=${CMAKE_CURRENT_SOURCE_DIR} -DOUTPUT=${KANSCAN_VERSION_HEADER}
  -DPROJECT_VERSION=${PROJECT_VERSION} -DGIT_EXECUTABLE=${GIT_EXECUTABLE})
execute_process(COMMAND ${CMAKE_COMMAND} ${KANSCAN_VERSION_ARGS} -P ${CMAKE_CURRENT_SOURCE_DIR}/cmake/KanscanVersionHeader.cmake)
add_custom_target(kanscan_version
  COMMAND ${CMAKE_COMMAND} ${KANSCAN_VERSION_ARGS} -P ${CMAKE_CURRENT_SOURCE_DIR}/cmake/KanscanVersionHeader.cmake
  BYPRODUCTS ${KANSCAN_VERSION_HEADER} VERBATIM)
