#!/usr/bin/env bash
# The whole test suite from a fresh Debian machine: install, build (warnings as errors), ctest.
#   scripts/test.sh                  every test: unit, mpi and the ones labelled slow (CI runs this)
#   KANSCAN_SLOW=0 scripts/test.sh   without the slow ones (kill -9 fault tests, grid refinement)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh"
KANSCAN_BUILD_DIR=${KANSCAN_BUILD_DIR:-$root/build} "$root/scripts/build.sh" -DKANSCAN_WERROR=ON
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
cd "${KANSCAN_BUILD_DIR:-$root/build}"
if [[ "${KANSCAN_SLOW:-1}" == "1" ]]; then
  ctest --output-on-failure -j 2
else
  ctest --output-on-failure -j 2 -LE slow
fi
