"""PyTorch reference implementations for the side-by-side benchmark (bench/compare_pytorch.py).

Written from the maths in docs/models.md (the efficient-kan formulation: dense B-spline expansion
of every input, then one GEMM), not copied from any library:

    y_j = sum_i W_b[j,i] * SiLU(x_i) + S[j,i] * sum_m C[j,i,m] * B_m(x_i)

B_m are order-k B-splines on a uniform grid of G intervals over [lo, hi], extended by k knots on
each side (G+k bases per input). Every basis of every input is evaluated (the dense expansion)
and the spline term is one GEMM over the flattened (input, basis) axis: the formulation kanscan is
compared against. No local-support shortcut is taken here on purpose.

Three implementations of the same maths (bench/torch_check.py checks that they agree, outputs and
gradients; bench/torch_diagnose.py measures what each step is worth):

* ``impl="fast"`` (the baseline of compare_pytorch.py): ``DenseKANLayer`` keeps activations and the
  expansion as [feature, batch] / [in, basis, batch], so every element-wise op of the Cox-de Boor
  recursion runs over contiguous rows of ``batch`` floats with the knot terms broadcast per row,
  and the spline GEMM is [out, in*(G+k)] x [in*(G+k), batch] accumulated onto the base term.
  Knot-span reciprocals are precomputed and the recursion is written as
  B_{i,p} = w_{i,p} B_{i,p-1} + (1 - w_{i+1,p}) B_{i+1,p-1},  w_{i,p} = (x - t_i) / (t_{i+p} - t_i),
  one product w*B per order instead of two divisions and two products. The derivative of the
  bases with respect to x (needed by hidden layers) comes from the B-spline derivative formula,
  still for every basis of every input, instead of autograd unrolling the recursion.
* ``impl="fast-autograd"``: the same layer with autograd through the recursion, as efficient-kan.
* ``impl="efficient-kan"``: ``EfficientKANLayer``, the op sequence of efficient-kan's
  ``b_splines``/``forward`` ([batch, in, basis] layout, two comparisons per knot, divisions in the
  recursion, autograd). Under the conditions of the reference measurement (docs/performance.md,
  "Reference PyTorch figures") it reproduces those figures.
"""
import functools
import math

import torch
import torch.nn.functional as F


def _uniform_knots(n_in, grid_size, spline_order, grid_range):
    h = (grid_range[1] - grid_range[0]) / grid_size
    knots = torch.arange(-spline_order, grid_size + spline_order + 1, dtype=torch.float32) * h + grid_range[0]
    return knots.expand(n_in, -1).contiguous()  # [in, G+2k+1], one row per input as in efficient-kan


class _KANParams(torch.nn.Module):
    """Parameters and initialisation shared by both layouts (efficient-kan's parametrisation)."""

    def __init__(self, n_in, n_out, grid_size, spline_order, grid_range):
        super().__init__()
        self.n_in, self.n_out, self.k, self.n_basis = n_in, n_out, spline_order, grid_size + spline_order
        self.register_buffer("grid", _uniform_knots(n_in, grid_size, spline_order, grid_range))
        self.base_weight = torch.nn.Parameter(torch.empty(n_out, n_in))
        self.spline_weight = torch.nn.Parameter(torch.empty(n_out, n_in, self.n_basis))
        self.spline_scaler = torch.nn.Parameter(torch.empty(n_out, n_in))
        # Same scales as efficient-kan (kaiming-uniform bound 1/sqrt(in) for base and scaler, small
        # spline coefficients); the values do not change the dense cost, only training itself.
        bound = 1.0 / math.sqrt(n_in)
        torch.nn.init.uniform_(self.base_weight, -bound, bound)
        torch.nn.init.uniform_(self.spline_scaler, -bound, bound)
        torch.nn.init.normal_(self.spline_weight, 0.0, 0.1 / self.n_basis)

    def scaled_spline_weight(self):
        return (self.spline_weight * self.spline_scaler.unsqueeze(-1)).view(self.n_out, -1)


def _cox_de_boor(xt, knots_col, inv_spans, k):
    """Order-k bases of xt [in, batch] as [in, n_knots-1-k, batch], and the order k-1 bases.

    B_{i,p} = w_{i,p} B_{i,p-1} + (1 - w_{i+1,p}) B_{i+1,p-1},  w_{i,p} = (x - t_i) / (t_{i+p} - t_i):
    the Cox-de Boor recursion with one product w*B per order and no division (inv_spans[p-1][i] is the
    precomputed 1 / (t_{i+p} - t_i)).
    """
    d = xt.unsqueeze(1) - knots_col  # x - t_i for every knot: [in, n_knots, batch]
    # Order 0 is 1 on [t_i, t_{i+1}); the knots increase, so it is step(x - t_i) - step(x - t_{i+1}).
    # ge() straight into a float tensor: (d >= 0).to(float) goes through bool, 8x slower in torch 1.13.
    step = torch.ge(d.detach(), 0, out=torch.empty_like(d))
    b = step[:, :-1] - step[:, 1:]
    prev = b
    n_knots = d.shape[1]
    for p in range(1, k + 1):
        c = d[:, : n_knots - p] * inv_spans[p - 1]
        c.mul_(b)
        prev, b = b, b[:, 1:] - c[:, 1:]
        b.add_(c[:, :-1])
    return b, prev


class _DenseBSplineExpansion(torch.autograd.Function):
    """All G+k bases of every input, with the derivative taken from the B-spline formula
    dB_{i,k}/dx = k (B_{i,k-1} / (t_{i+k} - t_i) - B_{i+1,k-1} / (t_{i+k+1} - t_{i+1}))
    instead of autograd unrolling the recursion (whose slice backwards zero-fill and copy a full
    [in, n_knots, batch] tensor per slice). Dense, like the forward: every basis, every input."""

    @staticmethod
    def forward(ctx, xt, knots_col, k, *inv_spans):
        bases, prev = _cox_de_boor(xt, knots_col, inv_spans, k)
        ctx.k = k
        if ctx.needs_input_grad[0]:
            ctx.save_for_backward(prev, inv_spans[k - 1])
        return bases

    @staticmethod
    def backward(ctx, grad):
        prev, inv_span = ctx.saved_tensors
        q = prev * inv_span  # B_{i,k-1} / (t_{i+k} - t_i)
        slope = q[:, :-1] - q[:, 1:]
        grad_xt = (grad * slope).sum(1).mul_(ctx.k)
        return (grad_xt, None, None) + (None,) * ctx.k


class DenseKANLayer(_KANParams):
    """The efficient-kan layer in a [feature, batch] layout: takes and returns [batch, feature]
    tensors that are transposed views of [feature, batch] storage, so consecutive layers pass
    activations without copies and every element-wise op runs over contiguous batch rows."""

    def __init__(self, n_in, n_out, grid_size=5, spline_order=3, grid_range=(-1.0, 1.0), autograd_bases=False):
        super().__init__(n_in, n_out, grid_size, spline_order, grid_range)
        self.autograd_bases = autograd_bases
        t = self.grid
        self.register_buffer("knots_col", t.unsqueeze(-1).contiguous())  # [in, n_knots, 1]
        self.inv_span_names = []
        for p in range(1, spline_order + 1):  # 1 / (t_{i+p} - t_i), i = 0 .. n_knots-p-1
            self.register_buffer(f"inv_span{p}", (1.0 / (t[:, p:] - t[:, :-p])).unsqueeze(-1).contiguous())
            self.inv_span_names.append(f"inv_span{p}")

    def inv_spans(self):
        return [getattr(self, name) for name in self.inv_span_names]

    def bases(self, xt):
        """Dense B-spline expansion of xt [in, batch] as [in, G+k, batch]."""
        if self.autograd_bases:
            return _cox_de_boor(xt, self.knots_col, self.inv_spans(), self.k)[0]
        return _DenseBSplineExpansion.apply(xt, self.knots_col, self.k, *self.inv_spans())

    def forward(self, x):
        xt = x.t().contiguous()  # free when x is the previous layer's output
        base = torch.mm(self.base_weight, F.silu(xt))  # [out, batch]
        expansion = self.bases(xt).reshape(self.n_in * self.n_basis, xt.shape[1])
        # One GEMM over the flattened (input, basis) axis, accumulated onto the base term.
        return torch.addmm(base, self.scaled_spline_weight(), expansion).t()


class EfficientKANLayer(_KANParams):
    def __init__(self, n_in, n_out, grid_size=5, spline_order=3, grid_range=(-1.0, 1.0)):
        super().__init__(n_in, n_out, grid_size, spline_order, grid_range)

    def bases(self, x):
        """Cox-de Boor on the [batch, in, G+k] expansion, the op sequence of efficient-kan."""
        g = self.grid
        x = x.unsqueeze(-1)
        b = ((x >= g[:, :-1]) & (x < g[:, 1:])).to(x.dtype)
        for p in range(1, self.k + 1):
            left = (x - g[:, : -(p + 1)]) / (g[:, p:-1] - g[:, : -(p + 1)])
            right = (g[:, p + 1 :] - x) / (g[:, p + 1 :] - g[:, 1:(-p)])
            b = left * b[:, :, :-1] + right * b[:, :, 1:]
        return b.contiguous()

    def forward(self, x):
        base = F.linear(F.silu(x), self.base_weight)
        spline = F.linear(self.bases(x).view(x.shape[0], -1), self.scaled_spline_weight())
        return base + spline


KAN_IMPLS = {
    "fast": DenseKANLayer,
    "fast-autograd": functools.partial(DenseKANLayer, autograd_bases=True),
    "efficient-kan": EfficientKANLayer,
}


def kan(widths, grid_size=5, spline_order=3, impl="fast"):
    layer = KAN_IMPLS[impl]
    return torch.nn.Sequential(*[layer(a, b, grid_size, spline_order) for a, b in zip(widths[:-1], widths[1:])])


def mlp(widths, activation=torch.nn.ReLU):
    layers = []
    for i, (a, b) in enumerate(zip(widths[:-1], widths[1:])):
        layers.append(torch.nn.Linear(a, b))
        if i + 2 < len(widths):
            layers.append(activation())
    return torch.nn.Sequential(*layers)


def n_params(model):
    return sum(p.numel() for p in model.parameters())
