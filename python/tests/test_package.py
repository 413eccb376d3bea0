"""The kanscan Python package on a results file written the way kanscan writes it (an h5py
fixture, tests/analysis/py_fixture.py, and a real `kanscan run` when the binary is known):
missing values for settings that do not apply, the Pareto front of `kanscan analyze`, load_model
with numpy predict and the PyTorch module, best_trial, and the plotting functions on DataFrames."""
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "python"))
sys.path.insert(0, str(ROOT / "tests" / "analysis"))
import kanscan  # noqa: E402
import py_fixture  # noqa: E402

BIN = os.environ.get("KANSCAN_BIN")


@pytest.fixture(scope="module")
def fixture_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("fx")
    py_fixture.main(d)
    return d


@pytest.fixture(scope="module")
def real_scan(tmp_path_factory):
    if not BIN:
        pytest.skip("KANSCAN_BIN not set (ctest sets it)")
    d = tmp_path_factory.mktemp("real")
    (d / "s.yaml").write_text("""name: pkg
task: classification
data: {generator: tth_thq, events: 3000, seed: 1}
train: {epochs: 2, batch_size: 256}
models:
  - {type: kan, depth: [0, 1], width: 3, grid_size: 3}
  - {type: mlp, depth: [0, 1], width: 4, optimizer: [adam, sgd]}
""")
    r = subprocess.run([BIN, "run", str(d / "s.yaml"), "--out", str(d / "s.h5")], capture_output=True, text=True,
                       env=dict(os.environ, OMP_NUM_THREADS="1"))
    assert r.returncode == 0, r.stderr
    r = subprocess.run([BIN, "analyze", str(d / "s.h5"), "--out", str(d / "a"), "--no-plots"], capture_output=True,
                       text=True)
    assert r.returncode == 0, r.stderr
    return d


def test_not_applicable_is_missing(real_scan):
    df = kanscan.load_trials(real_scan / "s.h5")
    assert str(df["width"].dtype) == "Int64"
    assert df.loc[df["depth"] == 0, "width"].isna().all()
    assert df.loc[df["model"] == "mlp", "grid_size"].isna().all()
    assert df.loc[df["optimizer"] == "adam", "momentum"].isna().all()          # float column: NaN
    assert df.loc[df["model"] == "kan", "activation"].isna().all()             # string column: None
    assert -1 not in df.groupby("width")["test_auc"].mean().index              # no "width = -1" group
    assert set(df["grid_size"].dropna()) == {3}


def test_pareto_is_analyzes_front(real_scan):
    df = kanscan.load_trials(real_scan / "s.h5")
    front = kanscan.pareto(df)
    stored = pd.read_csv(real_scan / "a" / "pareto.csv").query("scope == 'all'")
    assert np.allclose(sorted(front["mean"]), sorted(stored["test_auc_mean"]))
    assert np.allclose(sorted(front["n_params"]), sorted(stored["n_params"]))


def test_pareto_keeps_ties_and_drops_dominated():
    df = pd.DataFrame({"trial_id": list("abcde"), "model": ["m"] * 5, "status": ["ok"] * 5,
                       "n_params": [10, 10, 20, 20, 30], "test_auc": [0.8, 0.8, 0.8, 0.9, 0.85],
                       "x": [1, 2, 3, 4, 5], "epochs_run": [1] * 5})
    df.insert(df.columns.get_loc("n_params") + 1, "cfg", [1, 2, 3, 4, 5])
    front = kanscan.pareto(df)
    assert list(front["cfg"]) == [1, 2, 4]  # the two identical cheapest kept, 0.8 at 20 and 0.85 at 30 dominated


def test_pareto_and_best_are_chosen_on_validation():
    # Test and validation disagree: the front follows val_auc and reports test_auc.
    df = pd.DataFrame({"trial_id": list("abc"), "model": ["m"] * 3, "status": ["ok"] * 3,
                       "n_params": [10, 20, 30], "test_auc": [0.80, 0.90, 0.85], "val_auc": [0.80, 0.79, 0.95],
                       "test_auc_err": [0.01] * 3, "epochs_run": [1] * 3})
    df.insert(df.columns.get_loc("n_params") + 1, "cfg", [1, 2, 3])
    front = kanscan.pareto(df)
    assert list(front["cfg"]) == [1, 3] and front.attrs["select"] == "val_auc"
    assert list(front["mean"]) == [0.80, 0.85]  # test values of the configurations chosen on validation
    assert kanscan.best_trial(df) == ("c", "val_auc")
    assert list(kanscan.pareto(df, "test_auc")["cfg"]) == [1, 3]  # asking for the test column changes nothing
    conf = kanscan.configurations(df)
    assert np.allclose(conf["unc"], 0.01)  # one seed: the test-sample error alone


def test_configurations_and_slices_are_analyzes(real_scan):
    df = kanscan.load_trials(real_scan / "s.h5")
    conf = kanscan.configurations(df)
    stored = pd.read_csv(real_scan / "a" / "configs.csv")
    assert np.allclose(sorted(conf["unc"]), sorted(stored["test_auc_unc"]), rtol=1e-6)
    assert np.allclose(sorted(conf["select_mean"]), sorted(stored["val_auc_mean"]), rtol=1e-9)
    mine = kanscan.axis_slices(df, "depth")
    theirs = pd.read_csv(real_scan / "a" / "axis_slices.csv", keep_default_na=False, na_values=[""])
    theirs = theirs[theirs["axis"] == "depth"]
    for model in ("kan", "mlp"):
        a, b = mine[mine["model"] == model], theirs[theirs["model"] == model]
        best_a, best_b = a[a["through_best"] == 1], b[b["through_best"] == 1]
        assert len(best_a) == len(best_b) >= 1
        assert np.allclose(best_a["mean"], best_b["test_auc_mean"], rtol=1e-9)
        assert len(a) == len(b) and a["slice"].nunique() == b["slice"].nunique()  # (analyze numbers them across families)
        assert np.allclose(sorted(a["mean"]), sorted(b["test_auc_mean"]), rtol=1e-9)


def test_family_best_is_chosen_on_validation_across_losses():
    # Two losses per family: the best of each family is its best configuration on validation,
    # whichever loss it used (plots.py once took the last physics trial per family).
    import kanscan.plotting as kp
    cfg = pd.DataFrame({"model": ["kan", "kan", "mlp", "mlp"], "loss": ["bce", "mse", "bce", "mse"],
                        "val_auc_mean": [0.891, 0.889, 0.890, 0.8905], "test_auc_mean": [0.880, 0.899, 0.9, 0.8],
                        "best_trial": ["kb", "km", "mb", "mm"]})
    assert kp.family_best(cfg, "val_auc", True) == {"kan": "kb", "mlp": "mm"}
    cfg["val_mae_mean"] = [0.5, 0.4, 0.45, 0.46]
    assert kp.family_best(cfg, "val_mae", False) == {"kan": "km", "mlp": "mb"}
    assert kp.family_best(cfg, "val_loss", True) == {}


def test_load_model_numpy_and_torch(fixture_dir):
    m = kanscan.load_model(fixture_dir / "scan.h5", "kan000")
    assert isinstance(m, dict) and m["layers"][0]["kind"] == "kan"
    x = np.random.default_rng(0).normal(50, 20, size=(64, 4))
    pred = m.predict(x)
    assert pred.shape == (64, 1) and np.all((pred > 0) & (pred < 1))
    torch = pytest.importorskip("torch")
    module, info = m.to_torch()
    from kanscan import torch_model
    assert np.allclose(torch_model.predict(module, info, x), pred, atol=1e-9)
    assert isinstance(module, torch.nn.Module)


def test_best_trial_and_history(real_scan):
    df = kanscan.load_trials(real_scan / "s.h5")
    tid, column = kanscan.best_trial(df)
    ok = df[df.status == "ok"]
    expect = ok.loc[ok[column].idxmax() if "auc" in column else ok[column].idxmin(), "trial_id"]
    assert tid == expect
    h = kanscan.load_history(real_scan / "s.h5", "best")
    assert len(h) >= 1 and list(h.columns[:2]) == ["epoch", "train_loss"]
    assert kanscan.load_model(real_scan / "s.h5", "best")["layers"]


def test_plotting_functions_on_dataframes(real_scan):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import kanscan.plotting as kp
    df = kanscan.load_trials(real_scan / "s.h5")
    ax = kp.plot_pareto(df)
    assert ax.get_xscale() == "log" and len(ax.get_lines()) >= 2
    ax = kp.plot_metric_vs_axis(df, "depth")
    assert ax.get_xlabel() == "depth" and ax.get_lines()
    ax = kp.plot_metric_vs_axis(df, "depth", model="mlp")  # the slice through the best and one per optimizer
    assert any("others at the best" in t.get_text() for t in ax.get_legend().get_texts())
    ax = kp.plot_history(kanscan.load_history(real_scan / "s.h5", "best"))
    assert len(ax.get_lines()) == 2
