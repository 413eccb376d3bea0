#!/usr/bin/env python3
"""Checks that the PyTorch KAN layouts of bench/pytorch_models.py compute one and the same model.

    /usr/bin/python3 bench/torch_check.py

The fast layout (and its derivative formula) must match efficient-kan's op sequence: outputs,
gradients of every parameter and of the input (hidden layers back-propagate through the bases),
including inputs exactly on knots and outside the grid; gradcheck of the basis derivative in
float64. Exits 1 with a message on the first mismatch. compare_pytorch.py runs it before timing.
"""
import sys

import torch

sys.path.insert(0, __import__("os").path.dirname(__import__("os").path.abspath(__file__)))
import pytorch_models as pm  # noqa: E402


def check(verbose=False):
    """Returns a list of failure messages (empty when everything agrees)."""
    failures = []
    gen = torch.Generator().manual_seed(7)
    for widths, grid in (([22, 1], 5), ([22, 5, 3], 5), ([4, 7, 2], 20)):
        models = {}
        for impl in pm.KAN_IMPLS:
            torch.manual_seed(1)
            models[impl] = pm.kan(widths, grid, impl=impl).double()
        x = torch.rand(64, widths[0], generator=gen, dtype=torch.float64) * 2.4 - 1.2  # some outside [-1, 1]
        x[: 5, 0] = models["fast"][0].grid[0, 3:8]  # exactly on knots
        x.requires_grad_(True)
        ref = models["efficient-kan"]
        y_ref = ref(x)
        g_ref = torch.autograd.grad(y_ref.square().sum(), [x] + list(ref.parameters()))
        for impl in ("fast", "fast-autograd"):
            m = models[impl]
            y = m(x)
            g = torch.autograd.grad(y.square().sum(), [x] + list(m.parameters()))
            # The knot-span reciprocals are float32 buffers in both layouts but used differently
            # (multiplied vs divided), hence a float32-sized tolerance.
            out_err = ((y - y_ref).abs().max() / y_ref.abs().max()).item()
            grad_err = max(((u - v).abs().max() / v.abs().max().clamp_min(1e-30)).item() for u, v in zip(g, g_ref))
            if verbose:
                print(f"{widths} G={grid} {impl}: output rel. error {out_err:.1e}, gradient rel. error {grad_err:.1e}")
            if not (out_err < 1e-6 and grad_err < 1e-6):
                failures.append(f"{impl} {widths} G={grid}: output error {out_err:.2e}, gradient error {grad_err:.2e}")
        layer = models["fast"][0]
        xt = (torch.rand(widths[0], 9, generator=gen, dtype=torch.float64) * 2.2 - 1.1).requires_grad_(True)

        def expansion(v, layer=layer):
            return pm._DenseBSplineExpansion.apply(v, layer.knots_col, layer.k, *layer.inv_spans())

        if not torch.autograd.gradcheck(expansion, (xt,), raise_exception=False):
            failures.append(f"gradcheck of the B-spline derivative failed for {widths} G={grid}")
    return failures


if __name__ == "__main__":
    problems = check(verbose=True)
    for msg in problems:
        print("FAIL:", msg)
    print("ok" if not problems else f"{len(problems)} failure(s)")
    sys.exit(1 if problems else 0)
