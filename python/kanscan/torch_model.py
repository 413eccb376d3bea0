"""kanscan models as PyTorch modules (needs torch: Debian's python3-torch).

The model group (``/trial/<id>/model`` in a results file) holds ``input_mean``/``input_std``,
optionally ``target_mean``/``target_std``, and ``layer_<l>`` groups with attribute ``kind``:

* ``kan``: efficient-kan ``KANLinear`` tensors ``grid`` [in, G+2k+1], ``base_weight`` [out, in],
  ``spline_weight`` [out, in, G+k], ``spline_scaler`` [out, in]; attributes ``grid_size``,
  ``spline_order``. y_j = sum_i base_weight[j,i] SiLU(x_i) + spline_scaler[j,i] sum_m
  spline_weight[j,i,m] B_m(x_i).
* ``linear``: ``weight`` [out, in], ``bias`` [out] (torch.nn.Linear), attribute ``activation``
  (relu, leaky_relu + ``leaky_slope``, silu, tanh, sigmoid, identity) applied after.

The group attribute ``output`` says how outputs become predictions: sigmoid, softmax, clip (a
classifier trained with a regression loss) or identity (regression: outputs * target_std +
target_mean).

    import kanscan
    module, info = kanscan.torch_model.load_group(h5py.File("scan.h5")["trial/<id>/model"])
    pred = kanscan.torch_model.predict(module, info, features)
or simply ``kanscan.load_model("scan.h5", "<id>").to_torch()``.
"""
import numpy as np
import torch


class KANLinear(torch.nn.Module):
    """B-spline KAN layer with efficient-kan's parameter names and shapes."""

    def __init__(self, in_features, out_features, grid_size, spline_order):
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        self.grid_size, self.spline_order = grid_size, spline_order
        n_knots = grid_size + 2 * spline_order + 1
        self.register_buffer("grid", torch.zeros(in_features, n_knots, dtype=torch.float64))
        self.base_weight = torch.nn.Parameter(torch.zeros(out_features, in_features, dtype=torch.float64))
        self.spline_weight = torch.nn.Parameter(
            torch.zeros(out_features, in_features, grid_size + spline_order, dtype=torch.float64))
        self.spline_scaler = torch.nn.Parameter(torch.zeros(out_features, in_features, dtype=torch.float64))

    def b_splines(self, x):
        # Cox-de Boor recursion on every knot span: [batch, in, G+k].
        t = self.grid
        x = x.unsqueeze(-1)
        b = ((x >= t[:, :-1]) & (x < t[:, 1:])).to(x.dtype)
        for p in range(1, self.spline_order + 1):
            left = (x - t[:, :-(p + 1)]) / (t[:, p:-1] - t[:, :-(p + 1)])
            right = (t[:, p + 1:] - x) / (t[:, p + 1:] - t[:, 1:-p])
            b = left * b[:, :, :-1] + right * b[:, :, 1:]
        return b

    def forward(self, x):
        base = torch.nn.functional.linear(torch.nn.functional.silu(x), self.base_weight)
        w = self.spline_weight * self.spline_scaler.unsqueeze(-1)
        spline = torch.nn.functional.linear(self.b_splines(x).reshape(x.shape[0], -1),
                                            w.reshape(self.out_features, -1))
        return base + spline


class Activation(torch.nn.Module):
    def __init__(self, name, slope=0.01):
        super().__init__()
        self.name, self.slope = name, slope

    def forward(self, x):
        f = torch.nn.functional
        return {
            "relu": f.relu,
            "leaky_relu": lambda v: f.leaky_relu(v, self.slope),
            "silu": f.silu,
            "tanh": torch.tanh,
            "sigmoid": torch.sigmoid,
            "identity": lambda v: v,
        }[self.name](x)


def _text(v):
    return v.decode() if isinstance(v, bytes) else str(v)


def load_group(group):
    """An h5py model group -> (torch.nn.Sequential in float64, preprocessing/postprocessing dict)."""
    layers = []
    l = 0
    while f"layer_{l}" in group:
        g = group[f"layer_{l}"]
        kind = _text(g.attrs["kind"])
        if kind == "kan":
            out_f, in_f = g["base_weight"].shape
            layer = KANLinear(in_f, out_f, int(g.attrs["grid_size"]), int(g.attrs["spline_order"]))
            state = {name: torch.from_numpy(np.asarray(g[name], dtype=np.float64))
                     for name in ("grid", "base_weight", "spline_weight", "spline_scaler")}
            layer.load_state_dict(state)
            layers.append(layer)
        elif kind == "linear":
            out_f, in_f = g["weight"].shape
            lin = torch.nn.Linear(in_f, out_f).double()
            lin.load_state_dict({"weight": torch.from_numpy(np.asarray(g["weight"], dtype=np.float64)),
                                 "bias": torch.from_numpy(np.asarray(g["bias"], dtype=np.float64))})
            layers.append(lin)
            layers.append(Activation(_text(g.attrs.get("activation", "identity")),
                                     float(g.attrs.get("leaky_slope", 0.01))))
        else:
            raise ValueError(f"unknown layer kind {kind}")
        l += 1
    info = {
        "input_mean": np.asarray(group["input_mean"], dtype=np.float64),
        "input_std": np.asarray(group["input_std"], dtype=np.float64),
        "output": _text(group.attrs.get("output", "identity")),
    }
    if "target_mean" in group:
        info["target_mean"] = np.asarray(group["target_mean"], dtype=np.float64)
        info["target_std"] = np.asarray(group["target_std"], dtype=np.float64)
    return torch.nn.Sequential(*layers), info


def predict(model, info, features):
    x = torch.from_numpy((np.asarray(features, dtype=np.float64) - info["input_mean"]) / info["input_std"])
    with torch.no_grad():
        z = model(x)
    out = info["output"]
    if out == "sigmoid":
        z = torch.sigmoid(z)
    elif out == "softmax":
        z = torch.softmax(z, dim=1)
    elif out == "clip":
        z = z.clamp(0.0, 1.0)
    elif "target_mean" in info:
        z = z * torch.from_numpy(info["target_std"]) + torch.from_numpy(info["target_mean"])
    return z.numpy()
