#!/usr/bin/env bash
# The main job from a fresh Debian machine: install, build, then a real 2-rank MPI run.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh"
"$root/scripts/build.sh"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
bin="$root/build/scans/kanscan"
mpiexec -n 2 --oversubscribe "$bin" info
echo "quickstart: kanscan built at $bin"
