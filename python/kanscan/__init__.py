"""Read kanscan results files in notebooks.

    import kanscan
    trials = kanscan.load_trials("scan.h5")          # /trials as a pandas DataFrame
    hist = kanscan.read_history("scan.h5", trial_id)  # per-epoch curves
    model = kanscan.read_model("scan.h5", trial_id)   # tensors as numpy arrays
    phi = kanscan.kan_edge(model["layers"][0], 0, 3, x)  # a KAN layer's learned function (any basis)

Layout: docs/scan-format.md "Results file". Files are opened read-only without HDF5 file locking, so a
scan that is still running (or crashed) can be read.
"""
from .results import (ResultsFile, load_trials, read_history, read_model, read_trial, kan_edge,
                      kan_basis, kan_functions, bspline_basis, predict)

__all__ = ["ResultsFile", "load_trials", "read_history", "read_model", "read_trial", "kan_edge",
           "kan_basis", "kan_functions", "bspline_basis", "predict"]
