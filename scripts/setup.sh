#!/usr/bin/env bash
# Installs kanscan's Debian dependencies when missing. Idempotent and quiet when all is present.
#   scripts/setup.sh          build, test and plotting dependencies (PyTorch for the checkpoint
#                             cross-check test)
#   scripts/setup.sh --bench  also OpenBLAS, which Debian's PyTorch needs for fair speed comparisons
set -euo pipefail
packages=(build-essential cmake git pkg-config
  libeigen3-dev libopenmpi-dev openmpi-bin libhdf5-dev libyaml-cpp-dev
  libgtest-dev libgmock-dev libbenchmark-dev libcli11-dev nlohmann-json3-dev libfmt-dev libxxhash-dev libcsv-dev
  python3 python3-numpy python3-h5py python3-matplotlib python3-pandas python3-sklearn python3-torch
  python3-pytest python3-yaml chromium)
if [[ "${1:-}" == "--bench" ]]; then
  packages+=(libopenblas0-openmp)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  SUDO=""
  [[ $(id -u) -eq 0 ]] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
