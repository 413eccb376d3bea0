"""Reader for kanscan results files (h5py + pandas + numpy)."""
import json
import os

# Must be set before the HDF5 library opens any file: a running scan holds a lock.
os.environ.setdefault("HDF5_USE_FILE_LOCKING", "FALSE")

import h5py  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402


def _text(v):
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace").rstrip("\x00")
    if isinstance(v, np.ndarray) and v.shape == ():
        return _text(v[()])
    return v


class ResultsFile:
    """An open results file. Use as a context manager or call close()."""

    def __init__(self, path):
        self.path = str(path)
        try:
            self._f = h5py.File(self.path, "r", locking=False)
        except TypeError:  # h5py < 3.5: the environment variable above does the job
            self._f = h5py.File(self.path, "r")
        f = self._f
        if not any(k in f.attrs for k in ("schema_version", "kanscan_version")) and "trials" not in f and "scan" not in f:
            f.close()
            raise ValueError(f"{self.path}: not a kanscan results file (no schema_version attribute or /trials table)")

    def close(self):
        self._f.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    @property
    def attrs(self):
        return {k: _text(v) for k, v in self._f.attrs.items()}

    @property
    def config_yaml(self):
        if "scan" in self._f and "config_yaml" in self._f["scan"]:
            v = self._f["scan"]["config_yaml"][()]
            if isinstance(v, np.ndarray):
                v = v.flat[0] if v.size else b""
            return _text(v)
        return ""

    def trials(self):
        """/trials as a DataFrame (strings decoded; unwritten tail rows dropped)."""
        if "trials" not in self._f:
            return pd.DataFrame()
        table = self._f["trials"][()]
        df = pd.DataFrame({name: table[name] for name in table.dtype.names})
        for col in df.columns:
            if df[col].dtype == object or df[col].dtype.kind == "S":
                df[col] = df[col].map(_text)
        if "trial_id" in df.columns:
            df = df[df["trial_id"].astype(str) != ""].reset_index(drop=True)
        return _missing_for_not_applicable(df)

    def trial_ids(self):
        return sorted(self._f["trial"].keys()) if "trial" in self._f else []

    def _group(self, trial_id):
        if "trial" not in self._f or trial_id not in self._f["trial"]:
            raise KeyError(f"{self.path}: no trial {trial_id!r} (ids are in load_trials(path).trial_id)")
        return self._f["trial"][trial_id]

    def history(self, trial_id):
        g = self._group(trial_id)
        if "history" not in g:
            return pd.DataFrame()
        h = g["history"]
        cols = {k: h[k][()] for k in ("epoch", "train_loss", "val_loss", "val_metric") if k in h}
        n = min((len(v) for v in cols.values()), default=0)
        df = pd.DataFrame({k: v[:n] for k, v in cols.items()})
        name = h.attrs.get("val_metric_name")
        if name is not None:
            df.attrs["val_metric_name"] = _text(name)
        return df

    def trial(self, trial_id):
        """Everything stored for one trial: config (dict), history, roc, predictions, index."""
        g = self._group(trial_id)
        out = {"id": trial_id}
        cfg = g.attrs.get("config")
        out["config"] = json.loads(_text(cfg)) if cfg is not None else {}
        if "error" in g.attrs:
            out["error"] = _text(g.attrs["error"])
        out["history"] = self.history(trial_id)
        if "roc" in g and "fpr" in g["roc"] and "tpr" in g["roc"]:
            out["roc"] = (g["roc"]["fpr"][()], g["roc"]["tpr"][()])
        if "test_predictions" in g:
            out["test_predictions"] = g["test_predictions"][()]
        if "test_index" in g:
            out["test_index"] = g["test_index"][()]
        return out

    def model(self, trial_id):
        """The trained model: input/target standardisation and per-layer tensors and attrs."""
        g = self._group(trial_id)
        if "model" not in g:
            raise KeyError(f"{self.path}: trial {trial_id!r} has no stored model")
        m = g["model"]
        out = {k: _text(v) for k, v in m.attrs.items()}
        for k in ("input_mean", "input_std", "target_mean", "target_std"):
            if k in m:
                out[k] = m[k][()]
        layers = []
        i = 0
        while f"layer_{i}" in m:
            lg = m[f"layer_{i}"]
            layer = {k: _text(v) for k, v in lg.attrs.items()}
            layer.update({k: lg[k][()] for k in lg.keys()})
            layers.append(layer)
            i += 1
        out["layers"] = layers
        return out


def _missing_for_not_applicable(df):
    """Settings that do not apply to a row (the width of a single-layer model, grid_size of an
    MLP, momentum of Adam) become missing: <NA> in integer columns (pandas Int64), NaN in float
    columns (as stored), None in string columns. The file stores -1 in its int64 configuration
    columns (docs/scan-format.md, "/trials"); those are the columns between n_params and
    epochs_run."""
    cols = list(df.columns)
    if "n_params" not in cols or "epochs_run" not in cols:
        return df
    for c in cols[cols.index("n_params") + 1:cols.index("epochs_run")]:
        s = df[c]
        if s.dtype.kind in "iu":
            df[c] = s.astype("Int64").mask(s == -1)
        elif s.dtype == object:
            df[c] = s.where(s != "", None)
    return df


def load_trials(path):
    """/trials as a pandas DataFrame, one row per trial; not-applicable settings are missing
    (NaN / <NA> / None), so a groupby leaves them out instead of showing width = -1."""
    with ResultsFile(path) as f:
        return f.trials()


def load_history(path, trial_id):
    """Per-epoch curves of a trial: epoch, train_loss, val_loss, val_metric (a DataFrame)."""
    with ResultsFile(path) as f:
        return f.history(_trial_id(f, trial_id))


read_history = load_history


def read_trial(path, trial_id):
    with ResultsFile(path) as f:
        return f.trial(_trial_id(f, trial_id))


class Model(dict):
    """A trained model as stored (input/target standardisation, per-layer tensors and attributes;
    a dict as read_model always returned) with predict() in numpy and to_torch()."""

    def predict(self, features):
        """Predictions on raw features [N, F], in the units of test_predictions."""
        return predict(self, features)

    def to_torch(self):
        """(torch.nn.Sequential in float64, info) for kanscan.torch_model.predict; needs torch."""
        from . import torch_model
        return torch_model.load_group(_DictGroup(self))


class _DictGroup:
    """The model dict seen as the h5py group torch_model.load_group reads."""

    def __init__(self, model):
        self.attrs = {k: v for k, v in model.items() if not isinstance(v, (np.ndarray, list))}
        self._items = {k: v for k, v in model.items() if isinstance(v, np.ndarray)}
        for i, layer in enumerate(model.get("layers", [])):
            self._items[f"layer_{i}"] = _DictGroup(layer)

    def __contains__(self, k):
        return k in self._items

    def __getitem__(self, k):
        return self._items[k]

    def keys(self):
        return self._items.keys()


def load_model(path, trial_id):
    """The model of a trial (an id, a unique prefix, or "best": the best by the validation
    metric, as `kanscan predict --trial best` chooses)."""
    with ResultsFile(path) as f:
        return Model(f.model(_trial_id(f, trial_id)))


read_model = load_model


def best_trial(df, task=None):
    """(trial_id, column) of the best ok trial of a load_trials DataFrame: by val_auc (higher is
    better) for classification, val_mae then val_loss (lower is better) for regression; without
    validation columns (schema_version 1 files) by test_auc / test_mae. Ties: the smallest id."""
    if task is None:
        task = "regression" if "test_mae" in df.columns else "classification"
    order = ([("val_mae", False), ("val_loss", False), ("test_mae", False), ("test_loss", False)]
             if task == "regression" else
             [("val_auc", True), ("val_loss", False), ("test_auc", True), ("test_loss", False)])
    ok = df[df["status"] == "ok"] if "status" in df.columns else df
    for col, higher in order:
        if col not in ok.columns:
            continue
        rows = ok[np.isfinite(ok[col].astype(float))]
        if len(rows):
            rows = rows.sort_values([col, "trial_id"], ascending=[not higher, True])
            return rows["trial_id"].iloc[0], col
    raise ValueError("no finished trial with a finite metric")


def _trial_id(f, trial_id):
    ids = f.trial_ids()
    if trial_id == "best":
        df = f.trials()
        df = df[df["trial_id"].isin(ids)]
        return best_trial(df, f.attrs.get("task"))[0]
    if trial_id in ids:
        return trial_id
    matches = [i for i in ids if i.startswith(str(trial_id))]
    return matches[0] if len(matches) == 1 else trial_id


def higher_is_better(metric):
    """Direction of a /trials metric column, from its name (as kanscan analyze decides)."""
    return any(w in metric for w in ("auc", "accuracy", "significance", "eff"))


def default_metric(df):
    for m in ("test_auc", "test_mae", "test_accuracy", "test_loss"):
        if m in df.columns:
            return m
    raise ValueError("no metric column in this table")


def metric_columns(df, metric=None):
    """(reported, selected_on) as kanscan analyze chooses them: test_X is reported and every
    choice is made on val_X when the table has it (choosing on the test metric would make the
    reported best optimistic); val_X asks for the same pair; any other column is both."""
    metric = metric or default_metric(df)
    if metric.startswith("val_") and "test_" + metric[4:] in df.columns:
        return "test_" + metric[4:], metric
    if metric.startswith("test_") and "val_" + metric[5:] in df.columns:
        return metric, "val_" + metric[5:]
    return metric, metric


def _config_keys(df):
    cols = list(df.columns)
    if "n_params" in cols and "epochs_run" in cols:
        return ["model"] + [c for c in cols[cols.index("n_params") + 1:cols.index("epochs_run")] if c != "split"]
    return ["model"]


def configurations(df, metric=None):
    """Seeds (and repeated splits) aggregated per configuration (same model and settings),
    failed trials left out: mean/std/n of the reported metric, `select_mean` (the mean of the
    validation column every choice is made on), `err` (the mean test-sample standard error,
    <metric>_err) and `unc`, the uncertainty of the seed mean sqrt(std^2/n + err^2/K) with K
    data splits (analyze's <metric>_unc), mean n_params, and the trial ids. attrs: "metric",
    "select"."""
    metric, select = metric_columns(df, metric)
    ok = df[df["status"] == "ok"] if "status" in df.columns else df
    ok = ok.assign(_err=ok[f"{metric}_err"] if f"{metric}_err" in ok.columns else np.nan,
                   _select=ok[select], _split=ok["split"] if "split" in ok.columns else -1)
    g = ok.groupby(_config_keys(df), dropna=False, sort=False)
    out = g.agg(n_params=("n_params", "mean"), mean=(metric, "mean"), std=(metric, "std"),
                n=(metric, "count"), select_mean=("_select", "mean"), err=("_err", "mean"),
                n_splits=("_split", "nunique"), trial_ids=("trial_id", lambda s: sorted(s))).reset_index()
    seed_var = out["std"].fillna(0.0) ** 2 / out["n"].clip(lower=1)
    with np.errstate(invalid="ignore"):
        out["unc"] = np.where(out["err"].notna(), np.sqrt(seed_var + out["err"] ** 2 / out["n_splits"].clip(lower=1)),
                              np.where(out["n"] > 1, np.sqrt(seed_var), np.nan))
    out.attrs["metric"], out.attrs["select"] = metric, select
    return out


def pareto(df, metric=None, cost="n_params"):
    """The Pareto front of cost (a /trials column, n_params by default) against the metric over
    configurations, cheapest first: the configurations no other one beats in both cost and the
    validation metric's seed mean (select_mean); `mean` is the test metric reported for them
    (kanscan analyze's pareto.csv, scope "all")."""
    conf = configurations(df, metric)
    if cost != "n_params":
        conf["cost"] = [df.loc[df["trial_id"].isin(ids), cost].mean() for ids in conf["trial_ids"]]
        cost = "cost"
    metric, select = conf.attrs["metric"], conf.attrs["select"]
    sign = 1.0 if higher_is_better(metric) else -1.0
    conf = conf[np.isfinite(conf["select_mean"].astype(float)) & np.isfinite(conf[cost].astype(float))]
    value = sign * conf["select_mean"].astype(float)
    order = np.lexsort((-value.to_numpy(), conf[cost].to_numpy()))
    keep, best, last = [], -np.inf, None
    for i in order:
        v, c = value.iloc[i], conf[cost].iloc[i]
        if v > best or (last is not None and (c, v) == last):  # identical points are all kept
            keep.append(i)
            best, last = v, (c, v)
    front = conf.iloc[keep].reset_index(drop=True)
    front.attrs["metric"], front.attrs["select"] = metric, select
    return front


def _same(a, b):
    return pd.isna(b) if pd.isna(a) else (not pd.isna(b) and a == b)


def axis_slices(df, axis, metric=None):
    """One axis of each model family with every other axis held fixed (analyze's
    axis_slices.csv): one row per (slice, value) with model, slice, through_best (the slice
    through the family's best configuration, chosen on validation), others (the fixed settings,
    "k=v ..."), value, mean, unc, select_mean, n_params, n. A configuration to which another
    axis does not apply (the width of a depth-0 KAN) joins every slice it matches on the axes it
    has. Slices with one point are left out, except the one through the best."""
    conf = configurations(df, metric)
    metric = conf.attrs["metric"]
    sign = 1.0 if higher_is_better(metric) else -1.0
    keys = [k for k in _config_keys(df) if k != "model"]
    rows = []
    for model in sorted(dict.fromkeys(conf["model"])):
        c = conf[(conf["model"] == model) & conf["select_mean"].notna()]
        if axis not in c.columns or c[axis].notna().sum() == 0:
            continue
        c = c[c[axis].notna()]
        if c[axis].nunique() < 2:
            continue
        best = (sign * c["select_mean"]).idxmax()
        # The other axes that vary within the family (fixed ones say nothing); "not applicable"
        # counts as a value of its own, as in analyze.
        others = [k for k in keys if k != axis and c[k].nunique(dropna=False) > 1]
        slices = {}
        for i, r in c.iterrows():
            slices.setdefault(tuple((k, r[k]) for k in others), None)
        out = []
        for sl in slices:
            member = c
            for k, v in sl:
                member = member[member[k].isna()] if pd.isna(v) else member[member[k].isna() | (member[k] == v)]
            exact = member.apply(lambda r: all(_same(r[k], v) for k, v in sl), axis=1).astype(int)
            member = member.assign(_exact=exact).sort_values("_exact").groupby(axis, sort=True).tail(1)
            through = best in member.index and bool(member.loc[best, "_exact"])
            if len(member) < 2 and not through:
                continue
            out.append((not through, -len(member), -(sign * member["select_mean"]).max(), sl, member, through))
        out.sort(key=lambda t: t[:3])
        for n, (_, _, _, sl, member, through) in enumerate(out):
            label = " ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in sl if not pd.isna(v))
            for _, r in member.sort_values(axis).iterrows():
                rows.append({"model": model, "axis": axis, "slice": n, "through_best": int(through), "others": label,
                             "value": r[axis], "mean": r["mean"], "unc": r["unc"], "select_mean": r["select_mean"],
                             "n_params": r["n_params"], "n": r["n"]})
    out = pd.DataFrame(rows, columns=["model", "axis", "slice", "through_best", "others", "value", "mean", "unc",
                                      "select_mean", "n_params", "n"])
    out.attrs["metric"], out.attrs["select"] = metric, conf.attrs["select"]
    return out


def bspline_basis(knots, order, x):
    """B-spline bases [len(x), len(knots)-1-order] (Cox-de Boor, half-open intervals)."""
    x = np.asarray(x, dtype=float)[:, None]
    t = np.asarray(knots, dtype=float)
    b = ((x >= t[:-1]) & (x < t[1:])).astype(float)
    for k in range(1, order + 1):
        dl = t[k:-1] - t[:-(k + 1)]
        dr = t[k + 1:] - t[1:-k]
        with np.errstate(divide="ignore", invalid="ignore"):
            left = np.where(dl != 0, (x - t[:-(k + 1)]) / dl, 0.0) * b[:, :-1]
            right = np.where(dr != 0, (t[k + 1:] - x) / dr, 0.0) * b[:, 1:]
        b = left + right
    return b


def _silu(x):
    return x / (1.0 + np.exp(-x))


def kan_basis(layer):
    """The basis of a kind = kan layer ("bspline" for files written before the other bases)."""
    return str(layer.get("basis", "bspline")) or "bspline"


def _has_base(layer):
    return str(layer.get("base_branch", "silu")) == "silu"


def _squash(layer, x):
    return np.tanh(x) if str(layer.get("squash", "tanh")) == "tanh" else np.clip(x, -1.0, 1.0)


def _rational(layer, x, group):
    """KAT's group rational P(x) / (1 + sum_k |b_gk| |x|^k) for inputs of one group (docs/models.md)."""
    a = np.asarray(layer["act.weight_numerator"], dtype=float)[0]
    b = np.abs(np.asarray(layer["act.weight_denominator"], dtype=float)[group])
    p = sum(a[k] * x ** k for k in range(len(a)))
    q = 1.0 + sum(b[k - 1] * np.abs(x) ** k for k in range(1, len(b) + 1))
    return p / q


def kan_functions(layer, inp, x):
    """The basis functions of input `inp` of a non-B-spline kind = kan layer at x: [len(x), D], in the
    order of the coefficient tensors (rbf centres, T_0..T_d, cos 1..F then sin 1..F, the rational)."""
    x = np.asarray(x, dtype=float)
    basis = kan_basis(layer)
    if basis == "rbf":
        c = np.asarray(layer["rbf.grid"], dtype=float)
        return np.exp(-(((x[:, None] - c) / float(layer["denominator"])) ** 2))
    if basis == "chebyshev":
        n = np.arange(int(layer["degree"]) + 1)
        return np.cos(np.arccos(_squash(layer, x))[:, None] * n)
    if basis == "fourier":
        k = np.arange(1, int(layer["gridsize"]) + 1)
        return np.hstack([np.cos(x[:, None] * k), np.sin(x[:, None] * k)])
    if basis == "rational":
        n_in = np.asarray(layer["fc.weight"]).shape[1]
        groups = np.asarray(layer["act.weight_denominator"]).shape[0]
        return _rational(layer, x, inp * groups // n_in)[:, None]
    raise ValueError(f"unknown KAN basis {basis!r}")


def _coefficients(layer, out, inp):
    """The coefficients of input `inp`'s functions for output `out`, in kan_functions' order."""
    basis = kan_basis(layer)
    if basis == "rbf":
        m = int(layer["num_grids"])
        return np.asarray(layer["spline_linear.weight"], dtype=float)[out, inp * m:(inp + 1) * m]
    if basis == "chebyshev":
        return np.asarray(layer["cheby_coeffs"], dtype=float)[inp, out]
    if basis == "fourier":
        a = np.asarray(layer["fouriercoeffs"], dtype=float)
        return np.concatenate([a[0, out, inp], a[1, out, inp]])
    return np.asarray(layer["fc.weight"], dtype=float)[out, inp:inp + 1]


def _base_weight(layer):
    return np.asarray(layer["base_linear.weight" if kan_basis(layer) == "rbf" else "base_weight"], dtype=float)


def kan_edge(layer, out, inp, x):
    """phi_{out,inp}(x) of a kind = kan layer, x in the layer's (standardised) input units: the
    basis part plus the SiLU branch (a layer's bias is not part of any edge). A FastKAN layer with
    LayerNorm mixes its inputs before the basis, so its edges are not functions of one input: ValueError."""
    x = np.asarray(x, dtype=float)
    basis = kan_basis(layer)
    if basis == "bspline":
        order = int(layer["spline_order"])
        spline = bspline_basis(layer["grid"][inp], order, x) @ layer["spline_weight"][out, inp]
        return layer["base_weight"][out, inp] * _silu(x) + layer["spline_scaler"][out, inp] * spline
    if basis == "rbf" and int(layer.get("use_layernorm", 0)) == 1:
        raise ValueError("an RBF layer with LayerNorm has no univariate edge functions (its inputs are normalised together)")
    phi = kan_functions(layer, inp, x) @ _coefficients(layer, out, inp)
    if _has_base(layer):
        phi = phi + _base_weight(layer)[out, inp] * _silu(x)
    return phi


def _kan_forward(layer, h):
    """One kind = kan layer on inputs h [N, in] (the formulas of docs/models.md)."""
    basis = kan_basis(layer)
    if basis == "bspline":
        o, i = layer["base_weight"].shape
        nxt = np.zeros((h.shape[0], o))
        for a in range(i):
            b = bspline_basis(layer["grid"][a], int(layer["spline_order"]), h[:, a])
            nxt += _silu(h[:, a])[:, None] * layer["base_weight"][:, a]
            nxt += (b @ layer["spline_weight"][:, a, :].T) * layer["spline_scaler"][:, a]
        return nxt
    z = h
    if basis == "rbf" and int(layer.get("use_layernorm", 0)) == 1:
        mean, var = h.mean(axis=1, keepdims=True), h.var(axis=1, keepdims=True)
        z = (h - mean) / np.sqrt(var + 1e-5) * layer["layernorm.weight"] + layer["layernorm.bias"]
    n_in = h.shape[1]
    n_out = {"rbf": lambda: layer["spline_linear.weight"].shape[0], "chebyshev": lambda: layer["cheby_coeffs"].shape[1],
             "fourier": lambda: layer["fouriercoeffs"].shape[1], "rational": lambda: layer["fc.weight"].shape[0]}[basis]()
    nxt = np.zeros((h.shape[0], n_out))
    for a in range(n_in):
        f = kan_functions(layer, a, z[:, a])
        coef = np.stack([_coefficients(layer, o, a) for o in range(n_out)], axis=1)  # [D, out]
        nxt += f @ coef
    if _has_base(layer):
        nxt += _silu(h) @ _base_weight(layer).T
    bias = {"rbf": "base_linear.bias", "fourier": "bias", "rational": "fc.bias"}.get(basis)
    if bias and bias in layer:
        nxt += np.asarray(layer[bias], dtype=float).reshape(-1)
    return nxt


def _activation(name, slope):
    return {
        "relu": lambda v: np.maximum(v, 0.0),
        "leaky_relu": lambda v: np.where(v > 0, v, slope * v),
        "silu": lambda v: v / (1.0 + np.exp(-v)),
        "tanh": np.tanh,
        "sigmoid": lambda v: 1.0 / (1.0 + np.exp(-v)),
        "identity": lambda v: v,
        "": lambda v: v,
    }[name]


def predict(model, features):
    """Numpy reference forward pass of a stored model on raw features [N, F]; the units of
    test_predictions (probabilities, or targets in physical units)."""
    h = (np.asarray(features, dtype=float) - model["input_mean"]) / model["input_std"]
    for layer in model["layers"]:
        if layer["kind"] == "kan":
            h = _kan_forward(layer, h)
        else:
            h = h @ layer["weight"].T + layer["bias"]
            h = _activation(str(layer.get("activation", "identity")), float(layer.get("leaky_slope", 0.01)))(h)
    output = str(model.get("output", ""))
    if output == "sigmoid":
        h = 1.0 / (1.0 + np.exp(-h))
    elif output == "clip":  # a classifier trained with a regression loss
        h = np.clip(h, 0.0, 1.0)
    elif output == "softmax":
        e = np.exp(h - h.max(axis=1, keepdims=True))
        h = e / e.sum(axis=1, keepdims=True)
    if "target_mean" in model:
        h = h * model["target_std"] + model["target_mean"]
    return h
