"""The plots of `kanscan analyze`, drawn from DataFrames in a notebook (matplotlib).

    import kanscan, kanscan.plotting as kp
    df = kanscan.load_trials("scan.h5")
    kp.plot_pareto(df)                       # parameters vs metric, one colour per model, front line
    kp.plot_metric_vs_axis(df, "grid_size")  # the metric along one axis, the other axes held fixed
    kp.plot_history(kanscan.load_history("scan.h5", "best"))

Each function takes an optional matplotlib Axes and returns it; nothing is saved or shown.
As in `kanscan analyze`, every choice (the front, the best configuration, the slice through it)
is made on the validation metric and the test metric is shown, with bars the uncertainty of a
configuration's seed mean, sqrt(std_seed^2 / n + err_test^2).
draw_pareto and draw_axis_slices are the very functions analysis/plots.py draws analyze's
pareto.png and metric_vs_axes.png with (from its configs.csv, pareto.csv and axis_slices.csv);
plot_pareto and plot_metric_vs_axis feed them from a load_trials DataFrame.
"""
import numpy as np
import pandas as pd

from .results import axis_slices, configurations, higher_is_better, pareto

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


def family_best(configs, select, higher):
    """{family: best_trial} of each family's best configuration by the seed mean of the
    selection column (`<select>_mean` of analyze's configs.csv, e.g. val_auc_mean): the curve
    a figure calls "best of its family". Families without a finite value are left out."""
    col = f"{select}_mean"
    if col not in configs:
        return {}
    out = {}
    for model, c in configs[configs[col].notna()].groupby("model", sort=True):
        out[model] = c.loc[c[col].idxmax() if higher else c[col].idxmin(), "best_trial"]
    return out


def _axes(ax):
    if ax is None:
        import matplotlib.pyplot as plt
        ax = plt.figure(figsize=(6.4, 4.4)).add_subplot()
    return ax


def plot_pareto(df, metric=None, ax=None, cost="n_params"):
    """analyze's Pareto figure from a load_trials DataFrame: every configuration (test seed mean
    ± its uncertainty) against its cost, each model's front (chosen on validation) as a step
    line, the overall front circled."""
    ax = _axes(ax)
    conf = configurations(df, metric)
    m = conf.attrs["metric"]
    fronts = [pareto(df[df["model"] == model], m, cost).assign(scope=model) for model in dict.fromkeys(conf["model"])]
    fronts.append(pareto(df, m, cost).assign(scope="all"))
    fronts = pd.concat(fronts, ignore_index=True).rename(columns={"mean": f"{m}_mean"})
    if cost != "n_params":
        conf["cost"] = [df.loc[df["trial_id"].isin(ids), cost].mean() for ids in conf["trial_ids"]]
    conf = conf.rename(columns={"mean": f"{m}_mean", "std": f"{m}_std", "unc": f"{m}_unc"})
    models = sorted(dict.fromkeys(conf["model"]))
    label = "trainable parameters" if cost == "n_params" else cost
    return draw_pareto(ax, conf, fronts, m, models, higher_is_better(m), cost_label=label)


def draw_axis_slices(ax, slices, metric, model, models, metric_label=None, max_other=5, name_model=False):
    """One axis of one family on `ax`: the slice through the best configuration bold in the
    family's colour ("others at the best: ..."), up to `max_other` further slices (other
    settings held at other values) thin. slices: rows of one (model, axis) with slice,
    through_best, others, value, <metric>_mean, <metric>_unc (analyze's axis_slices.csv, or
    kanscan.axis_slices renamed)."""
    shown, values = 0, []
    for _, s in slices.groupby("slice", sort=False):
        x = pd.to_numeric(s["value"], errors="coerce")
        values += [v for v in x if v == v]
        best = int(s["through_best"].iloc[0]) == 1
        if not best and (len(s) < 2 or shown >= max_other):
            continue
        others = s["others"].iloc[0] if isinstance(s["others"].iloc[0], str) else ""
        lab = (f"others at the best: {others}" if best else others) or "no other axis"
        lab = _wrap(f"{model}, {lab}" if name_model else lab, 40)
        yerr = s[f"{metric}_unc"].fillna(0) if f"{metric}_unc" in s else None
        if best:
            ax.errorbar(x, s[f"{metric}_mean"], yerr=yerr, fmt="-o", ms=5, lw=2, capsize=2, color=color(model, models),
                        label=lab, zorder=3)
        else:
            import matplotlib.pyplot as plt
            ax.errorbar(x, s[f"{metric}_mean"], yerr=yerr, fmt="-", marker=".", lw=0.9, capsize=1.5, alpha=0.75,
                        label=lab, color=plt.get_cmap("tab10")((shown + 2) % 10))
            shown += 1
    axis = slices["axis"].iloc[0] if len(slices) else ""
    ax.set_xlabel(axis)
    ax.set_ylabel(metric_label or metric)
    numeric_ticks(ax, values, log=axis == "width" and values and min(values) > 0 and max(values) / min(values) > 8)
    ax.set_title(f"{model}: {axis}", fontsize=9)
    ax.legend(fontsize=6.5)
    return ax


def numeric_ticks(ax, values, log=False):
    """Every value labelled once, none overlapping: fixed ticks at the values (thinned out
    beyond eight), rotated when there are many; a log axis gets no unlabelled minor ticks."""
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

    values = sorted(set(v for v in values if v == v))
    if not values:
        return
    if log:
        ax.set_xscale("log")
        ax.xaxis.set_minor_locator(NullLocator())
    shown = values
    if len(values) > 8:  # keep the ends and every other value
        shown = values[::2] + ([values[-1]] if values[-1] not in values[::2] else [])
    ax.xaxis.set_major_locator(FixedLocator(shown))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    if len(shown) > 5:
        for t in ax.get_xticklabels():
            t.set_rotation(45)
            t.set_ha("right")


def _wrap(text, width):
    import textwrap
    return "\n".join(textwrap.wrap(text, width)) if text else text


def plot_metric_vs_axis(df, axis, metric=None, ax=None, model=None):
    """The metric along one axis (e.g. grid_size) with the other axes held fixed, from a
    load_trials DataFrame (kanscan.axis_slices): for one model (`model`, or the only one) the
    slice through its best configuration bold and other slices thin; for several models the
    slice through each one's best, in its colour. Test seed means ± their uncertainty."""
    ax = _axes(ax)
    sl = axis_slices(df, axis, metric)
    m = sl.attrs["metric"]
    sl = sl.rename(columns={"mean": f"{m}_mean", "unc": f"{m}_unc"})
    models = sorted(dict.fromkeys(df["model"]))
    chosen = [model] if model else sorted(dict.fromkeys(sl["model"]))
    for fam in chosen:
        d = sl[sl["model"] == fam]
        if d.empty:
            continue
        draw_axis_slices(ax, d, m, fam, models, m, max_other=5 if len(chosen) == 1 else 0, name_model=len(chosen) > 1)
    if len(chosen) > 1:  # ticks at every family's values, not only the last one drawn
        values = pd.to_numeric(sl.loc[sl["model"].isin(chosen) & (sl["through_best"] == 1), "value"], errors="coerce").dropna().tolist()
        numeric_ticks(ax, values, log=axis == "width" and values and min(values) > 0 and max(values) / min(values) > 8)
        ax.set_title(f"{axis}: " + ", ".join(chosen), fontsize=9)
    ax.set_xlabel(axis)
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
