"""Issue 16, "your own data": each item reproduced as a test of the CLI on files a user has.

A user's CSV as pandas writes it (an index column, string labels, a weight column, NaN as empty
cells, tab-separated exports, overflowing numbers), `validate` opening the data, `analyze`
finding the data file, --set overrides, --trial best, messages cut to a reasonable length, and
the notebook API's missing values."""
import os
import re
import shutil

import h5py
import numpy as np
import pandas as pd
import pytest

import kanscan as ks
from conftest import kanscan

CLASSIFY = """name: own
task: classification
data:
  path: {path}
  label: {label}
{extra}  split: {{train: 0.6, val: 0.2, test: 0.2}}
train: {{epochs: 2, batch_size: 64}}
models:
  - type: kan
    depth: 0
    grid_size: 3
  - type: mlp
    depth: [0, 1]
    width: 4
"""


def frame(n=300, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    return pd.DataFrame({"pt": rng.normal(50 + 10 * y, 5), "eta": rng.normal(0, 1, n),
                         "w": rng.uniform(0.5, 1.5, n), "cls": np.where(y == 1, "sig", "bkg")})


def scan(tmp_path, csv, label="cls", extra="  classes: [bkg, sig]\n  weights: w\n"):
    p = tmp_path / "scan.yaml"
    p.write_text(CLASSIFY.format(path=csv, label=label, extra=extra))
    return p


# ---------- the CSV reader ----------

def test_pandas_csv_with_index_string_labels_and_weights_validates(tmp_path):
    frame().to_csv(tmp_path / "ev.csv")  # index=True: an unnamed first column 0..N-1
    r = kanscan("validate", scan(tmp_path, "ev.csv"))
    assert r.code == 0, r
    assert re.search(r"features \(2\) pt, eta", r.out), r
    assert "bkg = 0" in r.out and "sig = 1" in r.out, r           # class balance by name
    assert "300 events" in r.out, r                               # the rows it will use
    assert "weights: column 'w'" in r.out, r
    assert "index" in r.out and "note:" in r.out, r               # the pandas index: said, not a feature


def test_string_labels_without_classes_hint(tmp_path):
    frame().to_csv(tmp_path / "ev.csv", index=False)
    r = kanscan("validate", scan(tmp_path, "ev.csv", extra=""))
    assert r.code == 2, r
    assert "data.classes" in r.out and "'bkg'" in r.out or "'sig'" in r.out, r


def test_quoted_fields_rfc4180(tmp_path):
    (tmp_path / "q.csv").write_text('"p_T, GeV","eta",cls\n"1.5",2,bkg\n3,"4",sig\n5,6,bkg\n7,8,sig\n9,1,bkg\n'
                                    '2,3,sig\n4,5,bkg\n6,7,sig\n8,9,bkg\n1,1,sig\n')
    r = kanscan("validate", scan(tmp_path, "q.csv", extra="  classes: [bkg, sig]\n"))
    assert r.code == 0, r
    assert "p_T, GeV, eta" in r.out, r


def test_empty_cell_names_row_and_column(tmp_path):
    df = frame()
    df.loc[7, "eta"] = np.nan  # pandas writes NaN as an empty cell
    df.to_csv(tmp_path / "ev.csv", index=False)
    r = kanscan("validate", scan(tmp_path, "ev.csv"))
    assert r.code == 2, r
    assert "ev.csv:9" in r.out and "'eta'" in r.out and "data row 7" in r.out and "empty cell" in r.out, r


def test_numeric_overflow_is_named(tmp_path):
    df = frame().astype({"pt": str})
    df.loc[3, "pt"] = "1e400"
    df.to_csv(tmp_path / "ev.csv", index=False)
    r = kanscan("validate", scan(tmp_path, "ev.csv"))
    assert r.code == 2 and "numeric overflow" in r.out and "'1e400'" in r.out, r
    df.loc[3, "pt"] = "5e38"  # a double, but beyond float32
    df.to_csv(tmp_path / "ev.csv", index=False)
    r = kanscan("validate", scan(tmp_path, "ev.csv"))
    assert r.code == 2 and "float32" in r.out, r


def test_tab_separated_needs_delimiter(tmp_path):
    frame().to_csv(tmp_path / "ev.csv", sep="\t", index=False)
    r = kanscan("validate", scan(tmp_path, "ev.csv"))
    assert r.code == 2 and "data.delimiter" in r.out, r
    r = kanscan("validate", scan(tmp_path, "ev.csv", extra='  classes: [bkg, sig]\n  weights: w\n  delimiter: "\\t"\n'))
    assert r.code == 0, r
    assert "features (2) pt, eta" in r.out, r


def test_semicolon_delimiter(tmp_path):
    frame().to_csv(tmp_path / "ev.csv", sep=";", index=False)
    r = kanscan("validate", scan(tmp_path, "ev.csv", extra="  classes: [bkg, sig]\n  weights: w\n  delimiter: ';'\n"))
    assert r.code == 0, r


def test_unnamed_0_written_back_is_the_index(tmp_path):
    frame().to_csv(tmp_path / "a.csv")
    pd.read_csv(tmp_path / "a.csv").to_csv(tmp_path / "ev.csv", index=False)  # "Unnamed: 0" = 0..N-1
    r = kanscan("validate", scan(tmp_path, "ev.csv"))
    assert r.code == 0, r
    assert "features (2) pt, eta" in r.out and "Unnamed: 0" in r.out, r


# ---------- validate opens the data ----------

def test_validate_reports_a_wrong_label_column(tmp_path):
    frame().to_csv(tmp_path / "ev.csv", index=False)
    r = kanscan("validate", scan(tmp_path, "ev.csv", label="label"))
    assert r.code == 2 and "data.label" in r.out and "'label'" in r.out, r


def test_validate_reports_wrong_feature_names(tmp_path):
    frame().to_csv(tmp_path / "ev.csv", index=False)
    r = kanscan("validate", scan(tmp_path, "ev.csv", extra="  classes: [bkg, sig]\n  features: [pt, phi]\n"))
    assert r.code == 2 and "unknown feature 'phi'" in r.out, r


def test_validate_prints_a_forgotten_weight_column_as_a_feature(tmp_path):
    frame().to_csv(tmp_path / "ev.csv", index=False)
    r = kanscan("validate", scan(tmp_path, "ev.csv", extra="  classes: [bkg, sig]\n"))
    assert r.code == 0 and "features (3) pt, eta, w" in r.out, r


def test_hdf5_validate_prints_shape(tmp_path):
    with h5py.File(tmp_path / "ev.h5", "w") as f:
        f["features"] = np.random.default_rng(1).normal(size=(100, 3)).astype("f4")
        f["labels"] = np.arange(100) % 2
        f["feature_names"] = [b"a", b"b", b"c"]
    p = tmp_path / "scan.yaml"
    p.write_text(CLASSIFY.format(path="ev.h5", label="x", extra="").replace("  label: x\n", ""))
    r = kanscan("validate", p)
    assert r.code == 0 and "features (3) a, b, c" in r.out and "0: 50 (50.0%)" in r.out, r


# ---------- messages quote input cut to a reasonable length ----------

def test_run_on_a_big_csv_does_not_echo_it(tmp_path):
    pd.DataFrame(np.random.default_rng(0).normal(size=(20000, 4)), columns=list("abcd")).to_csv(tmp_path / "big.csv",
                                                                                          index=False)
    assert (tmp_path / "big.csv").stat().st_size > 700_000
    r = kanscan("run", tmp_path / "big.csv")
    assert r.code == 2, r.out[:300]
    assert len(r.out) < 2000, r.out[:300]


def test_long_cell_is_cut(tmp_path):
    df = frame().astype({"pt": str})
    df.loc[2, "pt"] = "x" * 5000
    df.to_csv(tmp_path / "ev.csv", index=False)
    r = kanscan("validate", scan(tmp_path, "ev.csv"))
    assert r.code == 2 and "…" in r.out and len(r.out) < 600, r.out[:600]


def test_long_yaml_scalar_is_cut(tmp_path):
    p = tmp_path / "s.yaml"
    p.write_text("name: x\ntask: " + "y" * 3000 + "\n")
    r = kanscan("validate", p)
    assert r.code == 2 and "…" in r.out and len(r.out) < 600, r.out[:600]


# ---------- --set overrides ----------

def test_set_overrides_keys_through_the_key_table(tmp_path):
    frame().to_csv(tmp_path / "ev.csv", index=False)
    s = scan(tmp_path, "ev.csv")
    base = kanscan("validate", s)
    assert base.code == 0 and "total: 3 trial(s)" in base.out, base
    r = kanscan("validate", s, "--set", "models[0].grid_size=[3,5]", "--set", "train.epochs=5")
    assert r.code == 0 and "total: 4 trial(s)" in r.out and "--set train.epochs=5" in r.out, r
    r = kanscan("validate", s, "--set", "train.epoch=5")
    assert r.code == 2 and "--set train.epoch=5" in r.out and "did you mean 'epochs'" in r.out, r
    r = kanscan("validate", s, "--set", "models[7].width=3")
    assert r.code == 2 and "models" in r.out and "2 element" in r.out, r
    r = kanscan("validate", s, "--set", "train.epochs=zero")
    assert r.code == 2 and "--set train.epochs=zero" in r.out and "integer" in r.out, r
    r = kanscan("validate", s, "--set", "data.events=100")
    assert r.code == 0 and "100 events" in r.out, r


# ---------- one run, then analyze / predict / the notebook API ----------

@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    d = tmp_path_factory.mktemp("run")
    frame(400).to_csv(d / "ev.csv")
    s = scan(d, "ev.csv")
    out = d / "results" / "r.h5"
    out.parent.mkdir()
    r = kanscan("run", s, "--out", out, "--set", "train.epochs=3")
    assert r.code == 0, r
    return d, s, out


def test_run_records_overrides(finished):
    d, s, out = finished
    with h5py.File(out, "r") as f:
        assert [x.decode() for x in f["scan/overrides"][()]] == ["train.epochs=3"]
        assert f["scan"].attrs["scan_file"] == str(s)
    df = ks.load_trials(out)
    assert (df["epochs"] == 3).all()


def test_analyze_finds_the_csv_relative_to_the_scan(finished, tmp_path):
    d, s, out = finished
    r = kanscan("analyze", out, "--out", tmp_path / "a", "--no-plots", cwd=tmp_path)
    assert r.code == 0, r
    assert (tmp_path / "a" / "llr.csv").exists(), r
    assert "found at" in (tmp_path / "a" / "summary.txt").read_text(), r


def test_analyze_names_where_it_looked(finished, tmp_path):
    d, s, out = finished
    moved = tmp_path / "elsewhere.h5"
    shutil.copy(out, moved)
    with h5py.File(moved, "a") as f:
        f["scan"].attrs["scan_file"] = str(tmp_path / "gone" / "scan.yaml")
    r = kanscan("analyze", moved, "--out", tmp_path / "a", "--no-plots")
    assert r.code == 0, r
    assert "not found (looked at" in r.out and str(tmp_path / "gone" / "ev.csv") in r.out, r


def test_analyze_bad_data_is_exit_2(finished, tmp_path):
    d, s, out = finished
    r = kanscan("analyze", out, "--out", tmp_path / "a", "--no-plots", "--data", tmp_path / "missing.csv")
    assert r.code == 2, r
    (tmp_path / "bad.csv").write_text("pt,eta\n1,2\n3,\n")  # an empty cell
    r = kanscan("analyze", out, "--out", tmp_path / "a", "--no-plots", "--data", tmp_path / "bad.csv")
    assert r.code == 2 and "bad.csv" in r.out, r
    r = kanscan("analyze", out, "--out", tmp_path / "a", "--no-plots", "--data", d / "ev.csv")
    assert r.code == 0 and (tmp_path / "a" / "llr.csv").exists(), r


def test_predict_trial_best_on_the_csv(finished, tmp_path):
    d, s, out = finished
    r = kanscan("predict", out, "--trial", "best", "--data", d / "ev.csv", "--out", tmp_path / "p.h5")
    assert r.code == 0, r
    df = ks.load_trials(out)
    best, column = ks.best_trial(df)
    assert f"best trial by {column}" in r.out and best in r.out, r
    if not column.startswith("val_"):
        assert "no validation metric" in r.out, r
    with h5py.File(tmp_path / "p.h5", "r") as f:
        pred = f["predictions"][()]
    x = pd.read_csv(d / "ev.csv")[["pt", "eta"]].to_numpy()
    model = ks.load_model(out, "best")
    assert np.allclose(model.predict(x)[:, 0], pred, atol=1e-5)


def test_load_trials_gives_missing_for_not_applicable(finished):
    d, s, out = finished
    df = ks.load_trials(out)
    kan = df[df["model"] == "kan"]
    mlp = df[df["model"] == "mlp"]
    assert mlp["grid_size"].isna().all() and kan["grid_size"].notna().all()
    assert df.loc[df["depth"] == 0, "width"].isna().all()
    assert -1 not in set(df["width"].dropna()), df["width"]
    assert -1 not in df.groupby("width")["test_auc"].mean().index
    assert mlp["activation"].notna().all() and kan["activation"].isna().all()


# ---------- results depend on the configuration only ----------

def metrics(path):
    df = ks.load_trials(path).sort_values(["model", "n_params"]).reset_index(drop=True)
    return df[["model", "n_params", "test_loss", "test_auc"]]


def test_string_labels_train_as_integer_labels(tmp_path):
    df = frame(300, seed=3)
    df.to_csv(tmp_path / "s.csv", index=False)
    df.assign(cls=(df["cls"] == "sig").astype(int)).to_csv(tmp_path / "i.csv", index=False)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a = tmp_path / "a" / "scan.yaml"
    a.write_text(CLASSIFY.format(path="../s.csv", label="cls", extra="  classes: [bkg, sig]\n  weights: w\n"))
    b = tmp_path / "b" / "scan.yaml"
    b.write_text(CLASSIFY.format(path="../i.csv", label="cls", extra="  weights: w\n"))
    assert kanscan("run", a, "--out", tmp_path / "a.h5").code == 0
    assert kanscan("run", b, "--out", tmp_path / "b.h5").code == 0
    pd.testing.assert_frame_equal(metrics(tmp_path / "a.h5"), metrics(tmp_path / "b.h5"))


@pytest.mark.skipif(shutil.which("mpiexec") is None or os.environ.get("KANSCAN_WITH_MPI", "ON") != "ON",
                    reason="kanscan built without MPI, or no mpiexec")
def test_csv_settings_reach_every_rank(tmp_path, monkeypatch):
    # The worker ranks read the CSV themselves: delimiter and classes must travel with the setup.
    frame(300, seed=4).to_csv(tmp_path / "ev.csv", sep=";")
    s = scan(tmp_path, "ev.csv", extra="  classes: [bkg, sig]\n  weights: w\n  delimiter: ';'\n")
    assert kanscan("run", s, "--out", tmp_path / "one.h5").code == 0
    import subprocess
    from conftest import BIN
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
               OMPI_MCA_rmaps_base_oversubscribe="1", OMP_NUM_THREADS="1")
    p = subprocess.run(["mpiexec", "-n", "2", "--oversubscribe", BIN, "run", str(s), "--out", str(tmp_path / "two.h5"),
                        "--coordinator-only"], capture_output=True, text=True, env=env, timeout=600)
    assert p.returncode == 0, p.stdout + p.stderr
    pd.testing.assert_frame_equal(metrics(tmp_path / "one.h5"), metrics(tmp_path / "two.h5"))
