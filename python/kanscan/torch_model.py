"""kanscan models as PyTorch modules (needs torch: Debian's python3-torch).

The model group (``/trial/<id>/model`` in a results file) holds ``input_mean``/``input_std``,
optionally ``target_mean``/``target_std``, and ``layer_<l>`` groups with attribute ``kind``:

* ``kan`` with attribute ``basis`` (absent: ``bspline``); each basis's tensors are its reference
  implementation's state dict, so the layer loads into that module (docs/models.md, "KAN bases"):

  - ``bspline``: efficient-kan ``KANLinear``: ``grid`` [in, G+2k+1], ``base_weight`` [out, in],
    ``spline_weight`` [out, in, G+k], ``spline_scaler`` [out, in]; attributes ``grid_size``,
    ``spline_order``. y_j = sum_i base_weight[j,i] SiLU(x_i) + spline_scaler[j,i] sum_m
    spline_weight[j,i,m] B_m(x_i).
  - ``rbf``: FastKAN ``FastKANLayer``: ``rbf.grid`` [M] (centres c_m), ``spline_linear.weight``
    [out, in*M], with ``base_branch = silu`` ``base_linear.weight`` [out, in] and
    ``base_linear.bias`` [out], with ``use_layernorm = 1`` ``layernorm.weight``/``.bias`` [in];
    attributes ``num_grids``, ``grid_min``, ``grid_max``, ``denominator`` (h).
    z = LayerNorm(x) (or x); y_j = sum_{i,m} W[j, i*M+m] exp(-((z_i - c_m)/h)^2) + base_linear(SiLU(x)).
  - ``chebyshev``: ChebyKAN ``ChebyKANLayer``: ``cheby_coeffs`` [in, out, d+1], buffer ``arange``;
    attributes ``degree``, ``squash`` (tanh or clamp). y_j = sum_{i,n} C[i,j,n] T_n(squash(x_i)).
  - ``fourier``: FourierKAN ``NaiveFourierKANLayer``: ``fouriercoeffs`` [2, out, in, F], ``bias``
    [1, out]; attribute ``gridsize`` (F). y_j = bias_j + sum_{i,k} a[0,j,i,k] cos((k+1) x_i) +
    a[1,j,i,k] sin((k+1) x_i).
  - ``rational``: KAT's GR-KAN, ``KAT_Group`` then ``nn.Linear``: ``act.weight_numerator``
    [1, m+1], ``act.weight_denominator`` [g, n], ``fc.weight`` [out, in], ``fc.bias`` [out];
    attributes ``numerator_degree``, ``denominator_degree``, ``num_groups``.
    F_g(x) = (a_0 + ... + a_m x^m) / (1 + |b_g1||x| + ... + |b_gn||x|^n), input i in group
    floor(i g / in); y = fc(F(x)).
  - The non-B-spline bases with attribute ``base_branch = silu`` add ``base_weight`` [out, in]
    (rbf: ``base_linear``): + sum_i base_weight[j,i] SiLU(x_i).
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


class RadialBasisFunction(torch.nn.Module):
    """FastKAN's basis: exp(-((x - grid) / denominator)^2), grid a non-trainable parameter."""

    def __init__(self, num_grids, denominator):
        super().__init__()
        self.grid = torch.nn.Parameter(torch.zeros(num_grids, dtype=torch.float64), requires_grad=False)
        self.denominator = denominator

    def forward(self, x):
        return torch.exp(-((x[..., None] - self.grid) / self.denominator) ** 2)


class FastKANLayer(torch.nn.Module):
    """Gaussian RBF KAN layer with FastKAN's parameter names (written from its formula)."""

    def __init__(self, in_features, out_features, num_grids, denominator, use_layernorm, use_base_update):
        super().__init__()
        self.layernorm = torch.nn.LayerNorm(in_features).double() if use_layernorm else None
        self.rbf = RadialBasisFunction(num_grids, denominator)
        self.spline_linear = torch.nn.Linear(in_features * num_grids, out_features, bias=False).double()
        self.base_linear = torch.nn.Linear(in_features, out_features).double() if use_base_update else None

    def forward(self, x):
        z = self.layernorm(x) if self.layernorm is not None else x
        ret = self.spline_linear(self.rbf(z).reshape(x.shape[0], -1))
        if self.base_linear is not None:
            ret = ret + self.base_linear(torch.nn.functional.silu(x))
        return ret


class BaseBranch(torch.nn.Module):
    """The optional SiLU branch of the chebyshev, fourier and rational layers: base_weight SiLU(x)."""

    def __init__(self, in_features, out_features, enabled):
        super().__init__()
        if enabled:
            self.base_weight = torch.nn.Parameter(torch.zeros(out_features, in_features, dtype=torch.float64))
        else:
            self.base_weight = None

    def base(self, x):
        if self.base_weight is None:
            return 0.0
        return torch.nn.functional.linear(torch.nn.functional.silu(x), self.base_weight)


class ChebyKANLayer(BaseBranch):
    """Chebyshev KAN layer with ChebyKAN's parameter names: sum_n C[i,j,n] T_n(tanh(x_i))."""

    def __init__(self, in_features, out_features, degree, squash="tanh", base=False):
        super().__init__(in_features, out_features, base)
        self.squash = squash
        self.cheby_coeffs = torch.nn.Parameter(torch.zeros(in_features, out_features, degree + 1, dtype=torch.float64))
        self.register_buffer("arange", torch.arange(0, degree + 1, 1))

    def forward(self, x):
        t = torch.tanh(x) if self.squash == "tanh" else x.clamp(-1.0, 1.0)
        basis = torch.cos(t.unsqueeze(-1).acos() * self.arange)  # T_n(t) = cos(n acos t)
        return torch.einsum("bid,iod->bo", basis, self.cheby_coeffs) + self.base(x)


class NaiveFourierKANLayer(BaseBranch):
    """FourierKAN's naive layer: cos and sin of k x for k = 1 .. gridsize, plus a bias."""

    def __init__(self, in_features, out_features, gridsize, base=False):
        super().__init__(in_features, out_features, base)
        self.fouriercoeffs = torch.nn.Parameter(torch.zeros(2, out_features, in_features, gridsize, dtype=torch.float64))
        self.bias = torch.nn.Parameter(torch.zeros(1, out_features, dtype=torch.float64))

    def forward(self, x):
        k = torch.arange(1, self.fouriercoeffs.shape[-1] + 1, dtype=x.dtype)
        kx = x[:, None, :, None] * k  # [batch, 1, in, F]
        y = (torch.cos(kx) * self.fouriercoeffs[0:1]).sum((-2, -1)) + (torch.sin(kx) * self.fouriercoeffs[1:2]).sum((-2, -1))
        return y + self.bias + self.base(x)


class GroupRational(torch.nn.Module):
    """KAT's KAT_Group semantics: P(x) / (1 + sum_k |b_gk| |x|^k), the numerator shared, one
    denominator per group of contiguous inputs (input i in group floor(i * groups / in))."""

    def __init__(self, numerator_degree, denominator_degree, num_groups):
        super().__init__()
        self.weight_numerator = torch.nn.Parameter(torch.zeros(1, numerator_degree + 1, dtype=torch.float64))
        self.weight_denominator = torch.nn.Parameter(
            torch.zeros(num_groups, denominator_degree, dtype=torch.float64))

    def forward(self, x):
        n_in, groups = x.shape[1], self.weight_denominator.shape[0]
        group = (torch.arange(n_in) * groups) // n_in
        a, b = self.weight_numerator[0], self.weight_denominator.abs()[group]  # [in, n]
        p = sum(a[k] * x ** k for k in range(a.shape[0]))
        q = 1.0 + sum(b[:, k - 1] * x.abs() ** k for k in range(1, b.shape[1] + 1))
        return p / q


class RationalKANLayer(BaseBranch):
    """KAT's GR-KAN layer: the group rational, then a linear layer (act, fc)."""

    def __init__(self, in_features, out_features, numerator_degree, denominator_degree, num_groups, base=False):
        super().__init__(in_features, out_features, base)
        self.act = GroupRational(numerator_degree, denominator_degree, num_groups)
        self.fc = torch.nn.Linear(in_features, out_features).double()

    def forward(self, x):
        return self.fc(self.act(x)) + self.base(x)


def kan_layer(g):
    """The PyTorch module of a kind = kan layer group, its tensors loaded (strictly: every name and shape)."""
    basis = _text(g.attrs.get("basis", "bspline"))
    names = [k for k in g.keys() if not hasattr(g[k], "keys")]  # the datasets (h5py group or _DictGroup)
    base = _text(g.attrs.get("base_branch", "silu")) == "silu"
    if basis == "bspline":
        out_f, in_f = g["base_weight"].shape
        layer = KANLinear(in_f, out_f, int(g.attrs["grid_size"]), int(g.attrs["spline_order"]))
    elif basis == "rbf":
        m = int(g.attrs["num_grids"])
        out_f, in_f = g["spline_linear.weight"].shape[0], g["spline_linear.weight"].shape[1] // m
        layer = FastKANLayer(in_f, out_f, m, float(g.attrs["denominator"]), int(g.attrs["use_layernorm"]) == 1, base)
    elif basis == "chebyshev":
        in_f, out_f, _ = g["cheby_coeffs"].shape
        layer = ChebyKANLayer(in_f, out_f, int(g.attrs["degree"]), _text(g.attrs["squash"]), base)
    elif basis == "fourier":
        _, out_f, in_f, grid = g["fouriercoeffs"].shape
        layer = NaiveFourierKANLayer(in_f, out_f, grid, base)
    elif basis == "rational":
        out_f, in_f = g["fc.weight"].shape
        layer = RationalKANLayer(in_f, out_f, int(g.attrs["numerator_degree"]), int(g.attrs["denominator_degree"]),
                                 int(g.attrs["num_groups"]), base)
    else:
        raise ValueError(f"unknown KAN basis {basis}")
    state = {}
    for name in names:
        value = torch.from_numpy(np.asarray(g[name], dtype=np.float64))
        state[name] = value.long() if name == "arange" else value
    layer.load_state_dict(state, strict=True)
    return layer


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
            layers.append(kan_layer(g))
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
