"""Python reader module and plotting script, end to end on an h5py-written fixture.
Run by ctest:  python3 test_python_reader.py KANSCAN_BINARY SOURCE_DIR"""
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

kanscan_bin, source = sys.argv[1], Path(sys.argv[2])
sys.path.insert(0, str(source / "python"))
sys.path.insert(0, str(source / "tests" / "analysis"))
import kanscan  # noqa: E402
import py_fixture  # noqa: E402

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


with tempfile.TemporaryDirectory() as tmp:
    tmp = Path(tmp)
    py_fixture.main(tmp)
    scan = tmp / "scan.h5"

    df = kanscan.load_trials(scan)
    check(len(df) == 31, f"31 trials, got {len(df)}")
    check(df["trial_id"].iloc[0] == "kan000", f"decoded ids, got {df['trial_id'].iloc[0]!r}")
    check(set(df["model"]) == {"kan", "mlp"}, f"models {set(df['model'])}")
    check((df["status"] == "failed").sum() == 1, "one failed trial")
    check(df.groupby("model")["test_auc"].max()["kan"] > 0.88, "numeric columns usable")

    h = kanscan.read_history(scan, "kan000")
    check(list(h.columns) == ["epoch", "train_loss", "val_loss", "val_metric"], f"history columns {list(h.columns)}")
    check(len(h) == 10 and h.attrs.get("val_metric_name") == "val_auc", "history length and metric name")

    t = kanscan.read_trial(scan, "kan000")
    check(t["config"]["model"]["grid_size"] == 5, "config JSON parsed")
    check(len(t["roc"][0]) == 401, "roc read")
    check(t["test_index"].shape == (400,), "test_index read")
    failed = kanscan.read_trial(scan, df[df["status"] == "failed"]["trial_id"].iloc[0])
    check("NaN" in failed.get("error", ""), "error of a failed trial")

    m = kanscan.read_model(scan, "kan000")
    layer = m["layers"][0]
    check(layer["kind"] == "kan" and layer["spline_weight"].shape == (1, 4, 8), "model tensors")
    # numpy B-splines are a partition of unity inside the grid
    b = kanscan.bspline_basis(layer["grid"][0], 3, np.linspace(-0.99, 0.99, 50))
    check(np.allclose(b.sum(axis=1), 1.0), "partition of unity")
    # The numpy forward pass agrees with the per-edge functions: single layer -> sigmoid(sum phi)
    x = np.array([[60.0, 0.1, 100.0, 2.0], [120.0, -1.0, 80.0, 1.0]])
    z = (x - m["input_mean"]) / m["input_std"]
    logit = sum(kanscan.kan_edge(layer, 0, i, z[:, i]) for i in range(4))
    check(np.allclose(kanscan.predict(m, x)[:, 0], 1 / (1 + np.exp(-logit))), "predict vs kan_edge")

    try:
        kanscan.read_model(scan, "no_such_trial")
        check(False, "unknown trial raises")
    except KeyError as e:
        check("no trial" in str(e), "clear KeyError")
    try:
        kanscan.ResultsFile(tmp / "events.h5")
        check(False, "data file is not a results file")
    except ValueError as e:
        check("not a kanscan results file" in str(e), "clear ValueError")

    # kanscan analyze with plots on the h5py-written file (fixed-length strings in /trials).
    out = tmp / "out"
    env = dict(os.environ, KANSCAN_PLOTS_SCRIPT=str(source / "analysis" / "plots.py"))
    r = subprocess.run([kanscan_bin, "analyze", str(scan), "--out", str(out)], capture_output=True, text=True, env=env)
    print(r.stdout[-1500:], r.stderr[-1500:])
    check(r.returncode == 0, f"analyze exit {r.returncode}")
    for name in ("pareto", "roc_front", "val_curves_grid_size", "metric_vs_axes", "kan_splines_kan000",
                 "kan_importance_kan000"):
        for ext in ("png", "pdf"):
            p = out / f"{name}.{ext}"
            check(p.exists() and p.stat().st_size > 1000, f"{p.name} written")
    # The C++ spline evaluation agrees with the numpy one.
    import pandas as pd
    fn = pd.read_csv(out / "kan_kan000_functions.csv")
    f0 = fn[fn["feature"] == 2]
    check(np.allclose(f0["phi_0"], kanscan.kan_edge(layer, 0, 2, f0["x_std"].to_numpy()), atol=1e-6),
          "C++ and numpy splines agree")
    imp = pd.read_csv(out / "kan_kan000_importance.csv")
    check(imp.sort_values("importance")["name"].iloc[-1] == "m_jj", "m_jj is the most important feature")
    # A missing python3 is a warning, not an error.
    r = subprocess.run([kanscan_bin, "analyze", str(scan), "--out", str(tmp / "o2")], capture_output=True,
                       text=True, env=dict(env, KANSCAN_PYTHON="/nonexistent/python3"))
    check(r.returncode == 0 and "plots skipped" in r.stderr, f"missing python is a warning: {r.stderr}")

print("FAILED" if failures else "OK", len(failures))
sys.exit(1 if failures else 0)
