#!/usr/bin/env python3
"""Every KAN basis end to end from the CLI: `kanscan validate` accepts a scan with every basis and
refuses a basis option given to the wrong basis (exit 2, the key path named); `kanscan run`
trains them; the numpy reader (python/kanscan) reproduces every trial's test predictions and a
single-layer model's output as the sum of its edge functions plus its bias; the PyTorch modules of
examples/python/load_checkpoint.py reproduce them too; `kanscan predict` applies a stored model;
`kanscan analyze` gives a Pareto front per basis and a matched-budget column per basis.

    bases_end_to_end.py KANSCAN_BINARY SOURCE_DIR
"""
import pathlib
import subprocess
import sys
import tempfile

import h5py
import numpy as np

binary, source = sys.argv[1], pathlib.Path(sys.argv[2])
sys.path.insert(0, str(source / "python"))
import kanscan  # noqa: E402

SCAN = """name: bases_e2e
task: classification
data: {generator: tth_thq, events: 3000, seed: 3}
train: {loss: bce, epochs: 2, batch_size: 256}
seeds: [1]
models:
  - {type: kan, name: bspline, depth: [0, 1], width: 4, grid_size: 3}
  - {type: kan, name: rbf, basis: rbf, depth: [0, 1], width: 4, rbf_centers: 5, grid_range: [-2, 2]}
  - {type: kan, name: rbf_ln, basis: rbf, depth: 1, width: 4, rbf_layernorm: true}
  - {type: kan, name: cheby, basis: chebyshev, depth: [0, 1], width: 4, cheby_degree: 3, base_branch: [none, silu]}
  - {type: kan, name: fourier, basis: fourier, depth: [0, 1], width: 4, fourier_frequencies: 2}
  - {type: kan, name: rational, basis: rational, depth: [0, 1], width: 4, rational_groups: 2}
  - {type: kan, name: mixed, basis: [chebyshev, fourier], depth: 1, width: 3, cheby_degree: 2}
  - {type: mlp, name: mlp, depth: 1, width: [4, 16]}
"""
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def run(*args, **kw):
    return subprocess.run([binary, *map(str, args)], capture_output=True, text=True, **kw)


with tempfile.TemporaryDirectory() as tmp:
    tmp = pathlib.Path(tmp)
    (tmp / "scan.yaml").write_text(SCAN)
    r = run("validate", tmp / "scan.yaml")
    check(r.returncode == 0, f"validate of the good scan: {r.returncode} {r.stdout}{r.stderr}")
    bad = SCAN.replace("rbf_centers: 5", "rbf_centers: 5, cheby_degree: 4")
    (tmp / "bad.yaml").write_text(bad)
    r = run("validate", tmp / "bad.yaml")
    check(r.returncode == 2, f"validate of a chebyshev option in an rbf block exits 2, got {r.returncode}")
    check("models[1].cheby_degree" in r.stderr and "applies to basis chebyshev only" in r.stderr,
          f"the message names the key: {r.stderr}")
    (tmp / "grid.yaml").write_text(SCAN.replace("rational_groups: 2", "rational_groups: 2, grid_update_every: 1"))
    r = run("validate", tmp / "grid.yaml")
    check(r.returncode == 2 and "models[5].grid_update_every" in r.stderr, f"grid update of a rational: {r.stderr}")

    results = tmp / "r.h5"
    r = run("run", tmp / "scan.yaml", "--out", results, "--cache-dir", tmp / "cache", "--threads", "2")
    check(r.returncode == 0, f"run: {r.stdout}{r.stderr}")
    data = next((tmp / "cache").glob("*.h5"))
    with h5py.File(data, "r") as d:
        features = d["features"][()]
    trials = kanscan.load_trials(results)
    check(len(trials) == 17 and (trials["status"] == "ok").all(), f"17 ok trials, got {len(trials)}")
    check(set(trials[trials["model"] != "mlp"]["basis"]) == {"bspline", "rbf", "chebyshev", "fourier", "rational"},
          f"basis column {set(trials['basis'])}")
    check(trials[trials["model"] == "mlp"]["basis"].isna().all(), "no basis (missing) for the MLP rows")

    with h5py.File(results, "r") as f:
        for tid in trials["trial_id"]:
            g = f["trial"][tid]
            pred, idx = g["test_predictions"][()], g["test_index"][()]
            m = kanscan.read_model(results, tid)
            err = np.max(np.abs(kanscan.predict(m, features[idx]).reshape(pred.shape) - pred))
            check(err < 1e-5, f"{tid}: numpy predict differs from kanscan by {err}")
            layers = m["layers"]
            if len(layers) == 1 and layers[0]["kind"] == "kan" and not int(layers[0].get("use_layernorm", 0)):
                layer = layers[0]
                z = (features[idx] - m["input_mean"]) / m["input_std"]
                bias = {"fourier": "bias", "rational": "fc.bias", "rbf": "base_linear.bias"}.get(kanscan.kan_basis(layer))
                logit = sum(kanscan.kan_edge(layer, 0, i, z[:, i]) for i in range(z.shape[1]))
                if bias and bias in layer:
                    logit = logit + np.asarray(layer[bias]).reshape(-1)[0]
                err = np.max(np.abs(1 / (1 + np.exp(-logit)) - pred.reshape(-1)))
                check(err < 1e-5, f"{tid} ({kanscan.kan_basis(layer)}): edges + bias differ from kanscan by {err}")
    # PyTorch: every stored model through the modules written from the documented formulas.
    have_torch = subprocess.run(["/usr/bin/python3", "-c", "import torch"], capture_output=True).returncode == 0
    if have_torch:
        with h5py.File(tmp / "pt.h5", "w") as out, h5py.File(results, "r") as f:
            out["features"] = features
            for tid in trials["trial_id"]:
                g = f["trial"][tid]
                f.copy(g["model"], out, name=f"model_{tid}")
                out[f"features_{tid}"] = features[g["test_index"][()]]
                out[f"pred_{tid}"] = g["test_predictions"][()]
        args = []
        for tid in trials["trial_id"]:
            args += ["--group", f"model_{tid}", "--features", f"features_{tid}", "--expected", f"pred_{tid}"]
        r = subprocess.run(["/usr/bin/python3", str(source / "examples/python/load_checkpoint.py"), str(tmp / "pt.h5"),
                            *args, "--tol", "1e-5"], capture_output=True, text=True)
        check(r.returncode == 0, f"PyTorch reproduces every model: {r.stdout}{r.stderr}")
        check(r.stdout.count("max relative difference") == len(trials), r.stdout)
        # The package's path without h5py groups: kanscan.load_model(...).to_torch().
        from kanscan import torch_model
        with h5py.File(results, "r") as f:
            for tid in trials["trial_id"]:
                g = f["trial"][tid]
                net, info = kanscan.load_model(results, tid).to_torch()
                got = torch_model.predict(net, info, features[g["test_index"][()]])
                ref = g["test_predictions"][()].reshape(got.shape)
                err = np.max(np.abs(got - ref) / (1.0 + np.abs(ref)))
                check(err < 1e-5, f"{tid}: Model.to_torch differs from kanscan by {err}")
    else:
        print("PyTorch not importable: its part skipped")

    # kanscan predict on a model of every basis.
    for basis in ("rbf", "chebyshev", "fourier", "rational"):
        tid = trials[(trials["basis"] == basis) & (trials["depth"] == 1)]["trial_id"].iloc[0]
        out = tmp / f"pred_{basis}.h5"
        r = run("predict", results, "--trial", tid, "--data", data, "--out", out)
        check(r.returncode == 0, f"predict {basis}: {r.stderr}")
        if r.returncode == 0:
            with h5py.File(out, "r") as p, h5py.File(results, "r") as f:
                g = f["trial"][tid]
                got = p["predictions"][()].reshape(-1)[g["test_index"][()]]
                check(np.array_equal(got, g["test_predictions"][()].reshape(-1)), f"predict {basis} is bitwise the run's")

    r = run("analyze", results, "--out", tmp / "an", "--data", data)
    check(r.returncode == 0, f"analyze: {r.stderr}")
    summary = (tmp / "an" / "summary.txt").read_text() if r.returncode == 0 else ""
    for fam in ("bspline", "rbf", "cheby", "fourier", "rational", "mlp", "mixed (chebyshev)", "mixed (fourier)"):
        check(f"Pareto front ({fam})" in summary, f"a Pareto front for {fam}")
    budget = summary.split("at matched parameter budgets")[1].splitlines()[1] if "at matched parameter budgets" in summary else ""
    check(all(f in budget for f in ("rbf", "cheby", "fourier", "rational", "mixed (chebyshev)")),
          f"a matched-budget column per basis: {budget}")

print(f"{len(failures)} failure(s)")
sys.exit(1 if failures else 0)
