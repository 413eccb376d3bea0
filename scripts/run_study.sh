#!/usr/bin/env bash
# Runs one reference study end to end: examples/NAME.yaml -> results/NAME.h5 -> results/NAME/.
#   scripts/run_study.sh NAME [--ranks N] [--out-dir DIR] [--bin KANSCAN]
# NAME is erdmann_tth, abasov_qcd, abasov_dm_met, erdmann_bases, abasov_dm_met_bases or quickstart. Steps: validate, run (under
# `mpiexec -n N`, default 2, when mpiexec exists; otherwise one process), analyze with --data
# pointing to the generated events so the spline-vs-LLR plots can be drawn.
# Rerunning resumes: finished trials are kept, never rerun. Needs scripts/build.sh first.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

usage() { sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
[[ $# -ge 1 ]] || usage
name=$1
shift
ranks=2
out_dir="$root/results"
bin="${KANSCAN_BIN:-$root/build/scans/kanscan}"
while [[ $# -gt 0 ]]; do
  case $1 in
    --ranks) ranks=${2:?--ranks needs a number}; shift 2 ;;
    --out-dir) out_dir=${2:?--out-dir needs a folder}; shift 2 ;;
    --bin) bin=${2:?--bin needs the kanscan binary}; shift 2 ;;
    -h|--help) usage ;;
    *) echo "run_study.sh: unknown argument '$1'" >&2; usage ;;
  esac
done
[[ $ranks =~ ^[1-9][0-9]*$ ]] || { echo "run_study.sh: --ranks expects a positive integer, got '$ranks'" >&2; exit 2; }

scan="$root/examples/$name.yaml"
if [[ ! -f $scan ]]; then
  echo "run_study.sh: no scan file $scan; available:" >&2
  ls "$root/examples"/*.yaml | xargs -n1 basename | sed 's/\.yaml$//; s/^/  /' >&2
  exit 2
fi
if [[ ! -x $bin ]]; then
  echo "run_study.sh: $bin not found; build first with scripts/build.sh" >&2
  exit 2
fi

mkdir -p "$out_dir"
results="$out_dir/$name.h5"
analysis="$out_dir/$name"
# One cache folder per study, so the study's data file is the only generated file in it.
cache="$out_dir/cache/$name"
log="$out_dir/$name.run.log"

echo "== validate $scan"
"$bin" validate "$scan"

echo "== run ($ranks rank(s)); log: $log"
start=$(date +%s)
run=("$bin" run "$scan" --out "$results" --resume --cache-dir "$cache")
if [[ $ranks -gt 1 ]] && command -v mpiexec >/dev/null; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
  # Open MPI refuses more ranks than cores without --oversubscribe; MPICH does not know the flag.
  extra=()
  flavour=$(mpiexec --version 2>&1 || true)
  [[ ${flavour,,} =~ open\ ?mpi|openrte ]] && extra=(--oversubscribe)
  mpiexec -n "$ranks" "${extra[@]}" "${run[@]}" 2>&1 | tee "$log"
else
  [[ $ranks -gt 1 ]] && echo "run_study.sh: mpiexec not found, running as one process" >&2
  "${run[@]}" 2>&1 | tee "$log"
fi
echo "== run took $(( $(date +%s) - start )) s wall"

# The data file the trials were trained on, as the run reported it (its name is a hash of the
# data block); the newest file of the study's cache folder if the log does not say.
data=$(grep -oE "(using cached|into) [^ ]+\.h5" "$log" | tail -n1 | awk '{print $NF}' || true)
[[ -n $data && -f $data ]] || data=$(ls -t "$cache"/*.h5 2>/dev/null | head -n1 || true)
echo "== analyze"
if [[ -n $data ]]; then
  "$bin" analyze "$results" --out "$analysis" --data "$data"
else
  "$bin" analyze "$results" --out "$analysis"
fi

echo
echo "$name: results file   $results"
echo "$name: data file      ${data:-(none: the scan reads a user file)}"
echo "$name: analysis       $analysis/summary.txt (CSV tables beside it)"
echo "$name: plots          $analysis/*.png (and .pdf)"
