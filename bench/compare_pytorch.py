#!/usr/bin/env python3
"""Side-by-side training and inference throughput: kanscan vs PyTorch, measured in one run.

    /usr/bin/python3 bench/compare_pytorch.py --kanscan-bench build/bench/bench_train_step [--quick]
    /usr/bin/python3 bench/compare_pytorch.py --torch-only [--threads 1] [--details]

For each model of issue #4 (KAN [22,1] ... [22,40,40,1] at G=5, [22,64,1] at G=20, MLP [22,64,1]
and [22,100,100,1]) and each thread count (1, 2) it times, back to back on the same machine:
  * kanscan: the Google Benchmark `bench_train_step` (forward + backward + Adam, and inference);
  * PyTorch: the same model written from the maths (bench/pytorch_models.py), same batch, Adam,
    same input distribution, in a fresh process per model and thread count.
It prints samples/s for both and the ratio kanscan/PyTorch, and can write the table as Markdown.
The PyTorch column is the median of --repeats timed blocks after a warm-up.

What the PyTorch process gets, so that it is measured at its best (bench/torch_diagnose.py
measures each point): every thread pool sized to the thread count (torch intra-op and inter-op,
OMP/OpenBLAS/MKL variables); OpenBLAS's own choice of kernels (OPENBLAS_CORETYPE unset); glibc
malloc settings that keep freed memory (otherwise every step page-faults); Adam(foreach=True);
zero_grad(set_to_none=True); torch.inference_mode() for inference. The KAN is the efficient-kan
formulation (dense expansion + one GEMM), timed twice by default: as efficient-kan's own op
sequence (what users of the PyTorch KAN libraries run; the reference of issue #4) and in the fastest
dense layout we found (--kan-impl selects).
Machines are shared and noisy: the two sides of one row are measured within seconds of each other;
rerun to see the spread (--details prints it, with CPU-time rates). Nothing here asserts a time.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
KAN_IMPLS = ("efficient-kan", "fast", "fast-autograd", "efficient-kan-lib")

MODELS = [
    ("kan", [22, 1], 5),
    ("kan", [22, 3, 1], 5),
    ("kan", [22, 45, 1], 5),
    ("kan", [22, 64, 1], 5),
    ("kan", [22, 40, 40, 1], 5),
    ("kan", [22, 64, 1], 20),
    ("mlp", [22, 64, 1], 0),
    ("mlp", [22, 100, 100, 1], 0),
]


def model_name(kind, widths, grid):
    name = f"{kind}/{'-'.join(map(str, widths))}"
    return name + (f"/G{grid}" if kind == "kan" else "")


# glibc gives freed memory back to the kernel (heap trimming; blocks above its dynamic mmap
# threshold are unmapped on free), so a PyTorch step that allocates and frees MB-sized tensors
# first-touches fresh pages again and again: 700-5,500 minor page faults per KAN training step and
# 40-80 per MLP step measured here, at 11-14 us of CPU each on this VM (bench/torch_diagnose.py), i.e.
# most of the KAN step; how many depends on the allocation history of the process, so the old
# figures also jumped from run to run. Keeping freed memory in the process is what PyTorch's CPU
# tuning guide gets by preloading jemalloc or tcmalloc; these glibc settings do it without a
# package. kanscan allocates its workspaces once and does not page-fault per step.
GLIBC_MALLOC_TUNED = {
    "MALLOC_MMAP_THRESHOLD_": str(32 << 20),  # glibc's largest allowed value
    "MALLOC_TRIM_THRESHOLD_": str(1 << 30),
    "MALLOC_TOP_PAD_": str(64 << 20),
}


def blas_core():
    """Kernel family OpenBLAS picked (DYNAMIC_ARCH builds), or None for another BLAS."""
    import ctypes

    for line in open("/proc/self/maps"):
        path = line.split()[-1]
        if os.path.basename(path).startswith("libopenblas"):
            try:
                lib = ctypes.CDLL(path)
                lib.openblas_get_corename.restype = ctypes.c_char_p
                return lib.openblas_get_corename().decode()
            except (OSError, AttributeError):
                return None
    return None


def torch_worker(args):
    """Runs inside a subprocess so that the thread count and BLAS/allocator environment are clean."""
    import resource

    import torch

    sys.path.insert(0, HERE)
    import pytorch_models as pm

    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)  # before any inter-op work; nothing here runs ops in parallel
    torch.autograd.set_detect_anomaly(False)
    if args.flush_denormal:
        torch.set_flush_denormal(True)
    torch.manual_seed(0)
    kind, widths, grid = args.kind, [int(w) for w in args.widths.split("-")], args.grid
    if kind == "kan" and args.kan_impl == "efficient-kan-lib":
        # The efficient-kan library itself, from a checkout (--efficient-kan-src): its KAN class with
        # the defaults its users get (grid_range [-1, 1], SiLU base, learnable spline scaler).
        sys.path.insert(0, args.efficient_kan_src)
        from efficient_kan import KAN
        model = KAN(widths, grid_size=grid, spline_order=3)
    else:
        model = pm.kan(widths, grid, impl=args.kan_impl) if kind == "kan" else pm.mlp(widths)
    # The batch kanscan's bench_train_step uses: x uniform in [-0.99, 0.99] (inside the grid), y 0/1.
    x = torch.rand(args.batch, widths[0]) * 1.98 - 0.99
    y = (torch.rand(args.batch, 1) < 0.5).float()
    # foreach: one multi-tensor op per Adam stage instead of a Python loop over the parameters.
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, foreach=args.adam_foreach)
    loss_fn = torch.nn.BCEWithLogitsLoss()

    def train_step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()

    def infer_step():
        with torch.inference_mode():
            model(x)

    out = {"params": pm.n_params(model), "blas_core": blas_core(), "threads": torch.get_num_threads(),
           "interop_threads": torch.get_num_interop_threads()}
    for mode, step in (("train", train_step), ("infer", infer_step)):
        n, t0 = 0, time.perf_counter()  # warm-up: allocator pools, OpenMP team, Adam state, caches
        while n < 20 or time.perf_counter() - t0 < 0.2 * args.seconds:
            step()
            n += 1
        wall, cpu, faults = [], [], []
        for _ in range(args.repeats):
            f0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
            n, t0, c0 = 0, time.perf_counter(), time.process_time()
            while True:
                step()
                n += 1
                dt = time.perf_counter() - t0
                if dt > args.seconds and n >= 5:
                    break
            wall.append(n * args.batch / dt)
            cpu.append(n * args.batch / max(time.process_time() - c0, 1e-9))
            faults.append((resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f0) / n)
        out[mode] = statistics.median(wall)
        out[mode + "_wall"] = wall
        out[mode + "_cpu"] = cpu
        out[mode + "_faults_per_step"] = statistics.median(faults)
    print(json.dumps(out))


def torch_env(threads, malloc="tuned", keep_coretype=False):
    """Environment of a PyTorch process: thread counts for every pool, BLAS kernels, allocator."""
    env = dict(os.environ)
    if not keep_coretype:
        # A forced OPENBLAS_CORETYPE (this machine's environment sets Haswell, AVX2 kernels) overrides
        # OpenBLAS's own detection, which picks its AVX-512 kernels (Cooperlake) on this EPYC.
        env.pop("OPENBLAS_CORETYPE", None)
        env.pop("OPENBLAS_L2_SIZE", None)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = str(threads)
    for var in GLIBC_MALLOC_TUNED:
        env.pop(var, None)
    if malloc == "tuned":
        env.update(GLIBC_MALLOC_TUNED)
    return env


def run_torch(kind, widths, grid, threads, batch, seconds, repeats=3, kan_impl="fast", malloc="tuned",
              adam_foreach=True, flush_denormal=False, keep_coretype=False, efficient_kan_src=None):
    env = torch_env(threads, malloc, keep_coretype)
    cmd = [sys.executable, os.path.abspath(__file__), "--torch-worker", "--kind", kind,
           "--widths", "-".join(map(str, widths)), "--grid", str(grid), "--threads", str(threads),
           "--batch", str(batch), "--seconds", str(seconds), "--repeats", str(repeats), "--kan-impl", kan_impl,
           "--adam-foreach", "1" if adam_foreach else "0"]
    if efficient_kan_src:
        cmd += ["--efficient-kan-src", efficient_kan_src]
    if flush_denormal:
        cmd.append("--flush-denormal")
    res = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if res.returncode != 0:
        raise SystemExit(f"PyTorch worker failed ({' '.join(cmd)}):\n{res.stderr}")
    return json.loads(res.stdout.strip().splitlines()[-1])


def run_kanscan(binary, kind, widths, grid, threads, batch, seconds):
    out = {}
    for mode in ("train", "infer"):
        name = f"{mode}/{model_name(kind, widths, grid)}/b{batch}/t{threads}"
        cmd = [binary, f"--benchmark_filter=^{name}(/real_time)?$", "--benchmark_format=json",
               f"--benchmark_min_time={seconds}"]
        res = subprocess.run(cmd, capture_output=True, text=True, check=True)
        data = json.loads(res.stdout)
        runs = [b for b in data["benchmarks"] if b.get("run_type", "iteration") == "iteration"]
        if not runs:
            raise SystemExit(f"benchmark {name} not found in {binary}")
        out[mode] = runs[0]["items_per_second"]
        out["params"] = int(runs[0].get("params", 0))
    return out


def fmt_rate(v):
    return "-" if v is None else f"{v:,.0f}"


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--kanscan-bench", help="path to build/bench/bench_train_step")
    p.add_argument("--torch-only", action="store_true", help="time only PyTorch (no kanscan binary needed)")
    p.add_argument("--batch", type=int, default=1024)
    p.add_argument("--threads", default="1,2")
    p.add_argument("--seconds", type=float, default=1.0, help="minimum timing per measurement")
    p.add_argument("--repeats", type=int, default=3,
                   help="PyTorch timing blocks of --seconds each after warm-up; the median is reported")
    p.add_argument("--quick", action="store_true", help="fewer models, shorter timings")
    p.add_argument("--models", help="comma-separated subset of the model names printed, e.g. kan/22-64-1/G5")
    p.add_argument("--markdown", help="also write the table to this Markdown file")
    p.add_argument("--details", action="store_true",
                   help="also print each PyTorch measurement's spread, CPU-time rate, page faults and BLAS")
    p.add_argument("--kan-impl", default="efficient-kan,fast",
                   help="comma-separated PyTorch KAN layers to time, one column each (bench/pytorch_models.py): "
                        "'efficient-kan' is that library's op sequence (the issue's reference), 'fast' the same "
                        "dense model in the fastest layout we found, 'fast-autograd' that layout through autograd, "
                        "'efficient-kan-lib' the efficient-kan library itself (--efficient-kan-src)")
    p.add_argument("--efficient-kan-src",
                   help="the src/ folder of an efficient-kan checkout, for --kan-impl efficient-kan-lib (the "
                        "library itself, imported from there; nothing of it is copied into kanscan)")
    p.add_argument("--malloc", default="tuned", choices=["tuned", "default"],
                   help="glibc malloc settings of the PyTorch process ('default' page-faults on every step)")
    p.add_argument("--adam-foreach", default="1", choices=["0", "1"], help="torch.optim.Adam(foreach=...)")
    p.add_argument("--flush-denormal", action="store_true", help="torch.set_flush_denormal(True) (kanscan does not)")
    p.add_argument("--keep-coretype", action="store_true",
                   help="keep OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE from the environment for PyTorch")
    p.add_argument("--no-check", action="store_true", help="skip bench/torch_check.py before timing")
    # worker mode
    p.add_argument("--torch-worker", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--kind", help=argparse.SUPPRESS)
    p.add_argument("--widths", help=argparse.SUPPRESS)
    p.add_argument("--grid", type=int, default=5, help=argparse.SUPPRESS)
    args = p.parse_args()
    args.adam_foreach = args.adam_foreach == "1"
    if args.torch_worker:
        args.threads = int(args.threads)
        return torch_worker(args)
    if not args.kanscan_bench and not args.torch_only:
        p.error("--kanscan-bench is required (or --torch-only)")
    if not args.no_check:
        import torch_check  # the KAN layouts must compute the same model before any of them is timed

        problems = torch_check.check()
        if problems:
            raise SystemExit("bench/torch_check.py failed:\n" + "\n".join(problems))
    models = MODELS[3:4] + MODELS[6:7] if args.quick else MODELS
    if args.models:
        wanted = args.models.split(",")
        unknown = set(wanted) - {model_name(*m) for m in MODELS}
        if unknown:
            p.error(f"--models: unknown {sorted(unknown)}; known: {', '.join(model_name(*m) for m in MODELS)}")
        models = [m for m in MODELS if model_name(*m) in wanted]
    seconds = 0.3 if args.quick else args.seconds
    impls = args.kan_impl.split(",")
    bad = [i for i in impls if i not in KAN_IMPLS]
    if bad:
        p.error(f"--kan-impl: unknown {bad}; known: {', '.join(KAN_IMPLS)}")
    if "efficient-kan-lib" in impls and not (args.efficient_kan_src and
                                             os.path.isfile(os.path.join(args.efficient_kan_src, "efficient_kan", "kan.py"))):
        p.error("--kan-impl efficient-kan-lib needs --efficient-kan-src DIR with efficient_kan/kan.py in it")
    rows, details = [], []
    # One PyTorch column and one ratio per KAN implementation (MLP rows: the same PyTorch MLP).
    header = ["model", "params", "threads", "mode", "kanscan samples/s"]
    for impl in impls:
        header += [f"PyTorch {impl}", "ratio"]
    line = "{:<22} {:>7} {:>7} {:>6} {:>18}" + " {:>20} {:>7}" * len(impls)
    print(line.format(*header), flush=True)
    for kind, widths, grid in models:
        for t in [int(s) for s in args.threads.split(",")]:
            ks = None if args.torch_only else run_kanscan(args.kanscan_bench, kind, widths, grid, t, args.batch, seconds)
            pts = {}
            for impl in impls if kind == "kan" else impls[:1]:
                pts[impl] = run_torch(kind, widths, grid, t, args.batch, seconds, args.repeats, impl, args.malloc,
                                      args.adam_foreach, args.flush_denormal, args.keep_coretype,
                                      args.efficient_kan_src)
            for mode in ("train", "infer"):
                k = None if ks is None else ks[mode]
                first = next(iter(pts.values()))
                row = [model_name(kind, widths, grid), first["params"], t, mode, k]
                for impl in impls:
                    pt = pts.get(impl, first)
                    row += [pt[mode], None if k is None else k / pt[mode]]
                rows.append(row)
                cells = [row[0], row[1], row[2], row[3], fmt_rate(k)]
                for i in range(len(impls)):
                    r = row[6 + 2 * i]
                    cells += [fmt_rate(row[5 + 2 * i]), "-" if r is None else f"{r:.1f}x"]
                print(line.format(*cells), flush=True)
                for impl, pt in pts.items():
                    wall = pt[mode + "_wall"]
                    details.append(f"{row[0]} t{t} {mode} [{impl if kind == 'kan' else 'mlp'}]: wall min/median/max "
                                   f"{min(wall):,.0f} / {pt[mode]:,.0f} / {max(wall):,.0f}, CPU-time median "
                                   f"{statistics.median(pt[mode + '_cpu']):,.0f} samples/s, "
                                   f"{pt[mode + '_faults_per_step']:.0f} page faults/step, BLAS {pt['blas_core']}, "
                                   f"torch threads {pt['threads']}/{pt['interop_threads']}")
    if args.details:
        print("\nPyTorch details (" + ", ".join(f"{k}={v}" for k, v in (
            ("malloc", args.malloc), ("adam-foreach", args.adam_foreach),
            ("flush-denormal", args.flush_denormal), ("keep-coretype", args.keep_coretype))) + "):")
        print("\n".join(details))
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write("| " + " | ".join(header) + " |\n|" + "---|" * len(header) + "\n")
            for r in rows:
                cells = [str(r[0]), str(r[1]), str(r[2]), r[3], fmt_rate(r[4])]
                for i in range(len(impls)):
                    ratio = r[6 + 2 * i]
                    cells += [f"{r[5 + 2 * i]:,.0f}", "-" if ratio is None else f"{ratio:.1f}x"]
                f.write("| " + " | ".join(cells) + " |\n")

if __name__ == "__main__":
    main()
