"""The plots of `kanscan analyze`, drawn from DataFrames in a notebook (matplotlib).

    import kanscan, kanscan.plotting as kp
    df = kanscan.load_trials("scan.h5")
    kp.plot_pareto(df)                       # parameters vs metric, one colour per model, front line
    kp.plot_metric_vs_axis(df, "grid_size")  # best and mean configuration per axis value
    kp.plot_history(kanscan.load_history("scan.h5", "best"))

Each function takes an optional matplotlib Axes and returns it; nothing is saved or shown.
"""
import numpy as np

from .results import configurations, higher_is_better, pareto

# The colours of analysis/plots.py (one per model family, tab10 order).
COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"]


def _axes(ax):
    if ax is None:
        import matplotlib.pyplot as plt
        ax = plt.figure(figsize=(6.4, 4.4)).add_subplot()
    return ax


def plot_pareto(df, metric=None, ax=None):
    """Every configuration (seed mean ± std) against its parameter count, log x; the front of
    each model as a step line and the overall front marked."""
    ax = _axes(ax)
    conf = configurations(df, metric)
    metric = conf.attrs["metric"]
    models = list(dict.fromkeys(conf["model"]))
    for k, m in enumerate(models):
        c = conf[conf["model"] == m]
        color = COLORS[k % len(COLORS)]
        ax.errorbar(c["n_params"], c["mean"], yerr=c["std"].fillna(0), fmt="o", ms=4, alpha=0.5, color=color,
                    label=m)
        f = pareto(df[df["model"] == m], metric)
        ax.step(f["n_params"], f["mean"], where="post", color=color, lw=1.5)
    front = pareto(df, metric)
    ax.plot(front["n_params"], front["mean"], "k*", ms=9, label="front (all)")
    ax.set_xscale("log")
    ax.set_xlabel("parameters")
    ax.set_ylabel(metric + (" (higher is better)" if higher_is_better(metric) else " (lower is better)"))
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return ax


def plot_metric_vs_axis(df, axis, metric=None, ax=None):
    """Per value of one axis (e.g. grid_size): the best configuration's mean ± std (solid) and
    the mean over configurations (dotted), one colour per model."""
    ax = _axes(ax)
    conf = configurations(df, metric)
    metric = conf.attrs["metric"]
    higher = higher_is_better(metric)
    for k, m in enumerate(dict.fromkeys(conf["model"])):
        c = conf[(conf["model"] == m) & conf[axis].notna()] if axis in conf.columns else conf.iloc[0:0]
        if not len(c):
            continue
        g = c.groupby(axis)
        best = g.apply(lambda x: x.loc[x["mean"].idxmax() if higher else x["mean"].idxmin()])
        color = COLORS[k % len(COLORS)]
        ax.errorbar(best.index.astype(float), best["mean"], yerr=best["std"].fillna(0), marker="o", color=color,
                    label=f"{m} best")
        ax.plot(g["mean"].mean().index.astype(float), g["mean"].mean(), ":", color=color, label=f"{m} mean")
    ax.set_xlabel(axis)
    ax.set_ylabel(metric)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return ax


def plot_history(history, ax=None):
    """Training and validation loss per epoch, and the validation metric on a second axis."""
    ax = _axes(ax)
    ax.plot(history["epoch"], history["train_loss"], label="train loss")
    ax.plot(history["epoch"], history["val_loss"], label="val loss")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    if "val_metric" in history and np.isfinite(history["val_metric"]).any():
        ax2 = ax.twinx()
        ax2.plot(history["epoch"], history["val_metric"], "g--", label=history.attrs.get("val_metric_name", "val metric"))
        ax2.set_ylabel(history.attrs.get("val_metric_name", "val metric"))
    ax.legend(fontsize=8)
    return ax
