"""The plots of `kanscan analyze`, drawn from DataFrames in a notebook (matplotlib).

    import kanscan, kanscan.plotting as kp
    df = kanscan.load_trials("scan.h5")
    kp.plot_pareto(df)                       # parameters vs metric, one colour per model, front line
    kp.plot_metric_vs_axis(df, "grid_size")  # best and mean configuration per axis value
    kp.plot_history(kanscan.load_history("scan.h5", "best"))

Each function takes an optional matplotlib Axes and returns it; nothing is saved or shown.
draw_pareto is the very function analysis/plots.py draws analyze's pareto.png with (from its
configs.csv and pareto.csv); plot_pareto feeds it from a load_trials DataFrame.
"""
import numpy as np
import pandas as pd

from .results import configurations, higher_is_better, pareto

# One colour per model family, as in analyze's figures.
MODEL_COLORS = {"kan": "#1f77b4", "mlp": "#d62728"}
FALLBACK = ["#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]
COLORS = [MODEL_COLORS["kan"], MODEL_COLORS["mlp"]] + FALLBACK


def color(model, models):
    if model in MODEL_COLORS:
        return MODEL_COLORS[model]
    return FALLBACK[list(models).index(model) % len(FALLBACK)] if model in models else "k"


def log_cost_axis(ax, values, label):
    """A log x axis over costs with labelled ticks at every decade (and 2, 5 within when the
    range spans less than two decades), so that no axis ends up with one labelled tick."""
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

    values = [v for v in values if v == v and v > 0]
    ax.set_xscale("log")
    ax.set_xlabel(label)
    if not values:
        return
    lo, hi = min(values), max(values)
    decades = np.log10(hi / lo)
    ticks = []
    for e in range(int(np.floor(np.log10(lo))), int(np.ceil(np.log10(hi))) + 1):
        for m in ((1,) if decades >= 2 else (1, 2, 5)):
            t = m * 10.0 ** e
            if lo / 1.5 <= t <= hi * 1.5:
                ticks.append(t)
    if len(ticks) >= 2:
        ax.xaxis.set_major_locator(FixedLocator(ticks))
        ax.xaxis.set_minor_locator(NullLocator())
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}" if v >= 1 else f"{v:g}"))


def draw_pareto(ax, configs, fronts, metric, models, higher, metric_label=None, cost_label="trainable parameters"):
    """analyze's Pareto figure on `ax`. configs: one row per configuration (model, n_params or
    cost, <metric>_mean, and <metric>_unc or <metric>_std for the bars), as configs.csv;
    fronts: scope (a model or "all"), the same cost column, <metric>_mean, as pareto.csv. The
    x axis is `cost` when both tables have it (analyze --cost), else n_params; the bars are
    the uncertainty of the seed mean (_unc) when given, else the seeds' std."""
    m = metric
    x = "cost" if "cost" in configs and "cost" in fronts else "n_params"
    bars = f"{m}_unc" if f"{m}_unc" in configs else f"{m}_std"
    for model in models:
        c = configs[configs["model"] == model]
        if c.empty:
            continue
        ax.errorbar(c[x], c[f"{m}_mean"], yerr=c[bars].fillna(0), fmt="o", ms=4, alpha=0.45,
                    color=color(model, models), elinewidth=1, capsize=2, label=f"{model} configurations")
        f = fronts[fronts["scope"] == model].sort_values(x)
        if not f.empty:
            ax.step(f[x], f[f"{m}_mean"], where="post", color=color(model, models), lw=1.6,
                    label=f"{model} Pareto front")
    fa = fronts[fronts["scope"] == "all"].sort_values(x)
    if not fa.empty:
        ax.plot(fa[x], fa[f"{m}_mean"], "o", mfc="none", mec="k", ms=9, mew=1.2, label="overall front")
    log_cost_axis(ax, configs[x], cost_label)
    what = "seed mean ± its uncertainty" if bars.endswith("_unc") else "mean ± std over seeds"
    ax.set_ylabel(f"{metric_label or m} ({what})")
    ax.set_title("Model size vs performance")
    ax.legend(fontsize=8, loc="lower right" if higher else "upper right")
    return ax


def _axes(ax):
    if ax is None:
        import matplotlib.pyplot as plt
        ax = plt.figure(figsize=(6.4, 4.4)).add_subplot()
    return ax


def plot_pareto(df, metric=None, ax=None):
    """analyze's Pareto figure from a load_trials DataFrame: every configuration (seed mean ±
    std) against its parameter count, each model's front as a step line, the overall front
    circled."""
    ax = _axes(ax)
    conf = configurations(df, metric)
    m = conf.attrs["metric"]
    conf = conf.rename(columns={"mean": f"{m}_mean", "std": f"{m}_std"})
    models = list(dict.fromkeys(conf["model"]))
    fronts = [pareto(df[df["model"] == model], m).assign(scope=model) for model in models]
    fronts.append(pareto(df, m).assign(scope="all"))
    fronts = pd.concat(fronts, ignore_index=True).rename(columns={"mean": f"{m}_mean"})
    return draw_pareto(ax, conf, fronts, m, models, higher_is_better(m))


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
        color = COLORS[k % len(COLORS)] if m not in MODEL_COLORS else MODEL_COLORS[m]
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
