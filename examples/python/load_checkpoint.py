#!/usr/bin/python3
"""Load a kanscan model from an HDF5 results file into PyTorch and reproduce its predictions.

The loader lives in the kanscan Python package (python/kanscan/torch_model.py, installed by
`cmake --install`); this script is its command line. The model layout is described there and
in docs/models.md.

Usage:
  load_checkpoint.py RESULTS.h5 --group /trial/<id>/model --data DATA.h5 [--expected PRED_DATASET]
Prints the predictions' shape; with --expected (a dataset in RESULTS.h5), compares and exits 1 if
they differ by more than --tol. --group/--features/--expected may be repeated (one per model).
"""
import argparse
import sys
from pathlib import Path

import h5py
import numpy as np

# In a checkout, the package beside this script (it matches the script); else the installed one.
_source = Path(__file__).resolve().parents[2] / "python"
if (_source / "kanscan" / "torch_model.py").is_file():
    sys.path.insert(0, str(_source))
from kanscan import torch_model  # noqa: E402

# The names this script always had, for `from load_checkpoint import load_model, predict`.
KANLinear, Activation = torch_model.KANLinear, torch_model.Activation
load_model, predict = torch_model.load_group, torch_model.predict


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("results")
    ap.add_argument("--group", action="append", help="model group (repeatable; default: model)")
    ap.add_argument("--data", help="HDF5 file with the features (default: the results file)")
    ap.add_argument("--features", action="append", help="features dataset per group (default: features)")
    ap.add_argument("--expected", action="append", help="dataset in RESULTS with kanscan's predictions per group")
    ap.add_argument("--tol", type=float, default=1e-4)
    args = ap.parse_args()
    groups = args.group or ["model"]
    features = args.features or ["features"] * len(groups)
    expected = args.expected or [None] * len(groups)
    status = 0
    with h5py.File(args.results, "r") as f:
        data = h5py.File(args.data, "r") if args.data else f
        for group, feat, exp in zip(groups, features, expected):
            model, info = load_model(f[group])
            pred = predict(model, info, data[feat][()])
            print(f"{group}: predictions {pred.shape}")
            if exp:
                ref = np.asarray(f[exp], dtype=np.float64).reshape(pred.shape)
                err = np.max(np.abs(pred - ref) / (1.0 + np.abs(ref)))
                print(f"{group}: max relative difference to kanscan: {err:.3e}")
                if not err <= args.tol:
                    status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
