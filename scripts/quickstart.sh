#!/usr/bin/env bash
# The main job from a fresh Debian machine: install the dependencies, build, install kanscan
# (`cmake --install`: /usr/local/bin/kanscan, its plot and report scripts, and the Python package
# for /usr/bin/python3), then a real KAN-vs-MLP scan on 2 MPI ranks (examples/quickstart.yaml),
# its analysis, and where the results, plots and report are. Rerunning resumes: finished trials
# are kept, never rerun. KANSCAN_PREFIX=DIR installs elsewhere (then put DIR/bin on PATH).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh"
"$root/scripts/build.sh"
prefix=${KANSCAN_PREFIX:-/usr/local}
SUDO=""
[[ $(id -u) -eq 0 || -w "$prefix" ]] || SUDO="sudo"
$SUDO cmake --install "$root/build" --prefix "$prefix" >/dev/null
export PATH="$prefix/bin:$PATH"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
out="$root/results"
mkdir -p "$out"
kanscan validate "$root/examples/quickstart.yaml"
mpiexec -n 2 --oversubscribe kanscan run "$root/examples/quickstart.yaml" --out "$out/quickstart.h5" --resume
kanscan analyze "$out/quickstart.h5" --out "$out/quickstart"
echo
echo "quickstart: results file   $out/quickstart.h5"
echo "quickstart: analysis       $out/quickstart/summary.txt (CSV tables beside it)"
echo "quickstart: Pareto plot    $out/quickstart/pareto.png (and .pdf; ROC, validation curves, KAN splines beside it)"
echo "quickstart: report         $out/quickstart/report.html (one self-contained page: summary, tables, figures)"
echo "quickstart: installed      $(command -v kanscan); Python: /usr/bin/python3 -c 'import kanscan'"
