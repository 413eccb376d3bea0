"""PyTorch reference implementations for the side-by-side benchmark (bench/compare_pytorch.py).

Written from the maths in docs/models.md (the efficient-kan formulation: dense B-spline expansion
of every input, then one GEMM), not copied from any library:

    y_j = sum_i W_b[j,i] * SiLU(x_i) + S[j,i] * sum_m C[j,i,m] * B_m(x_i)

B_m are order-k B-splines on a uniform grid of G intervals over [lo, hi], extended by k knots on
each side (G+k bases per input).
"""
import math

import torch
import torch.nn.functional as F


class DenseKANLayer(torch.nn.Module):
    def __init__(self, n_in, n_out, grid_size=5, spline_order=3, grid_range=(-1.0, 1.0)):
        super().__init__()
        self.n_in, self.n_out, self.k = n_in, n_out, spline_order
        h = (grid_range[1] - grid_range[0]) / grid_size
        knots = torch.arange(-spline_order, grid_size + spline_order + 1, dtype=torch.float32) * h + grid_range[0]
        self.register_buffer("grid", knots.expand(n_in, -1).contiguous())  # [in, G+2k+1]
        self.base_weight = torch.nn.Parameter(torch.empty(n_out, n_in))
        self.spline_weight = torch.nn.Parameter(torch.empty(n_out, n_in, grid_size + spline_order))
        self.spline_scaler = torch.nn.Parameter(torch.empty(n_out, n_in))
        bound = 1.0 / math.sqrt(n_in)
        torch.nn.init.uniform_(self.base_weight, -bound, bound)
        torch.nn.init.uniform_(self.spline_scaler, -bound, bound)
        torch.nn.init.normal_(self.spline_weight, 0.0, 0.1 / (grid_size + spline_order))

    def bases(self, x):
        """Cox-de Boor recursion on the dense [batch, in, G+k] expansion."""
        g = self.grid
        x = x.unsqueeze(-1)
        b = ((x >= g[:, :-1]) & (x < g[:, 1:])).to(x.dtype)
        for p in range(1, self.k + 1):
            left = (x - g[:, : -(p + 1)]) / (g[:, p:-1] - g[:, : -(p + 1)]) * b[:, :, :-1]
            right = (g[:, p + 1 :] - x) / (g[:, p + 1 :] - g[:, 1:(-p)]) * b[:, :, 1:]
            b = left + right
        return b

    def forward(self, x):
        base = F.linear(F.silu(x), self.base_weight)
        coef = (self.spline_weight * self.spline_scaler.unsqueeze(-1)).view(self.n_out, -1)
        spline = F.linear(self.bases(x).view(x.shape[0], -1), coef)
        return base + spline


def kan(widths, grid_size=5, spline_order=3):
    return torch.nn.Sequential(*[DenseKANLayer(a, b, grid_size, spline_order) for a, b in zip(widths[:-1], widths[1:])])


def mlp(widths, activation=torch.nn.ReLU):
    layers = []
    for i, (a, b) in enumerate(zip(widths[:-1], widths[1:])):
        layers.append(torch.nn.Linear(a, b))
        if i + 2 < len(widths):
            layers.append(activation())
    return torch.nn.Sequential(*layers)


def n_params(model):
    return sum(p.numel() for p in model.parameters())
