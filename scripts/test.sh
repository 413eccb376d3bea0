#!/usr/bin/env bash
# The whole test suite from a fresh Debian machine: install, build (warnings as errors), ctest,
# then the extra jobs asked for. `.ci/run` calls this script with no settings: what it runs by
# default is what CI runs (docs/building.md, "Continuous integration"). The three extra jobs are
# OFF by default: nobody has measured that they fit CI's 90 minutes on top of the main job.
#   scripts/test.sh                 every test (unit, mpi, slow); no extra job
#   KANSCAN_SLOW=0                  without the slow tests (kill -9 and disk-full fault tests, grid refinement)
#   KANSCAN_CI_EXTRA=1              all three extra jobs: ASan+UBSan, no MPI, 60 s of fuzzing per target
#   KANSCAN_ASAN=1                  the ASan+UBSan job (build-asan: unit and MPI tests)
#   KANSCAN_NOMPI=1                 the no-MPI job (build-nompi: every test but the slow ones)
#   KANSCAN_FUZZ_SECONDS=N          fuzzing, N seconds per fuzz target (0 = no fuzzing)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
extra=${KANSCAN_CI_EXTRA:-0}
asan=${KANSCAN_ASAN:-$extra}
nompi=${KANSCAN_NOMPI:-$extra}
fuzz_seconds=${KANSCAN_FUZZ_SECONDS:-$([[ "$extra" == "1" ]] && echo 60 || echo 0)}
"$root/scripts/setup.sh"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1

step() { echo "== $(date +%H:%M:%S) $*" >&2; }

step "build and test"
build=${KANSCAN_BUILD_DIR:-$root/build}
KANSCAN_BUILD_DIR=$build "$root/scripts/build.sh" -DKANSCAN_WERROR=ON
if [[ "${KANSCAN_SLOW:-1}" == "1" ]]; then
  (cd "$build" && ctest --output-on-failure -j 2)
else
  (cd "$build" && ctest --output-on-failure -j 2 -LE slow)
fi

if [[ "$asan" == "1" ]]; then
  # Optimised with debug information: a Debug build makes the trainer tests many times slower.
  step "ASan+UBSan job (build-asan): unit and MPI tests"
  KANSCAN_BUILD_DIR=$root/build-asan "$root/scripts/build.sh" -DKANSCAN_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DKANSCAN_SANITIZE=address,undefined -DKANSCAN_BUILD_BENCH=OFF
  (cd "$root/build-asan" && ctest --output-on-failure -j 2 -L 'unit|mpi' -LE slow)
fi

if [[ "$nompi" == "1" ]]; then
  step "no-MPI job (build-nompi): every test but the slow ones"
  KANSCAN_BUILD_DIR=$root/build-nompi "$root/scripts/build.sh" -DKANSCAN_WERROR=ON -DKANSCAN_WITH_MPI=OFF \
    -DKANSCAN_BUILD_BENCH=OFF
  (cd "$root/build-nompi" && ctest --output-on-failure -j 2 -LE slow)
fi

if ((fuzz_seconds > 0)); then
  step "fuzzing: ${fuzz_seconds} s per target (build-fuzz)"
  "$root/scripts/fuzz.sh" "$fuzz_seconds"
fi
step "all done"
