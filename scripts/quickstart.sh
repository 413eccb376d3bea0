#!/usr/bin/env bash
# The main job from a fresh Debian machine: install, build, then a real KAN-vs-MLP scan on
# 2 MPI ranks (examples/quickstart.yaml), its analysis, and where the results and plots are.
# Rerunning resumes: finished trials are kept, never rerun.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh"
"$root/scripts/build.sh"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
bin="$root/build/scans/kanscan"
out="$root/results"
mkdir -p "$out"
"$bin" validate "$root/examples/quickstart.yaml"
mpiexec -n 2 --oversubscribe "$bin" run "$root/examples/quickstart.yaml" --out "$out/quickstart.h5" --resume
"$bin" analyze "$out/quickstart.h5" --out "$out/quickstart"
echo
echo "quickstart: results file   $out/quickstart.h5"
echo "quickstart: analysis       $out/quickstart/summary.txt (CSV tables beside it)"
echo "quickstart: Pareto plot    $out/quickstart/pareto.png (and .pdf; ROC, validation curves, KAN splines beside it)"
