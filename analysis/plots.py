#!/usr/bin/python3
"""Plots for `kanscan analyze` (matplotlib, PNG and PDF).

Usage: plots.py DIR   where DIR holds analysis.json and the CSVs written by `kanscan analyze`.
Exit 0 on success, 3 when matplotlib/pandas/h5py is missing (kanscan prints a warning), 1 on
any other failure. Each figure is drawn independently: one that cannot be drawn is reported
and skipped.
"""
import json
import os
import sys
import traceback
from pathlib import Path

try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    import pandas as pd
except ImportError as e:  # pragma: no cover - depends on the machine
    print(f"plots.py: {e}", file=sys.stderr)
    sys.exit(3)

HERE = Path(__file__).resolve().parent
for cand in (HERE / "python", HERE.parent / "python"):
    if (cand / "kanscan" / "__init__.py").exists():
        sys.path.insert(0, str(cand))
        break
try:
    import kanscan  # noqa: E402
    import kanscan.plotting  # noqa: E402
except ImportError as e:
    print(f"plots.py: cannot import the kanscan reader module: {e}", file=sys.stderr)
    sys.exit(3)

COLORS = {"kan": "#1f77b4", "mlp": "#d62728"}
FALLBACK = ["#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]
plt.rcParams.update({"figure.dpi": 100, "savefig.dpi": 110, "font.size": 10, "axes.grid": True,
                     "grid.alpha": 0.3, "legend.frameon": False})


def color(model, models):
    if model in COLORS:
        return COLORS[model]
    return FALLBACK[models.index(model) % len(FALLBACK)] if model in models else "k"


def save(fig, out, name, written):
    fig.tight_layout(rect=(0, 0, 1, 0.96) if fig._suptitle is not None else None)
    for ext in ("png", "pdf"):
        fig.savefig(out / f"{name}.{ext}")
    plt.close(fig)
    written.append(name)


def metric_label(man):
    m = man["metric"]
    return {"test_auc": "test ROC AUC", "test_mae": "test MAE (standardised)" if False else "test MAE",
            "test_accuracy": "test accuracy", "test_loss": "test loss"}.get(m, m)


def plot_pareto(out, man, written):
    cfg = pd.read_csv(out / "configs.csv")
    par = pd.read_csv(out / "pareto.csv")
    m = man["metric"]
    cfg = cfg[(cfg["n_ok"] > 0) & cfg[f"{m}_mean"].notna()]
    if cfg.empty:
        return
    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    # The package's function, so that a notebook draws the same figure from a DataFrame.
    kanscan.plotting.draw_pareto(ax, cfg, par, m, man["models"], man["higher_is_better"], metric_label(man))
    save(fig, out, "pareto", written)


def plot_roc(out, man, rf, written):
    ids = man["front_trials"].get("all", [])
    curves = []
    for tid in ids:
        try:
            t = rf.trial(tid)
        except KeyError:
            continue
        if "roc" in t and len(t["roc"][0]) > 1:
            curves.append((tid, t["roc"]))
    if not curves:
        return
    cfg = pd.read_csv(out / "configs.csv")
    label_of = {}
    for _, row in cfg.iterrows():
        label_of[row["best_trial"]] = (row["model"], int(row["n_params"]) if row["n_params"] == row["n_params"] else 0)
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.2))
    cmap = plt.get_cmap("viridis")
    for k, (tid, (fpr, tpr)) in enumerate(curves):
        model, npar = label_of.get(tid, ("?", 0))
        auc = float(np.trapz(tpr, fpr))
        c = cmap(k / max(1, len(curves) - 1))
        ls = "-" if model == "kan" else "--"
        lab = f"{model} {npar} params (AUC {auc:.4f})"
        axes[0].plot(fpr, tpr, ls, color=c, lw=1.3, label=lab)
        with np.errstate(divide="ignore"):
            rej = np.where(fpr > 0, 1.0 / np.maximum(fpr, 1e-12), np.nan)
        axes[1].plot(tpr, rej, ls, color=c, lw=1.3, label=lab)
    axes[0].plot([0, 1], [0, 1], ":", color="grey", lw=1)
    axes[0].set_xlabel("background efficiency (FPR)")
    axes[0].set_ylabel("signal efficiency (TPR)")
    axes[0].set_title("ROC curves of the Pareto front")
    axes[0].legend(fontsize=7, loc="lower right")
    axes[1].set_yscale("log")
    axes[1].set_xlabel("signal efficiency")
    axes[1].set_ylabel("background rejection 1/FPR")
    axes[1].set_xlim(0.05, 1.0)
    axes[1].set_title("Rejection vs efficiency")
    save(fig, out, "roc_front", written)


def plot_val_curves(out, man, rf, written):
    rows = man.get("axis_best_trials", [])
    for axis in ("grid_size", "width", "depth", "optimizer"):
        sel = [r for r in rows if r["axis"] == axis]
        models = [m for m in man["models"] if any(r["model"] == m for r in sel)]
        if not models:
            continue
        fig, axs = plt.subplots(1, len(models), figsize=(5.2 * len(models), 3.9), squeeze=False)
        any_curve = False
        for ax, model in zip(axs[0], models):
            rs = [r for r in sel if r["model"] == model]
            cmap = plt.get_cmap("plasma")
            name = "validation metric"
            for k, r in enumerate(rs):
                try:
                    h = rf.history(r["trial"])
                except KeyError:
                    continue
                if h.empty or "val_metric" not in h:
                    continue
                name = h.attrs.get("val_metric_name", name)
                ax.plot(h["epoch"], h["val_metric"], "-o", ms=2.5, lw=1.3,
                        color=cmap(k / max(1, len(rs) - 1) * 0.85), label=f"{axis} = {r['value']}")
                any_curve = True
            ax.set_title(f"{model}: best configuration per {axis}")
            ax.set_xlabel("epoch")
            ax.set_ylabel(name)
            ax.legend(fontsize=8)
        if any_curve:
            save(fig, out, f"val_curves_{axis}", written)
        else:
            plt.close(fig)


def plot_metric_vs_axes(out, man, written):
    path = out / "axes.csv"
    if not path.exists():
        return
    ax_df = pd.read_csv(path)
    axes = [a for a in ("grid_size", "width", "depth") if a in set(ax_df["axis"])]
    if not axes:
        return
    m = man["metric"]
    fig, axs = plt.subplots(1, len(axes), figsize=(4.3 * len(axes), 3.7), squeeze=False)
    for ax, axis in zip(axs[0], axes):
        d = ax_df[ax_df["axis"] == axis]
        for model in man["models"]:
            dm = d[d["model"] == model]
            if dm.empty:
                continue
            x = pd.to_numeric(dm["value"], errors="coerce")
            ax.errorbar(x, dm[f"best_{m}_mean"], yerr=dm[f"best_{m}_std"].fillna(0), fmt="-o", ms=4, capsize=2,
                        color=color(model, man["models"]), label=f"{model}: best")
            ax.plot(x, dm["mean_over_configs"], ":", color=color(model, man["models"]), lw=1,
                    label=f"{model}: mean over configs")
        ax.set_xlabel(axis)
        ax.set_ylabel(metric_label(man))
        values = sorted(set(pd.to_numeric(d["value"], errors="coerce").dropna()))
        if axis == "width" and values and min(values) > 0 and max(values) / min(values) > 8:
            ax.set_xscale("log")
            ax.minorticks_off()
        if values:
            ax.set_xticks(values)
            ax.set_xticklabels([f"{v:g}" for v in values])
        ax.legend(fontsize=7)
    fig.suptitle(f"{metric_label(man)} against each axis")
    save(fig, out, "metric_vs_axes" if man["task"] != "regression" else "mae_vs_axes", written)


def plot_kan(out, man, written):
    llr = pd.read_csv(out / man["llr_csv"]) if man.get("llr_csv") else None
    for st in man.get("kan_studies", []):
        tid = st["trial"]
        imp_path = out / f"kan_{tid}_importance.csv"
        if imp_path.exists():
            imp = pd.read_csv(imp_path).sort_values("importance")
            fig, ax = plt.subplots(figsize=(5.2, 0.26 * len(imp) + 1.4))
            ax.barh(imp["name"], imp["importance"], color=COLORS["kan"], label="mean |φ| (L1 norm)")
            if "importance_centered" in imp:
                ax.plot(imp["importance_centered"], imp["name"], "k|", ms=9, mew=2, label="mean |φ − mean φ|")
            where = "test events" if imp.get("evaluated_on", pd.Series(["x"])).iloc[0] == "test_events" else "spline grid"
            ax.set_xlabel(f"L1 norm of the learned functions over the {where}")
            ax.legend(fontsize=7, loc="lower right")
            ax.set_title(f"Feature importance: {st.get('label', '')} [{tid[:8]}]", fontsize=9)
            ax.grid(axis="y", alpha=0)
            save(fig, out, f"kan_importance_{tid}", written)
        fn_path = out / f"kan_{tid}_functions.csv"
        if not st.get("single_layer") or not fn_path.exists():
            continue
        fn = pd.read_csv(fn_path)
        feats = list(dict.fromkeys(fn["feature"]))
        order = feats
        if imp_path.exists():
            imp = pd.read_csv(imp_path).set_index("feature")["importance"]
            order = sorted(feats, key=lambda i: -imp.get(i, 0))
        n = len(order)
        ncol = min(4, n)
        nrow = (n + ncol - 1) // ncol
        fig, axs = plt.subplots(nrow, ncol, figsize=(3.2 * ncol, 2.5 * nrow), squeeze=False)
        for k, i in enumerate(order):
            ax = axs[k // ncol][k % ncol]
            f = fn[fn["feature"] == i]
            phi = f["phi_0"].to_numpy()
            xr = f["x_raw"].to_numpy()
            name = f["name"].iloc[0]
            shift = 0.0
            if llr is not None:
                l = llr[llr["feature"] == i]
                if not l.empty:
                    lo, hi = l["x_raw"].min(), l["x_raw"].max()
                    # Only the sum of the splines' constants matters: align each spline to the LLR,
                    # over the points inside the spline grid where the spline part acts.
                    g = f[f["in_grid"] == 1]["x_raw"] if "in_grid" in f else f["x_raw"]
                    inside = l[(l["x_raw"] >= g.min()) & (l["x_raw"] <= g.max())] if len(g) else l
                    if inside.empty:
                        inside = l
                    shift = float(np.mean(np.interp(inside["x_raw"], xr, phi)) - inside["llr"].mean())
                    if len(g):
                        ax.axvspan(g.min(), g.max(), color="0.93", zorder=0, lw=0)
                    ax.errorbar(l["x_raw"], l["llr"], yerr=l["err"], fmt=".", ms=3, color="k", elinewidth=0.8,
                                label="empirical LLR")
                    pad = 0.1 * (hi - lo)
                    ax.set_xlim(lo - pad, hi + pad)
            ax.plot(xr, phi - shift, "-", color=COLORS["kan"], lw=1.6, label="learned φ (shifted)")
            ax.set_title(name, fontsize=9)
            ax.set_xlabel("raw value (shaded: spline grid)" if k == 0 else "", fontsize=7)
            ax.tick_params(labelsize=7)
            if k == 0:
                ax.legend(fontsize=7)
        for k in range(n, nrow * ncol):
            axs[k // ncol][k % ncol].axis("off")
        what = st.get("label", "single-layer KAN") + f" [{tid[:8]}]"
        fig.suptitle(f"{what}: learned spline φ_i vs log-likelihood ratio ln(p_sig/p_bkg) of each feature"
                     if llr is not None else f"{what}: learned splines (no events found for the LLR)", fontsize=10)
        save(fig, out, f"kan_splines_{tid}", written)


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    out = Path(sys.argv[1])
    man = json.loads((out / "analysis.json").read_text())
    written, failed = [], []
    rf = None
    try:
        rf = kanscan.ResultsFile(man["results"])
    except Exception as e:  # noqa: BLE001 - reported, and the CSV-only plots still run
        failed.append(f"results file: {e}")
    jobs = [("pareto", lambda: plot_pareto(out, man, written)),
            ("axes", lambda: plot_metric_vs_axes(out, man, written)),
            ("kan", lambda: plot_kan(out, man, written))]
    if rf is not None:
        jobs += [("roc", lambda: plot_roc(out, man, rf, written)),
                 ("val_curves", lambda: plot_val_curves(out, man, rf, written))]
    if not man.get("metric"):
        jobs = []
    for name, job in jobs:
        try:
            job()
        except Exception:  # noqa: BLE001 - one broken figure must not cost the others
            failed.append(name)
            traceback.print_exc()
    if rf is not None:
        rf.close()
    print(f"plots.py: wrote {len(written)} figures ({', '.join(written)})")
    if failed:
        print(f"plots.py: failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
