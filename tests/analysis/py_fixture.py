"""Writes a small results file and data file with h5py, in the layouts of docs/scan-format.md
("Results file") and docs/data.md ("Data files"), the way a Python tool would (fixed-length byte
strings in /trials). Used by test_python_reader.py and handy for trying the plots by hand:
python3 py_fixture.py OUTDIR"""
import json
import sys
from pathlib import Path

import h5py
import numpy as np

FEATURES = ["lep_pt", "lep_eta", "m_jj", "delta_r"]


def write_data(path, n=20000, seed=3):
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.5).astype(np.int32)
    x = np.empty((n, 4), dtype=np.float32)
    x[:, 0] = rng.exponential(40.0 + 25.0 * y) + 20.0          # harder for signal
    x[:, 1] = rng.normal(0.0, 1.6 - 0.5 * y)                     # more central for signal
    x[:, 2] = rng.normal(90.0 + 30.0 * y, 25.0)                  # shifted mass
    x[:, 3] = rng.uniform(0.4, 4.0, n)                           # no information
    with h5py.File(path, "w") as f:
        f["features"] = x
        f["labels"] = y
        f["feature_names"] = np.array(FEATURES, dtype="S")
    return x, y


def fit_kan_layer(x, y, grid_size=5, order=3):
    """A single-layer KAN [F,1] whose splines are least-squares fits of each feature's
    histogram LLR (in standardised units), so that the fixture's splines look like trained ones."""
    mean, std = x.mean(axis=0), x.std(axis=0)
    z = (x - mean) / std
    h = 2.0 / grid_size
    knots = np.arange(-order, grid_size + order + 1) * h - 1.0
    nb = grid_size + order
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "python"))
    import kanscan
    F = x.shape[1]
    grid = np.tile(knots, (F, 1))
    spline = np.zeros((1, F, nb))
    for i in range(F):
        edges = np.linspace(-1, 1, 21)
        s, _ = np.histogram(z[y == 1, i], edges)
        b, _ = np.histogram(z[y == 0, i], edges)
        ok = (s > 20) & (b > 20)
        c = 0.5 * (edges[1:] + edges[:-1])
        llr = np.log((s[ok] / s.sum()) / (b[ok] / b.sum()))
        B = kanscan.bspline_basis(knots, order, c[ok])
        spline[0, i] = np.linalg.lstsq(B, llr, rcond=None)[0]
    return {"grid": grid, "base_weight": np.full((1, F), 0.05), "spline_weight": spline,
            "spline_scaler": np.ones((1, F)), "input_mean": mean, "input_std": std}


def write_results(path, data_path, kan_layer):
    rng = np.random.default_rng(5)
    rows = []
    groups = []
    def add(tid, model, status, seed, n_params, depth, width, grid, auc, with_model=False):
        rows.append((tid, model, status, seed, n_params, depth, width, grid, b"adam", 1e-3, 10, 1.5,
                     auc, auc - 0.08, 0.45))
        groups.append((tid, status, auc, with_model, grid, width, depth))
    k = 0
    for depth, width, grid, npar, base in [(0, 4, 5, 32, 0.86), (0, 4, 10, 52, 0.865), (1, 3, 5, 120, 0.875),
                                             (1, 8, 5, 320, 0.885), (1, 8, 10, 520, 0.888), (2, 8, 5, 960, 0.884)]:
        for seed in (1, 2, 3):
            auc = base + rng.normal(0, 0.003)
            add(f"kan{k:03d}", b"kan", b"ok", seed, npar, depth, width, grid, auc, with_model=(depth == 0 and seed == 1))
            k += 1
    for depth, width, npar, base in [(1, 4, 25, 0.87), (1, 16, 97, 0.882), (2, 16, 369, 0.886), (2, 64, 4417, 0.889)]:
        for seed in (1, 2, 3):
            add(f"mlp{k:03d}", b"mlp", b"ok", seed, npar, depth, width, 0, base + rng.normal(0, 0.002))
            k += 1
    add(f"mlp{k:03d}", b"mlp", b"failed", 4, 4417, 2, 64, 0, float("nan"))
    dt = np.dtype([("trial_id", "S16"), ("model", "S8"), ("status", "S8"), ("seed", "<i8"), ("n_params", "<i8"),
                   ("depth", "<i8"), ("width", "<i8"), ("grid_size", "<i8"), ("optimizer", "S8"), ("lr", "<f8"),
                   ("epochs_run", "<i8"), ("train_seconds", "<f8"), ("test_auc", "<f8"), ("test_accuracy", "<f8"),
                   ("test_loss", "<f8")])
    table = np.array(rows, dtype=dt)
    with h5py.File(path, "w") as f:
        f.attrs["kanscan_version"] = "0.1.0"
        f.attrs["schema_version"] = 1
        f.attrs["scan_name"] = "py_fixture"
        f.attrs["created_utc"] = "2026-01-01T00:00:00Z"
        f.attrs["data_file"] = str(Path(data_path).name)
        f.create_group("scan")["config_yaml"] = "name: py_fixture\ntask: classification\n"
        f.create_dataset("trials", data=table, maxshape=(None,), chunks=True)
        tg = f.create_group("trial")
        for tid, status, auc, with_model, grid, width, depth in groups:
            g = tg.create_group(tid.decode() if isinstance(tid, bytes) else tid)
            g.attrs["config"] = json.dumps({"model": {"grid_size": grid, "width": width, "depth": depth}})
            if status == b"failed":
                g.attrs["error"] = "NaN loss at epoch 3"
                continue
            ep = np.arange(1, 11)
            h = g.create_group("history")
            h["epoch"] = ep
            h["train_loss"] = 0.45 + 0.3 * np.exp(-ep / 2.0)
            h["val_loss"] = 0.46 + 0.3 * np.exp(-ep / 2.0)
            h["val_metric"] = auc - 0.1 * np.exp(-ep / (1.5 + grid / 5.0))
            h.attrs["val_metric_name"] = "val_auc"
            s = np.random.default_rng(len(tid)).normal(0, 1, 400)
            yy = np.arange(400) % 2
            s = s + yy * 1.8 * (auc - 0.5) * 4
            order = np.argsort(-s)
            tp = np.cumsum(yy[order]) / yy.sum()
            fp = np.cumsum(1 - yy[order]) / (1 - yy).sum()
            r = g.create_group("roc")
            r["fpr"] = np.concatenate([[0.0], fp])
            r["tpr"] = np.concatenate([[0.0], tp])
            g["test_predictions"] = (1 / (1 + np.exp(-s))).astype(np.float32)
            g["test_index"] = np.arange(400, dtype=np.int64)
            if with_model:
                m = g.create_group("model")
                m.attrs["task"] = "classification"
                m.attrs["output"] = "sigmoid"
                m["input_mean"] = kan_layer["input_mean"].astype(np.float64)
                m["input_std"] = kan_layer["input_std"].astype(np.float64)
                l0 = m.create_group("layer_0")
                l0.attrs["kind"] = "kan"
                l0.attrs["grid_size"] = np.int64(5)
                l0.attrs["spline_order"] = np.int64(3)
                for name in ("grid", "base_weight", "spline_weight", "spline_scaler"):
                    l0[name] = kan_layer[name]
    return table


def main(out):
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    x, y = write_data(out / "events.h5")
    write_results(out / "scan.h5", out / "events.h5", fit_kan_layer(x, y))


if __name__ == "__main__":
    main(sys.argv[1])
