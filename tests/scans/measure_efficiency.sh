#!/usr/bin/env bash
# Parallel efficiency of a scan of 40 small trials, 2 ranks vs 1 rank (docs/performance.md,
# "Scan scheduling"). Alternates 1-rank and 2-rank runs REPEATS times and prints, per run, the
# wall time and the slot utilisation = sum of the trials' train_seconds / (slots x wall time).
#   tests/scans/measure_efficiency.sh [BUILD_DIR] [REPEATS]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}
repeats=${2:-3}
bin=$build/scans/kanscan
scan=$root/examples/scan_efficiency_40.yaml
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1 OMP_NUM_THREADS=1
# Generate the cached data once, outside the timings.
"$bin" run "$scan" --out "$work/warm.h5" --cache-dir "$work/cache" --progress-seconds 1000 >/dev/null 2>&1
utilisation() {
  /usr/bin/python3 - "$1" "$2" "$3" <<'PY'
import sys, h5py, pandas as pd
f = h5py.File(sys.argv[1], "r"); df = pd.DataFrame(f["trials"][:])
slots, wall = int(sys.argv[2]), float(sys.argv[3])
print(f"{len(df)} trials, sum of train_seconds {df.train_seconds.sum():.2f} s, utilisation {df.train_seconds.sum() / (slots * wall):.3f}")
PY
}
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg); cores: $(nproc --all)"
for i in $(seq 1 "$repeats"); do
  for n in 1 2; do
    out=$work/r${n}_$i.h5
    if [[ $n == 1 ]]; then launcher=(); else launcher=(mpiexec -n 2 --oversubscribe); fi
    t0=$(date +%s.%N)
    "${launcher[@]}" "$bin" run "$scan" --out "$out" --cache-dir "$work/cache" --progress-seconds 1000 >/dev/null 2>&1
    t1=$(date +%s.%N)
    wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
    printf 'run %d, %d rank(s): wall %.2f s; %s\n' "$i" "$n" "$wall" "$(utilisation "$out" "$n" "$wall")"
  done
done
# The same scan with the synthetic trial of the tests (sleeps 0.25-1.5 s, no CPU): the wall
# time ratio then measures the scheduling overhead alone, whatever else runs on the machine.
harness=$build/tests/scans/kanscan_scan_harness
if [[ -x $harness ]]; then
  for i in $(seq 1 "$repeats"); do
    for n in 1 2; do
      out=$work/h${n}_$i.h5
      if [[ $n == 1 ]]; then launcher=(); else launcher=(mpiexec -n 2 --oversubscribe); fi
      t0=$(date +%s.%N)
      "${launcher[@]}" "$harness" "$scan" --out "$out" --sleep-ms 250 --progress-seconds 1000 >/dev/null 2>&1
      t1=$(date +%s.%N)
      wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
      printf 'synthetic run %d, %d rank(s): wall %.2f s; %s\n' "$i" "$n" "$wall" "$(utilisation "$out" "$n" "$wall")"
    done
  done
fi
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
