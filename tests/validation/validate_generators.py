#!/usr/bin/python3
"""Validates the built-in generators against docs/generators.md with a gradient-boosted tree.

Runs `kanscan generate` for each task, trains scikit-learn's HistGradientBoosting model
(Debian python3-sklearn) and checks the expected bands of issue 5:
  T1 tth_thq        AUC 0.88-0.93   (also prints accuracy and an additive-model AUC)
  T2 qcd_singletop  AUC 0.87-0.93
  T3 dm_met         standardised MAE (mean of 6 targets) 0.45-0.58

usage: /usr/bin/python3 tests/validation/validate_generators.py build/scans/kanscan
           [--events 200000] [--seed 1] [--threads 0] [--tasks tth_thq,qcd_singletop,dm_met]
           [--workdir DIR] [--set task:knob=value ...]
Exit code 0 when every task is inside its band, 1 otherwise.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

import h5py
import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.metrics import accuracy_score, roc_auc_score

BANDS = {
    "tth_thq": ("auc", 0.88, 0.93),
    "qcd_singletop": ("auc", 0.87, 0.93),
    "dm_met": ("mae", 0.45, 0.58),
}


def split(n, seed):
    rng = np.random.default_rng(seed)
    perm = rng.permutation(n)
    n_train = int(0.6 * n)
    n_val = int(0.2 * n)
    return perm[:n_train], perm[n_train:n_train + n_val], perm[n_train + n_val:]


def gbdt_classifier(seed, additive=False):
    kw = dict(max_iter=500, learning_rate=0.1, max_leaf_nodes=31, early_stopping=True,
              validation_fraction=0.15, n_iter_no_change=20, random_state=seed)
    if additive:
        kw["interaction_cst"] = "no_interactions"
    return HistGradientBoostingClassifier(**kw)


def classify(path, seed):
    with h5py.File(path, "r") as f:
        x = f["features"][...].astype(np.float64)
        y = f["labels"][...]
        names = [s.decode() if isinstance(s, bytes) else s for s in f["feature_names"][...]]
    tr, _, te = split(len(y), seed)
    out = {"n": len(y), "class_balance": float(np.mean(y))}
    model = gbdt_classifier(seed).fit(x[tr], y[tr])
    p = model.predict_proba(x[te])[:, 1]
    out["auc"] = roc_auc_score(y[te], p)
    out["accuracy"] = accuracy_score(y[te], p > 0.5)
    additive = gbdt_classifier(seed, additive=True).fit(x[tr], y[tr])
    out["auc_additive"] = roc_auc_score(y[te], additive.predict_proba(x[te])[:, 1])
    single = {}
    for i, name in enumerate(names):
        a = roc_auc_score(y[te], x[te, i])
        single[name] = max(a, 1 - a)
    out["single_feature_auc"] = dict(sorted(single.items(), key=lambda kv: -kv[1])[:6])
    return out


def regress(path, seed):
    with h5py.File(path, "r") as f:
        x = f["features"][...].astype(np.float64)
        t = f["targets"][...].astype(np.float64)
        names = [s.decode() if isinstance(s, bytes) else s for s in f["target_names"][...]]
    tr, _, te = split(len(t), seed)
    mean, std = t[tr].mean(axis=0), t[tr].std(axis=0)  # scaler fitted on the training set only
    z = (t - mean) / std
    per = {}
    per_gev = {}
    for j, name in enumerate(names):
        model = HistGradientBoostingRegressor(loss="absolute_error", max_iter=500, learning_rate=0.1,
                                              max_leaf_nodes=31, early_stopping=True, validation_fraction=0.15,
                                              n_iter_no_change=20, random_state=seed)
        model.fit(x[tr], z[tr, j])
        mae = float(np.mean(np.abs(model.predict(x[te]) - z[te, j])))
        per[name] = mae
        per_gev[name] = mae * std[j]
    return {"n": len(t), "mae": float(np.mean(list(per.values()))), "mae_per_target": per,
            "mae_gev": per_gev, "target_sigma": dict(zip(names, std.tolist()))}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("kanscan")
    ap.add_argument("--events", type=int, default=200000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--tasks", default="tth_thq,qcd_singletop,dm_met")
    ap.add_argument("--workdir", default=None)
    ap.add_argument("--set", action="append", default=[], help="task:knob=value")
    args = ap.parse_args()

    workdir = args.workdir or tempfile.mkdtemp(prefix="kanscan_validate_")
    ok = True
    for task in args.tasks.split(","):
        sets = []
        for s in args.set:
            t, kv = s.split(":", 1)
            if t == task:
                sets += ["--set", kv]
        tag = "_".join(kv.replace("=", "") for kv in sets[1::2])
        path = os.path.join(workdir, f"{task}_{args.events}_{args.seed}{'_' + tag if tag else ''}.h5")
        cmd = [args.kanscan, "generate", task, "--events", str(args.events), "--seed", str(args.seed),
               "--out", path, "--threads", str(args.threads)] + sets
        t0 = time.time()
        gen = subprocess.run(cmd, capture_output=True, text=True)
        if gen.returncode != 0:
            print(f"{task}: kanscan generate failed ({gen.returncode}):\n{gen.stderr}", file=sys.stderr)
            ok = False
            continue
        print(f"== {task}: {' '.join(cmd[1:])} ({time.time() - t0:.1f} s)")
        print("   " + gen.stdout.strip().replace("\n", "\n   "))
        t0 = time.time()
        res = classify(path, args.seed) if BANDS[task][0] == "auc" else regress(path, args.seed)
        metric, lo, hi = BANDS[task]
        value = res[metric]
        inside = lo <= value <= hi
        ok &= inside
        print(f"   GBDT ({time.time() - t0:.1f} s) on {res['n']} events:")
        for k, v in res.items():
            if k == "n":
                continue
            if isinstance(v, dict):
                print(f"     {k}: " + ", ".join(f"{kk} {vv:.3f}" for kk, vv in v.items()))
            else:
                print(f"     {k}: {v:.4f}")
        print(f"   {metric} = {value:.4f}, expected [{lo}, {hi}]: {'PASS' if inside else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
