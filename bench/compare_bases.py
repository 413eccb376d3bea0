#!/usr/bin/env python3
"""Per-core training speed of kanscan's KAN bases against their PyTorch reference implementations,
and against an MLP of the same parameter count, measured side by side in one run.

    /usr/bin/python3 bench/compare_bases.py --kanscan-bench build/bench/bench_bases \\
        [--fast-kan DIR] [--chebykan DIR] [--fourierkan DIR] [--repeats 5] [--markdown FILE]
    /usr/bin/python3 bench/compare_bases.py --check-load RESULTS.h5 [--fast-kan DIR] [--chebykan DIR] \\
        [--fourierkan DIR] [--kat-rational DIR]

Models: [22, 64, 1] of every basis with the settings bench/bench_bases.cpp gives kanscan (FastKAN's
defaults: 8 centres on [-2, 2], LayerNorm, SiLU branch; ChebyKAN degree 4; FourierKAN's naive
layer with 4 frequencies; KAT's rational of degrees 5/4 with 2 groups), batch 1024 of standardised
inputs, BCE, Adam; one thread on both sides (per core).

The PyTorch side imports the reference implementation from a checkout given on the command line
(git clone of ZiyaoLi/fast-kan, SynodicMonth/ChebyKAN, GistNoesis/FourierKAN): FastKANLayer from
fastkan/fastkan.py, ChebyKANLayer from ChebyKANLayer.py, NaiveFourierKANLayer from fftKAN.py.
Without a checkout it times a re-implementation of the published formula in a few lines
(_formula_* below), and the table says so. KAT's GR-KAN runs on a CUDA kernel (Adamdad/kat,
Adamdad/rational_kat_cu), so its side is always a plain PyTorch rational layer written here from
the kernel's formula, P(x) / (1 + sum_k |b_k| |x|^k) per group, followed by nn.Linear.

Each repeat times kanscan (the Google Benchmark, CPU time of its thread) and then PyTorch (a fresh
process, CPU time of the process, after a warm-up) for every model: the two sides of a ratio are
measured within seconds of each other; the table gives the median and the min over the repeats.
Machines are shared and noisy: say the load (printed) with the numbers. Nothing here asserts a time.

--check-load loads the kind = kan layers of a kanscan results file into the reference modules
(load_state_dict, strict) and compares their outputs with the kanscan package's (python/kanscan/torch_model.py).
"""
import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from compare_pytorch import torch_env  # noqa: E402  (thread pools, BLAS kernels, allocator)

BASES = ("rbf", "chebyshev", "fourier", "rational", "bspline")


def load_module(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def reference_layer(basis, n_in, n_out, args):
    """(module, source) of one [n_in, n_out] layer of the reference implementation."""
    import torch

    if basis == "rbf":
        if args.fast_kan:
            sys.path.insert(0, args.fast_kan)
            from fastkan import FastKANLayer
            return FastKANLayer(n_in, n_out, num_grids=8, grid_min=-2.0, grid_max=2.0), "FastKANLayer (fast-kan checkout)"
        return _FormulaFastKAN(n_in, n_out), "FastKAN formula re-implemented"
    if basis == "chebyshev":
        if args.chebykan:
            mod = load_module(os.path.join(args.chebykan, "ChebyKANLayer.py"), "ChebyKANLayer")
            return mod.ChebyKANLayer(n_in, n_out, 4), "ChebyKANLayer (ChebyKAN checkout)"
        return _FormulaCheby(n_in, n_out, 4), "ChebyKAN formula re-implemented"
    if basis == "fourier":
        if args.fourierkan:
            mod = load_module(os.path.join(args.fourierkan, "fftKAN.py"), "fftKAN")
            return mod.NaiveFourierKANLayer(n_in, n_out, 4), "NaiveFourierKANLayer (FourierKAN checkout)"
        return _FormulaFourier(n_in, n_out, 4), "FourierKAN formula re-implemented"
    if basis == "rational":
        return torch.nn.Sequential(_GroupRational(2), torch.nn.Linear(n_in, n_out)), \
            "rational layer from KAT's kernel formula (KAT's own layer needs CUDA)"
    if basis == "bspline":
        import pytorch_models as pm
        return pm.kan([n_in, n_out], 5, impl="efficient-kan"), "efficient-kan formulation (bench/pytorch_models.py)"
    raise ValueError(basis)


def _torch():
    import torch
    return torch


class _FormulaFastKAN:  # built lazily so that importing this file does not import torch
    def __new__(cls, n_in, n_out):
        torch = _torch()

        class Layer(torch.nn.Module):
            # FastKAN: LayerNorm, exp(-((x - c)/h)^2) on 8 centres in [-2, 2], Linear(in*8 -> out), + Linear(SiLU(x)).
            def __init__(self):
                super().__init__()
                self.layernorm = torch.nn.LayerNorm(n_in)
                self.grid = torch.nn.Parameter(torch.linspace(-2, 2, 8), requires_grad=False)
                self.spline_linear = torch.nn.Linear(n_in * 8, n_out, bias=False)
                self.base_linear = torch.nn.Linear(n_in, n_out)

            def forward(self, x):
                b = torch.exp(-((self.layernorm(x)[..., None] - self.grid) / (4.0 / 7.0)) ** 2)
                return self.spline_linear(b.view(x.shape[0], -1)) + self.base_linear(torch.nn.functional.silu(x))

        return Layer()


class _FormulaCheby:
    def __new__(cls, n_in, n_out, degree):
        torch = _torch()

        class Layer(torch.nn.Module):
            # ChebyKAN: cos(n acos(tanh x)) contracted with coefficients [in, out, d+1].
            def __init__(self):
                super().__init__()
                self.cheby_coeffs = torch.nn.Parameter(torch.randn(n_in, n_out, degree + 1) / (n_in * (degree + 1)))
                self.register_buffer("arange", torch.arange(0, degree + 1, 1))

            def forward(self, x):
                t = torch.tanh(x).view(-1, n_in, 1).expand(-1, -1, degree + 1).acos() * self.arange
                return torch.einsum("bid,iod->bo", t.cos(), self.cheby_coeffs)

        return Layer()


class _FormulaFourier:
    def __new__(cls, n_in, n_out, grid):
        torch = _torch()

        class Layer(torch.nn.Module):
            # FourierKAN's naive layer: cos(kx), sin(kx), k = 1..F, summed with coefficients [2, out, in, F], + bias.
            def __init__(self):
                super().__init__()
                self.fouriercoeffs = torch.nn.Parameter(torch.randn(2, n_out, n_in, grid) / (n_in ** 0.5 * grid ** 0.5))
                self.bias = torch.nn.Parameter(torch.zeros(1, n_out))

            def forward(self, x):
                k = torch.arange(1, grid + 1).reshape(1, 1, 1, grid)
                xr = x.reshape(x.shape[0], 1, x.shape[1], 1)
                y = torch.sum(torch.cos(k * xr) * self.fouriercoeffs[0:1], (-2, -1))
                y = y + torch.sum(torch.sin(k * xr) * self.fouriercoeffs[1:2], (-2, -1))
                return y + self.bias

        return Layer()


class _GroupRational:
    def __new__(cls, groups):
        torch = _torch()

        class Layer(torch.nn.Module):
            # KAT's kernel: P(x) / (1 + sum_k |b_gk| |x|^k), degrees 5/4, numerator shared, a denominator per group.
            def __init__(self):
                super().__init__()
                self.weight_numerator = torch.nn.Parameter(torch.tensor([[0.0, 0.5, 0.4, 0.1, 0.01, 0.0]]))
                self.weight_denominator = torch.nn.Parameter(torch.full((groups, 4), 0.05))

            def forward(self, x):
                b, d = x.shape
                z = x.view(b, groups, d // groups)
                ax = z.abs()
                p = self.weight_numerator[0, 5]
                for k in range(4, -1, -1):
                    p = p * z + self.weight_numerator[0, k]
                w = self.weight_denominator.abs()[None, :, :, None]  # [1, g, 4, 1]
                q = w[:, :, 3]
                for k in range(2, -1, -1):
                    q = q * ax + w[:, :, k]
                q = q * ax + 1.0
                return (p / q).view(b, d)

        return Layer()


def torch_model(basis, args):
    torch = _torch()
    l1, src = reference_layer(basis, 22, 64, args)
    l2, _ = reference_layer(basis, 64, 1, args)
    return torch.nn.Sequential(l1, l2), src


def torch_worker(args):
    import resource  # noqa: F401

    torch = _torch()
    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    torch.manual_seed(0)
    model, src = torch_model(args.basis, args)
    x = torch.randn(args.batch, 22)
    y = (torch.rand(args.batch, 1) < 0.5).float()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, foreach=True)
    loss_fn = torch.nn.BCEWithLogitsLoss()

    def step():
        opt.zero_grad(set_to_none=True)
        loss_fn(model(x), y).backward()
        opt.step()

    n, t0 = 0, time.perf_counter()
    while n < 10 or time.perf_counter() - t0 < 0.3:
        step()
        n += 1
    n, c0, w0 = 0, time.process_time(), time.perf_counter()
    while n < 5 or time.perf_counter() - w0 < args.seconds:
        step()
        n += 1
    cpu, wall = time.process_time() - c0, time.perf_counter() - w0
    params = sum(p.numel() for p in model.parameters() if p.requires_grad)
    print(json.dumps({"cpu_per_step": cpu / n, "wall_per_step": wall / n, "params": params, "source": src}))


def run_torch(basis, args):
    cmd = [sys.executable, os.path.abspath(__file__), "--torch-worker", "--basis", basis, "--batch", str(args.batch),
           "--seconds", str(args.seconds)]
    for opt in ("fast_kan", "chebykan", "fourierkan"):
        if getattr(args, opt):
            cmd += ["--" + opt.replace("_", "-"), getattr(args, opt)]
    res = subprocess.run(cmd, env=torch_env(1), capture_output=True, text=True)
    if res.returncode != 0:
        raise SystemExit(f"PyTorch worker failed ({' '.join(cmd)}):\n{res.stderr}")
    return json.loads(res.stdout.strip().splitlines()[-1])


def run_kanscan(binary, name, args):
    cmd = [binary, f"--benchmark_filter=^train/{name}/b{args.batch}/t1(/real_time)?$", "--benchmark_format=json",
           f"--benchmark_min_time={args.seconds}"]
    data = json.loads(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout)
    runs = [b for b in data["benchmarks"] if b.get("run_type", "iteration") == "iteration"]
    if not runs:
        raise SystemExit(f"benchmark train/{name} not found in {binary}")
    b = runs[0]
    scale = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[b.get("time_unit", "ns")]
    return {"cpu_per_step": b["cpu_time"] * scale, "wall_per_step": b["real_time"] * scale, "params": int(b["params"])}


def mlp_name(binary, basis):
    out = subprocess.run([binary, "--benchmark_list_tests=true"], capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        if line.startswith(f"train/mlp-like-{basis}/"):
            return line.split("/b")[0][len("train/"):]
    raise SystemExit(f"no matched MLP for {basis} in {binary}")


def compare(args):
    load = os.getloadavg()
    print(f"load average at start: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} cores")
    bases = args.bases.split(",")
    mlps = {b: mlp_name(args.kanscan_bench, b) for b in bases}
    rows = {b: {"torch": [], "kan": [], "mlp": [], "src": ""} for b in bases}
    for rep in range(args.repeats):
        for b in bases:
            k = run_kanscan(args.kanscan_bench, f"{b}/22-64-1", args)
            t = run_torch(b, args)
            m = run_kanscan(args.kanscan_bench, mlps[b], args)
            r = rows[b]
            r["kan"].append(k["cpu_per_step"])
            r["torch"].append(t["cpu_per_step"])
            r["mlp"].append(m["cpu_per_step"])
            r["src"], r["params"], r["torch_params"], r["mlp_params"] = t["source"], k["params"], t["params"], m["params"]
            print(f"repeat {rep + 1} {b}: kanscan {k['cpu_per_step'] * 1e3:.2f} ms, PyTorch {t['cpu_per_step'] * 1e3:.2f} ms, "
                  f"MLP {m['cpu_per_step'] * 1e3:.2f} ms per step (CPU)", flush=True)
    load = os.getloadavg()
    lines = [
        f"| basis | kanscan params | reference (PyTorch side) | PyTorch ms/step | kanscan ms/step | speed-up median (min) "
        f"| matched MLP | MLP ms/step | basis / MLP median (max) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for b in bases:
        r = rows[b]
        sp = [t / k for t, k in zip(r["torch"], r["kan"])]
        ml = [k / m for k, m in zip(r["kan"], r["mlp"])]
        lines.append(
            f"| {b} | {r['params']:,} | {r['src']} ({r['torch_params']:,} params) | {statistics.median(r['torch']) * 1e3:.2f} "
            f"| {statistics.median(r['kan']) * 1e3:.2f} | {statistics.median(sp):.1f}x ({min(sp):.1f}x) "
            f"| {mlps[b].split('/')[1]} ({r['mlp_params']:,}) | {statistics.median(r['mlp']) * 1e3:.2f} "
            f"| {statistics.median(ml):.2f} ({max(ml):.2f}) |")
    table = "\n".join(lines)
    print()
    print(table)
    print(f"\nload average at the end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; {args.repeats} repeats, batch {args.batch}, "
          f"CPU time per training step at 1 thread")
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(table + "\n")


def check_load(args):
    """Every kind = kan layer of a results file into its reference module: strict load, same outputs."""
    import h5py
    import numpy as np

    torch = _torch()
    sys.path.insert(0, os.path.join(HERE, "..", "python"))
    from kanscan import torch_model as lc

    problems, checked = 0, 0
    with h5py.File(args.check_load, "r") as f:
        for tid in f["trial"]:
            if "model" not in f["trial"][tid]:
                continue
            l = 0
            while f"layer_{l}" in f["trial"][tid]["model"]:
                g = f["trial"][tid]["model"][f"layer_{l}"]
                l += 1
                basis = lc._text(g.attrs.get("basis", "bspline"))
                if lc._text(g.attrs.get("kind", "")) != "kan" or basis == "bspline":
                    continue
                ours = lc.kan_layer(g)
                state = {k: torch.from_numpy(np.asarray(g[k], dtype=np.float64)) for k in g.keys()}
                ref = None
                if basis == "rbf" and args.fast_kan:
                    sys.path.insert(0, args.fast_kan)
                    from fastkan import FastKANLayer
                    m = int(g.attrs["num_grids"])
                    out_f, in_f = g["spline_linear.weight"].shape[0], g["spline_linear.weight"].shape[1] // m
                    ref = FastKANLayer(in_f, out_f, grid_min=float(g.attrs["grid_min"]), grid_max=float(g.attrs["grid_max"]),
                                       num_grids=m, use_layernorm=int(g.attrs["use_layernorm"]) == 1,
                                       use_base_update=lc._text(g.attrs["base_branch"]) == "silu")
                    ref.rbf.denominator = float(g.attrs["denominator"])
                elif basis == "chebyshev" and args.chebykan and lc._text(g.attrs["base_branch"]) == "none" \
                        and lc._text(g.attrs["squash"]) == "tanh":
                    mod = load_module(os.path.join(args.chebykan, "ChebyKANLayer.py"), "ChebyKANLayer")
                    in_f, out_f, d = g["cheby_coeffs"].shape
                    ref = mod.ChebyKANLayer(in_f, out_f, d - 1)
                    state["arange"] = state["arange"].long()
                elif basis == "fourier" and args.fourierkan and lc._text(g.attrs["base_branch"]) == "none":
                    mod = load_module(os.path.join(args.fourierkan, "fftKAN.py"), "fftKAN")
                    _, out_f, in_f, grid = g["fouriercoeffs"].shape
                    ref = mod.NaiveFourierKANLayer(in_f, out_f, grid)
                elif basis == "rational" and args.kat_rational and lc._text(g.attrs["base_branch"]) == "none":
                    mod = load_module(os.path.join(args.kat_rational, "kat_rational", "kat_1dgroup_torch.py"), "kat_torch")
                    act = mod.KAT_Group_Torch(num_groups=int(g.attrs["num_groups"]))
                    act.load_state_dict({"weight_numerator": state["act.weight_numerator"].float(),
                                         "weight_denominator": state["act.weight_denominator"].float()}, strict=True)
                    print(f"{tid} layer_{l - 1} rational: act.* load into KAT_Group_Torch (strict); its outputs are not "
                          "compared: KAT's CPU fallback computes 1 + sum |b_k| x^k, its CUDA kernel (and kanscan) "
                          "1 + sum |b_k| |x|^k")
                    checked += 1
                    continue
                if ref is None:
                    continue
                ref = ref.double()
                ref.load_state_dict(state, strict=True)
                x = torch.randn(200, ref_in(g, basis), dtype=torch.float64)
                with torch.no_grad():
                    err = (ref(x) - ours(x)).abs().max().item()
                ok = err < 1e-9
                problems += 0 if ok else 1
                checked += 1
                print(f"{tid} layer_{l - 1} {basis}: strict load into the reference module, max |difference| {err:.2e}")
    print(f"{checked} layer(s) checked, {problems} problem(s)")
    return 1 if problems else 0


def ref_in(g, basis):
    if basis == "rbf":
        return g["spline_linear.weight"].shape[1] // int(g.attrs["num_grids"])
    if basis == "chebyshev":
        return g["cheby_coeffs"].shape[0]
    if basis == "fourier":
        return g["fouriercoeffs"].shape[2]
    return g["fc.weight"].shape[1]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--kanscan-bench", help="path to build/bench/bench_bases")
    p.add_argument("--fast-kan", help="checkout of ZiyaoLi/fast-kan")
    p.add_argument("--chebykan", help="checkout of SynodicMonth/ChebyKAN")
    p.add_argument("--fourierkan", help="checkout of GistNoesis/FourierKAN")
    p.add_argument("--kat-rational", help="checkout of Adamdad/rational_kat_cu (for --check-load)")
    p.add_argument("--bases", default="rbf,chebyshev,fourier,rational")
    p.add_argument("--batch", type=int, default=1024)
    p.add_argument("--seconds", type=float, default=1.0, help="minimum timing per measurement")
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--markdown", help="also write the table to this Markdown file")
    p.add_argument("--check-load", help="a kanscan results file: load its KAN layers into the reference modules")
    p.add_argument("--torch-worker", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--basis", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.torch_worker:
        return torch_worker(args)
    if args.check_load:
        return check_load(args)
    if not args.kanscan_bench:
        p.error("--kanscan-bench is required")
    return compare(args)


if __name__ == "__main__":
    sys.exit(main() or 0)
