"""Read kanscan results files in notebooks.

    import kanscan
    trials = kanscan.load_trials("scan.h5")           # /trials as a pandas DataFrame (NaN/<NA> = not applicable)
    front = kanscan.pareto(trials)                    # parameters-vs-metric front, chosen on validation
    conf = kanscan.configurations(trials)             # seed means, their uncertainty (unc), the val mean
    sl = kanscan.axis_slices(trials, "grid_size")     # one axis with the others held fixed
    hist = kanscan.load_history("scan.h5", trial_id)  # per-epoch curves
    model = kanscan.load_model("scan.h5", "best")     # tensors as numpy arrays; model.predict(X), model.to_torch()
    phi = kanscan.kan_edge(model["layers"][0], 0, 3, x)  # a KAN layer's learned function (any basis)
    import kanscan.plotting                           # the plots of kanscan analyze, from DataFrames

Layout: docs/scan-format.md "Results file". Files are opened read-only without HDF5 file locking, so a
scan that is still running (or crashed) can be read.
"""
from .results import (Model, ResultsFile, axis_slices, best_trial, bspline_basis, configurations, kan_basis,
                      kan_edge, kan_functions, load_history, load_model, load_trials, metric_columns, pareto, predict,
                      read_history, read_model, read_trial)

__version__ = "0.2.0"
__all__ = ["Model", "ResultsFile", "axis_slices", "best_trial", "bspline_basis", "configurations", "kan_basis",
           "kan_edge", "kan_functions", "load_history", "load_model", "load_trials", "metric_columns", "pareto",
           "predict", "read_history", "read_model", "read_trial"]
