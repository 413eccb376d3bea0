# kanscan_add_test(NAME name SOURCES a.cpp ... LIBS lib ... [LABELS unit|slow] [MPI_PROCS 1 2 3])
# Plain tests are discovered test by test (gtest_discover_tests). MPI tests are registered once
# per rank count and launched through mpiexec with what Open MPI needs on 2-core CI as root.
include(GoogleTest)
function(kanscan_add_test)
  cmake_parse_arguments(T "" "NAME;TIMEOUT" "SOURCES;LIBS;LABELS;MPI_PROCS" ${ARGN})
  if(NOT T_LABELS)
    set(T_LABELS unit)
  endif()
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 600)
  endif()
  if(T_MPI_PROCS AND NOT KANSCAN_WITH_MPI)
    return()
  endif()
  add_executable(${T_NAME} ${T_SOURCES})
  target_link_libraries(${T_NAME} PRIVATE ${T_LIBS} kanscan_test_support GTest::gtest kanscan_options)
  if(T_MPI_PROCS)
    # MPI tests get a main() that owns MPI_Init/Finalize (tests/support/mpi_gtest_main.cpp).
    target_link_libraries(${T_NAME} PRIVATE kanscan_mpi_gtest_main)
    foreach(np IN LISTS T_MPI_PROCS)
      add_test(NAME ${T_NAME}.np${np}
        COMMAND ${MPIEXEC_EXECUTABLE} ${MPIEXEC_NUMPROC_FLAG} ${np} --oversubscribe
                ${MPIEXEC_PREFLAGS} $<TARGET_FILE:${T_NAME}> ${MPIEXEC_POSTFLAGS})
      set_tests_properties(${T_NAME}.np${np} PROPERTIES LABELS "mpi;${T_LABELS}" TIMEOUT ${T_TIMEOUT}
        ENVIRONMENT "OMPI_ALLOW_RUN_AS_ROOT=1;OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1;OMPI_MCA_rmaps_base_oversubscribe=1;ASAN_OPTIONS=detect_leaks=0;OMP_NUM_THREADS=1"
        PROCESSORS ${np})
    endforeach()
  else()
    target_link_libraries(${T_NAME} PRIVATE GTest::gtest_main)
    gtest_discover_tests(${T_NAME} PROPERTIES LABELS "${T_LABELS}" TIMEOUT ${T_TIMEOUT}
      DISCOVERY_TIMEOUT 60
      ENVIRONMENT "OMPI_ALLOW_RUN_AS_ROOT=1;OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1;KANSCAN_SOURCE_DIR=${PROJECT_SOURCE_DIR};KANSCAN_BINARY_DIR=${PROJECT_BINARY_DIR}")
  endif()
endfunction()

# Every test_*.cpp in the current directory becomes a test executable (unit);
# every slow_*.cpp becomes one labelled slow; mpi_*.cpp run under mpiexec at 1, 2 and 3 ranks.
function(kanscan_glob_tests prefix)
  cmake_parse_arguments(G "" "" "LIBS" ${ARGN})
  file(GLOB unit_srcs CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/test_*.cpp)
  file(GLOB slow_srcs CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/slow_*.cpp)
  file(GLOB mpi_srcs CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/mpi_*.cpp)
  foreach(src IN LISTS unit_srcs)
    get_filename_component(n ${src} NAME_WE)
    kanscan_add_test(NAME ${prefix}_${n} SOURCES ${src} LIBS ${G_LIBS} LABELS unit)
  endforeach()
  foreach(src IN LISTS slow_srcs)
    get_filename_component(n ${src} NAME_WE)
    kanscan_add_test(NAME ${prefix}_${n} SOURCES ${src} LIBS ${G_LIBS} LABELS slow TIMEOUT 1800)
  endforeach()
  foreach(src IN LISTS mpi_srcs)
    get_filename_component(n ${src} NAME_WE)
    kanscan_add_test(NAME ${prefix}_${n} SOURCES ${src} LIBS ${G_LIBS} LABELS unit MPI_PROCS 1 2 3)
  endforeach()
endfunction()
