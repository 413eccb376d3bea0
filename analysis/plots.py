#!/usr/bin/python3
"""Plots for `kanscan analyze` (matplotlib, PNG and PDF).

Usage: plots.py DIR   where DIR holds analysis.json and the CSVs written by `kanscan analyze`.
Exit 0 on success, 3 when matplotlib/pandas/h5py is missing (kanscan prints a warning), 1 on
any other failure. Each figure is drawn independently: one that cannot be drawn is reported
and skipped. The figures drawn are listed in analysis.json under "figures" (name, files, title).

Every choice a figure shows (the front, the best configuration, the curve of a seed) was made on
the validation metric (analysis.json "select_metric"); the values shown are test values. Error
bars are the uncertainty of a configuration's seed mean, sqrt(std_seed^2 / n + err_test^2)
(docs/analysis.md, "Uncertainties and tests").
"""
import json
import os
import sys
import textwrap
import traceback
from pathlib import Path

try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import LogNorm
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
                     "grid.alpha": 0.3, "legend.frameon": False, "axes.titlesize": 10})
BARS = "bars: uncertainty of the seed mean, √(σ²_seed/n + σ²_test)"


def color(model, models):
    if model in COLORS:
        return COLORS[model]
    return FALLBACK[models.index(model) % len(FALLBACK)] if model in models else "k"


def wrap(text, width=70):
    return "\n".join(textwrap.wrap(text, width)) if text else text


def save(fig, out, name, written, title=""):
    st = fig._suptitle
    if st is not None:  # wrap to the figure's width so that no title is clipped
        chars = max(40, int(fig.get_figwidth() * 72 / (0.62 * st.get_fontsize())))
        st.set_text(wrap(st.get_text().replace("\n", " "), chars))
        lines = st.get_text().count("\n") + 1
        fig.tight_layout(rect=(0, 0, 1, 1 - min(0.3, 0.045 * lines * 6.0 / fig.get_figheight())))
    else:
        fig.tight_layout(rect=getattr(fig, "kanscan_rect", None))  # room for a footnote
    for ext in ("png", "pdf"):
        fig.savefig(out / f"{name}.{ext}")
    plt.close(fig)
    written.append({"name": name, "png": f"{name}.png", "pdf": f"{name}.pdf", "title": title})


def metric_label(man, m=None):
    m = m or man["metric"]
    names = {"test_auc": "test ROC AUC", "test_mae": "test MAE (standardised)", "test_accuracy": "test accuracy",
             "test_loss": "test loss"}
    return names.get(m, m)


def chosen_on(man):
    sel = man.get("select_metric") or man["metric"]
    if sel == man["metric"]:
        return f"chosen on {sel} itself (no validation column)"
    return f"chosen on {sel}"


def plot_pareto(out, man, written):
    cfg = pd.read_csv(out / "configs.csv")
    par = pd.read_csv(out / "pareto.csv")
    m = man["metric"]
    cfg = cfg[(cfg["n_ok"] > 0) & cfg[f"{m}_mean"].notna()]
    if cfg.empty:
        return
    cost = man.get("cost", {"name": "params", "label": "trainable parameters"})
    fig, ax = plt.subplots(figsize=(6.8, 4.6))
    # The package's function, so that a notebook draws the same figure from a DataFrame.
    kanscan.plotting.draw_pareto(ax, cfg, par, m, man["models"], man["higher_is_better"], metric_label(man),
                                 cost["label"])
    ax.set_ylabel(metric_label(man))
    ax.set_title(wrap(f"{cost['label'].capitalize()} vs {metric_label(man)}: fronts {chosen_on(man)}, test values "
                      f"shown; {BARS}", 80), fontsize=9)
    err = f"{m}_err_mean"
    if err in cfg and cfg[err].notna().any():
        fig.text(0.01, 0.005, wrap(f"The test-sample part of the bars (about ±{cfg[err].median():.4f}) is shared by all "
                                   "configurations (same test events): differences are tested in pairs "
                                   "(comparisons.csv, matched_budget.csv).", 110), fontsize=7, va="bottom")
        fig.kanscan_rect = (0, 0.05, 1, 1)
    save(fig, out, "pareto", written, f"{cost['label']} vs {metric_label(man)}")


def roc_axes(fpr, tpr, signal_class):
    """(signal efficiency, background efficiency) of the kept class from a stored ROC (tpr:
    label-1 events passing score >= cut, fpr: label-0 events passing)."""
    fpr, tpr = np.asarray(fpr), np.asarray(tpr)
    if signal_class == 1:
        return tpr, fpr
    return 1.0 - fpr, 1.0 - tpr  # keep label-0 events below the cut


def plot_roc(out, man, rf, written):
    ids = man["front_trials"].get("all", [])
    phys = man.get("physics", {})
    names = phys.get("class_names") or ["class 0", "class 1"]
    sig = int(phys.get("signal_class", 1))
    sig_name, bkg_name = names[sig], names[1 - sig]
    cfg = pd.read_csv(out / "configs.csv")
    info = {}
    for _, row in cfg.iterrows():
        npar = int(row["n_params"]) if row["n_params"] == row["n_params"] else 0
        info[row["best_trial"]] = (row["model"], npar, row.get("test_auc_mean", np.nan), row.get("test_auc_unc", np.nan))
    # At most eight curves: the front thinned evenly, always with its ends and each family's
    # best (the physics trials, chosen on validation).
    best = kanscan.plotting.family_best(cfg, man.get("select_metric") or man["metric"], man["higher_is_better"])
    # The physics trials of a family trained with several losses: the best per loss, said so.
    per_loss = {t["trial"]: t.get("loss", "") for t in phys.get("trials", []) if t["trial"] not in best.values()}
    keep = list(ids)
    if len(keep) > 8:
        pick = set(np.linspace(0, len(keep) - 1, 8 - len(best)).round().astype(int))
        keep = [t for k, t in enumerate(keep) if k in pick or t in best.values()]
    for t in list(best.values()) + list(per_loss):
        if t not in keep:
            keep.append(t)
    curves = []
    for tid in keep:
        try:
            t = rf.trial(tid)
        except KeyError:
            continue
        if "roc" in t and len(t["roc"][0]) > 1:
            curves.append((tid, t["roc"]))
    if not curves:
        return
    grid = np.linspace(0.2, 1.0, 161)
    ref_tid = best.get(man.get("reference_family", "mlp"))
    ref = None
    fig, (ax, rax) = plt.subplots(2, 1, figsize=(7.4, 6.8), sharex=True, gridspec_kw={"height_ratios": [3, 1.3]})
    cmap = plt.get_cmap("viridis")
    for k, (tid, (fpr, tpr)) in enumerate(curves):
        model, npar, auc, u = info.get(tid, ("?", 0, np.nan, np.nan))
        c = cmap(k / max(1, len(curves) - 1) * 0.9)
        ls = "--" if model == man.get("reference_family", "mlp") else "-"
        es, eb = roc_axes(fpr, tpr, sig)
        order = np.argsort(es)
        with np.errstate(divide="ignore"):
            rej = np.where(eb > 0, 1.0 / np.maximum(eb, 1e-12), np.nan)
        auc_txt = f"AUC {auc:.4f} ± {u:.4f}" if u == u else f"AUC {auc:.4f}"
        star = (" (best of its family)" if tid in best.values() else
                f" (best with loss={per_loss[tid]})" if per_loss.get(tid) else "")
        ax.plot(es, rej, ls, color=c, lw=1.3, label=f"{model} {npar:,} params, {auc_txt}{star}")
        on_grid = np.interp(grid, es[order], np.nan_to_num(rej[order], nan=np.inf))
        if tid == ref_tid:
            ref = on_grid
        curves[k] = (tid, (on_grid, c, ls))
    if ref is not None:
        for tid, (on_grid, c, ls) in curves:
            with np.errstate(divide="ignore", invalid="ignore"):
                rax.plot(grid, on_grid / ref, ls, color=c, lw=1.1)
        rax.axhline(1.0, color="grey", lw=0.8)
        rax.set_ylabel(f"ratio to best {man.get('reference_family', 'mlp')}", fontsize=8)
        rax.set_ylim(0.8, 1.25)
    ax.set_yscale("log")
    ax.set_xlim(0.2, 1.0)  # below, a few background events decide the rejection
    rax.set_xlabel(f"{sig_name} efficiency")
    ax.set_ylabel(f"{bkg_name} rejection (1 / efficiency)")
    ax.set_title(wrap(f"Rejection of {bkg_name} vs {sig_name} efficiency, configurations of the overall front "
                      f"({chosen_on(man)}); each curve is the seed chosen on validation, the legend gives the "
                      "configuration's mean test AUC ± its uncertainty", 90), fontsize=9)
    ax.legend(fontsize=7, loc="upper right")
    save(fig, out, "roc_front", written, f"{bkg_name} rejection vs {sig_name} efficiency")


def best_epochs(rf):
    try:
        t = rf.trials()
    except Exception:  # noqa: BLE001
        return {}
    if "best_epoch" not in t:
        return {}
    return dict(zip(t["trial_id"], t["best_epoch"]))


def plot_val_curves(out, man, rf, written):
    best_epoch = best_epochs(rf)
    curves = man.get("axis_curves")
    if curves is None:  # an older manifest: best configuration per value
        rows = man.get("axis_best_trials", [])
        curves = []
        for axis in sorted({r["axis"] for r in rows}):
            for model in man["models"]:
                pts = [r for r in rows if r["axis"] == axis and r["model"] == model]
                if pts:
                    curves.append({"model": model, "axis": axis, "others": "other settings free", "points": pts})
    for axis in ("grid_size", "width", "depth", "optimizer", "loss"):
        sel = [c for c in curves if c["axis"] == axis]
        if not sel:
            continue
        fig, axs = plt.subplots(2, len(sel), figsize=(5.4 * len(sel), 6.4), squeeze=False, sharex="col")
        any_curve = False
        for col, cv in enumerate(sel):
            top, bottom = axs[0][col], axs[1][col]
            cmap = plt.get_cmap("plasma")
            name = "validation metric"
            pts = cv["points"]
            for k, p in enumerate(pts):
                try:
                    h = rf.history(p["trial"])
                except KeyError:
                    continue
                if h.empty or "val_metric" not in h:
                    continue
                name = h.attrs.get("val_metric_name", name)
                c = cmap(k / max(1, len(pts) - 1) * 0.85)
                lab = f"{axis} = {p['value']}"
                top.plot(h["epoch"], h["val_metric"], "-o", ms=2.5, lw=1.3, color=c, label=lab)
                bottom.plot(h["epoch"], h["train_loss"], "-", lw=1.3, color=c)
                bottom.plot(h["epoch"], h["val_loss"], "--", lw=1.3, color=c)
                be = best_epoch.get(p["trial"])
                if be is not None and be == be:
                    row = h[h["epoch"] == int(be)]
                    if not row.empty:
                        top.plot(row["epoch"], row["val_metric"], "*", ms=11, color=c, mec="k", mew=0.6)
                        bottom.plot(row["epoch"], row["val_loss"], "*", ms=11, color=c, mec="k", mew=0.6)
                any_curve = True
            held = cv.get("others") or "no other axis"
            if held.startswith("best per value"):
                top.set_title(wrap(f"{cv['model']}: best configuration per {axis}; {held[16:]}", 60))
            else:
                top.set_title(wrap(f"{cv['model']}: {axis}, held fixed: {held}", 60))
            top.set_ylabel(name)
            top.legend(fontsize=8)
            bottom.plot([], [], "k-", label="training loss")
            bottom.plot([], [], "k--", label="validation loss")
            bottom.plot([], [], "k*", ms=9, label="best validation epoch (kept)")
            # The first epoch's training loss would set the scale: from the second epoch on.
            late = [v for line in bottom.get_lines() for x, v in zip(line.get_xdata(), line.get_ydata()) if x >= 2]
            if late:
                lo, hi = min(late), max(late)
                bottom.set_ylim(lo - 0.05 * (hi - lo), hi + 0.1 * (hi - lo))
            bottom.set_xlabel("epoch")
            bottom.set_ylabel("loss")
            bottom.legend(fontsize=7)
        if any_curve:
            fig.suptitle(f"Validation metric, training and validation loss per epoch, one curve per {axis}")
            save(fig, out, f"val_curves_{axis}", written, f"validation curves per {axis}")
        else:
            plt.close(fig)


def plot_metric_vs_axes(out, man, written):
    path = out / "axis_slices.csv"
    if not path.exists():
        return
    sl = pd.read_csv(path, keep_default_na=False, na_values=[""])
    axes = [a for a in ("grid_size", "width", "depth") if a in set(sl["axis"])]
    if not axes:
        return
    m = man["metric"]
    models = man["models"]
    panels = [(axis, model) for axis in axes for model in models if not sl[(sl["axis"] == axis) & (sl["model"] == model)].empty]
    ncol = min(3, len(panels))
    nrow = (len(panels) + ncol - 1) // ncol
    fig, axs = plt.subplots(nrow, ncol, figsize=(4.9 * ncol, 3.9 * nrow), squeeze=False)
    for k, (axis, model) in enumerate(panels):
        ax = axs[k // ncol][k % ncol]
        d = sl[(sl["axis"] == axis) & (sl["model"] == model)]
        # The package's function, so that kanscan.plotting.plot_metric_vs_axis draws the same.
        kanscan.plotting.draw_axis_slices(ax, d, m, model, models, metric_label(man))
    for k in range(len(panels), nrow * ncol):
        axs[k // ncol][k % ncol].axis("off")
    fig.suptitle(wrap(f"{metric_label(man)} against each axis, the other axes held fixed (one line per setting, "
                      f"bold: through the best configuration, {chosen_on(man)}); {BARS}", 110), fontsize=9)
    save(fig, out, "metric_vs_axes" if man["task"] != "regression" else "mae_vs_axes", written,
         f"{metric_label(man)} against each axis, others held fixed")


def plot_kan(out, man, written):
    llr = pd.read_csv(out / man["llr_csv"]) if man.get("llr_csv") else None
    for st in man.get("kan_studies", []):
        tid = st["trial"]
        imp_path = out / f"kan_{tid}_importance.csv"
        if imp_path.exists():
            imp = pd.read_csv(imp_path)
            key = "importance_centered" if "importance_centered" in imp else "importance"
            imp = imp.sort_values(key)
            fig, ax = plt.subplots(figsize=(5.6, 0.26 * len(imp) + 1.6))
            ax.barh(imp["name"], imp[key], color=COLORS["kan"], label="mean |φ − mean φ| (centred L1)")
            if key != "importance":
                ax.plot(imp["importance"], imp["name"], "k|", ms=9, mew=2, label="mean |φ| (plain L1)")
            where = "test events" if imp.get("evaluated_on", pd.Series(["x"])).iloc[0] == "test_events" else "spline grid"
            ax.set_xlabel(f"importance over the {where}")
            ax.legend(fontsize=7, loc="lower right")
            ax.set_title(wrap(f"Feature importance: {st.get('label', '')} [{tid[:8]}]", 60), fontsize=9)
            ax.grid(axis="y", alpha=0)
            save(fig, out, f"kan_importance_{tid}", written, f"KAN feature importance {st.get('label', '')}")
        fn_path = out / f"kan_{tid}_functions.csv"
        if not st.get("single_layer") or not fn_path.exists():
            continue
        plot_splines(out, st, pd.read_csv(fn_path), imp_path, llr, written)


def plot_splines(out, st, fn, imp_path, llr, written):
    tid = st["trial"]
    feats = list(dict.fromkeys(fn["feature"]))
    order = feats
    if imp_path.exists():
        imp = pd.read_csv(imp_path).set_index("feature")
        key = "importance_centered" if "importance_centered" in imp else "importance"
        order = sorted(feats, key=lambda i: -imp[key].get(i, 0))
    # A logit (sigmoid + BCE) is a sum of the splines; a clipped MSE output is a probability.
    prob = st.get("output") == "clip" or st.get("loss") == "mse"
    n = len(order)
    ncol = min(4, n)
    nrow = (n + ncol - 1) // ncol
    fig, axs = plt.subplots(nrow, ncol, figsize=(3.2 * ncol, 2.5 * nrow + 0.6), squeeze=False)
    for k, i in enumerate(order):
        ax = axs[k // ncol][k % ncol]
        f = fn[fn["feature"] == i]
        phi = f["phi_0"].to_numpy()
        xr = f["x_raw"].to_numpy()
        shift = 0.0
        if llr is not None:
            lo_hi = llr[llr["feature"] == i]
            if not lo_hi.empty:
                lo, hi = lo_hi["x_raw"].min(), lo_hi["x_raw"].max()
                g = f[f["in_grid"] == 1]["x_raw"] if "in_grid" in f else f["x_raw"]
                inside = lo_hi[(lo_hi["x_raw"] >= g.min()) & (lo_hi["x_raw"] <= g.max())] if len(g) else lo_hi
                if inside.empty:
                    inside = lo_hi
                if not prob:  # only the sum of the constants matters: align each spline to the LLR
                    shift = float(np.mean(np.interp(inside["x_raw"], xr, phi)) - inside["llr"].mean())
                if len(g):
                    ax.axvspan(g.min(), g.max(), color="0.93", zorder=0, lw=0)
                ax.errorbar(lo_hi["x_raw"], lo_hi["llr"], yerr=lo_hi["err"], fmt=".", ms=3, color="k",
                            elinewidth=0.8, label="empirical LLR")
                pad = 0.1 * (hi - lo)
                ax.set_xlim(lo - pad, hi + pad)
        if prob and llr is not None:
            ax2 = ax.twinx()
            ax2.plot(xr, phi, "-", color=COLORS["kan"], lw=1.6, label="learned φ (probability scale)")
            ax2.tick_params(labelsize=6, colors=COLORS["kan"])
            ax2.grid(False)
        else:
            ax.plot(xr, phi - shift, "-", color=COLORS["kan"], lw=1.6, label="learned φ (shifted)")
        ax.set_title(f["name"].iloc[0], fontsize=9)
        ax.set_xlabel("raw value (shaded: spline grid)" if k == 0 else "", fontsize=7)
        ax.tick_params(labelsize=7)
        if k == 0:
            ax.legend(fontsize=7)
    for k in range(n, nrow * ncol):
        axs[k // ncol][k % ncol].axis("off")
    what = st.get("label", "single-layer KAN") + f" [{tid[:8]}]"
    if llr is None:
        title = f"{what}: learned splines (no events found for the LLR)"
    elif prob:
        title = (f"{what}, trained with MSE on a clipped output: Σφ approximates P(class 1 | x), not the "
                 "log-likelihood ratio; splines (blue, right axis) and per-feature LLR (black) compare in shape only")
    else:
        title = f"{what}: learned spline φ_i vs log-likelihood ratio ln(p₁/p₀) of each feature (Σφ is the logit)"
    fig.suptitle(wrap(title, 120), fontsize=9)
    save(fig, out, f"kan_splines_{tid}", written, f"KAN splines vs LLR {st.get('label', '')}")


def plot_outputs(out, man, written):
    phys = man.get("physics", {})
    if not phys.get("outputs"):
        return
    d = pd.read_csv(out / phys["outputs"])
    ks = pd.read_csv(out / phys["overtraining"]) if phys.get("overtraining") else None
    trials = list(dict.fromkeys(d["trial"]))
    ncol = min(2, len(trials))
    nrow = (len(trials) + ncol - 1) // ncol
    fig, axs = plt.subplots(nrow, ncol, figsize=(5.8 * ncol, 4.1 * nrow + 0.6), squeeze=False)
    colors = ["#1f77b4", "#d62728"]
    for k, tid in enumerate(trials):
        ax = axs[k // ncol][k % ncol]
        t = d[d["trial"] == tid]
        for c in sorted(set(t["class"])):
            for sample in ("train", "test"):
                h = t[(t["class"] == c) & (t["sample"] == sample)]
                if h.empty:
                    continue
                centers = 0.5 * (h["bin_lo"] + h["bin_hi"])
                name = h["class_name"].iloc[0]
                ptxt = ""
                if ks is not None:
                    k = ks[(ks["trial"] == tid) & (ks["class"] == c)]
                    if not k.empty:
                        ptxt = f", KS p = {k['ks_p_value'].iloc[0]:.2g}"
                if sample == "train":
                    ax.fill_between(np.r_[h["bin_lo"], h["bin_hi"].iloc[-1]], np.r_[h["density"], h["density"].iloc[-1]],
                                    step="post", alpha=0.3, color=colors[c % 2], label=f"{name} train")
                else:
                    err = np.sqrt(np.maximum(h["count"], 1)) / np.maximum(h["count"], 1) * h["density"]
                    ax.errorbar(centers, h["density"], yerr=err, fmt="o", ms=3, color=colors[c % 2],
                                label=f"{name} test{ptxt}")
        ax.set_yscale("log")
        ax.set_xlabel("model output")
        ax.set_ylabel("density")
        ax.set_title(wrap(f"{t['model'].iloc[0]}: {t['label'].iloc[0]} [{tid[:8]}]", 55), fontsize=9)
        ax.legend(fontsize=7, loc="upper center")
    for k in range(len(trials), nrow * ncol):
        axs[k // ncol][k % ncol].axis("off")
    fig.suptitle(wrap("Output distributions per class, training sample (filled) vs test sample (points): the "
                      "overtraining check (KS: Kolmogorov-Smirnov p-value per class); best configuration of each "
                      f"family, {chosen_on(man)}", 110), fontsize=9)
    save(fig, out, "output_distributions", written, "output distributions, train vs test")


def plot_resolution(out, man, written):
    phys = man.get("physics", {})
    if not phys.get("resolution"):
        return
    r = pd.read_csv(out / phys["resolution"], keep_default_na=False, na_values=[""])
    r = r[r["bin"] != "all"].copy()
    r["center"] = 0.5 * (r["true_lo"] + r["true_hi"])
    targets = list(dict.fromkeys(r["target_name"]))
    models = man["models"]
    fig, axs = plt.subplots(2, len(targets), figsize=(3.3 * len(targets), 5.6), squeeze=False, sharex="col")
    for j, name in enumerate(targets):
        for model in list(dict.fromkeys(r["model"])):
            t = r[(r["target_name"] == name) & (r["model"] == model)]
            c = color(model, models)
            axs[0][j].errorbar(t["center"], t["bias"], yerr=t["bias_err"], fmt="-o", ms=3, color=c, label=model)
            axs[1][j].errorbar(t["center"], t["resolution"], yerr=t["resolution_err"], fmt="-o", ms=3, color=c,
                               label=model)
        axs[0][j].axhline(0, color="grey", lw=0.8)
        axs[0][j].set_title(name, fontsize=9)
        axs[1][j].set_xlabel(f"true {name}", fontsize=8)
        for a in (axs[0][j], axs[1][j]):
            a.tick_params(labelsize=7)
    axs[0][0].set_ylabel("bias: median(pred − true)")
    axs[1][0].set_ylabel("resolution: ½(q84 − q16)")
    axs[0][0].legend(fontsize=7)
    fig.suptitle(wrap("Bias and resolution of the residual in ten equal-population bins of the true value (test "
                      f"events, physical units), best configuration of each family, {chosen_on(man)}", 120),
                 fontsize=9)
    save(fig, out, "resolution", written, "bias and resolution vs true value")
    plot_pred_vs_true(out, man, written)


def plot_pred_vs_true(out, man, written):
    phys = man.get("physics", {})
    if not phys.get("pred_vs_true"):
        return
    h = pd.read_csv(out / phys["pred_vs_true"])
    models = list(dict.fromkeys(h["model"]))
    targets = list(dict.fromkeys(h["target_name"]))
    fig, axs = plt.subplots(len(models), len(targets), figsize=(2.9 * len(targets), 2.9 * len(models) + 0.5),
                            squeeze=False)
    for i, model in enumerate(models):
        for j, name in enumerate(targets):
            ax = axs[i][j]
            t = h[(h["model"] == model) & (h["target_name"] == name)]
            if t.empty:
                ax.axis("off")
                continue
            n = 40
            grid = np.full((n, n), np.nan)
            grid[t["j"].to_numpy(), t["i"].to_numpy()] = t["count"].to_numpy()
            lo, hi = t["true_lo"].min(), t["true_hi"].max()
            lo = min(lo, t["pred_lo"].min())
            hi = max(hi, t["pred_hi"].max())
            ax.imshow(grid, origin="lower", extent=(lo, hi, lo, hi), aspect="auto", norm=LogNorm(), cmap="viridis")
            ax.plot([lo, hi], [lo, hi], "w--", lw=0.8)
            ax.set_title(f"{model}: {name}", fontsize=8)
            ax.tick_params(labelsize=6)
            ax.grid(False)
            if j == 0:
                ax.set_ylabel("predicted", fontsize=8)
            if i == len(models) - 1:
                ax.set_xlabel("true", fontsize=8)
    fig.suptitle(wrap(f"Predicted vs true value per target (test events; counts, log colour), {chosen_on(man)}", 110),
                 fontsize=9)
    save(fig, out, "pred_vs_true", written, "predicted vs true per target")


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    out = Path(sys.argv[1])
    man_path = out / "analysis.json"
    man = json.loads(man_path.read_text())
    written, failed = [], []
    rf = None
    try:
        rf = kanscan.ResultsFile(man["results"])
    except Exception as e:  # noqa: BLE001 - reported, and the CSV-only plots still run
        failed.append(f"results file: {e}")
    jobs = [("pareto", lambda: plot_pareto(out, man, written)),
            ("axes", lambda: plot_metric_vs_axes(out, man, written)),
            ("kan", lambda: plot_kan(out, man, written)),
            ("outputs", lambda: plot_outputs(out, man, written)),
            ("resolution", lambda: plot_resolution(out, man, written))]
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
    # The manifest lists the figures drawn, for readers that build a report from it.
    man["figures"] = written
    tmp = man_path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(man, indent=2) + "\n")
    os.replace(tmp, man_path)
    print(f"plots.py: wrote {len(written)} figures ({', '.join(w['name'] for w in written)})")
    if failed:
        print(f"plots.py: failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
