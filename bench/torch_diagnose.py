#!/usr/bin/env python3
"""Where the PyTorch baseline of bench/compare_pytorch.py loses time: one fix at a time.

    /usr/bin/python3 bench/torch_diagnose.py [--models kan/22-64-1/G5,...] [--seconds 0.5] [--repeats 3]
    /usr/bin/python3 bench/torch_diagnose.py --profile kan/22-64-1/G5 --rung 0

Times PyTorch only (1 thread by default, batch 1024, Adam) on a ladder of configurations, each
adding one change to the one before, so that the gain of each change can be read off the table:

  0  efficient-kan's op sequence, glibc malloc as shipped, Adam's per-parameter loop
  1  + glibc malloc that keeps freed memory (no page faults per step)
  2  + Adam(foreach=True)
  3  + [feature, batch] layout, division-free recursion, ge() straight into float (autograd backward)
  4  + the B-spline derivative formula instead of autograd through the recursion (the baseline)

and side runs of rung 4 with one setting changed (5: OPENBLAS_CORETYPE from the environment, 6:
flushing denormals, 7: glibc malloc as shipped), and 8: rung 1 with the environment's
OPENBLAS_CORETYPE, the conditions under which the reference PyTorch figures (efficient-kan and
MLPs under Debian's PyTorch 1.13 + OpenBLAS on a 2-core AMD EPYC machine; docs/performance.md,
"Reference PyTorch figures") are reproduced. Rungs 3-4 only change KAN layers; MLPs stop at rung 2.
Each cell: median wall-clock samples/s over --repeats blocks, CPU-time samples/s, page faults per
step. `--profile` prints torch.profiler's top operators of the training step for one model and
rung, to see what the time is spent on. Nothing here asserts a time; the machine may be shared, so
the load average is printed before and after.
"""
import argparse
import os
import resource
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import compare_pytorch as cp  # noqa: E402

RUNGS = [
    ("efficient-kan ops, glibc default, Adam loop", dict(kan_impl="efficient-kan", malloc="default", adam_foreach=False)),
    ("+ malloc keeps freed memory", dict(kan_impl="efficient-kan", malloc="tuned", adam_foreach=False)),
    ("+ Adam foreach", dict(kan_impl="efficient-kan", malloc="tuned", adam_foreach=True)),
    ("+ [feature,batch] layout, autograd", dict(kan_impl="fast-autograd", malloc="tuned", adam_foreach=True)),
    ("+ B-spline derivative formula", dict(kan_impl="fast", malloc="tuned", adam_foreach=True)),
]
SIDE = [
    ("rung 4, OPENBLAS_CORETYPE kept", dict(kan_impl="fast", malloc="tuned", adam_foreach=True, keep_coretype=True)),
    ("rung 4, flush denormals", dict(kan_impl="fast", malloc="tuned", adam_foreach=True, flush_denormal=True)),
    ("rung 4, glibc default", dict(kan_impl="fast", malloc="default", adam_foreach=True)),
    # The conditions that reproduce the reference figures (docs/performance.md): efficient-kan as
    # published, the environment's OPENBLAS_CORETYPE (Haswell kernels), an allocator that does not
    # page-fault every step.
    ("rung 1, OPENBLAS_CORETYPE kept", dict(kan_impl="efficient-kan", malloc="tuned", adam_foreach=False,
                                            keep_coretype=True)),
]
DEFAULT_MODELS = ["kan/22-1/G5", "kan/22-3-1/G5", "kan/22-45-1/G5", "kan/22-64-1/G5", "kan/22-40-40-1/G5",
                  "mlp/22-64-1", "mlp/22-100-100-1"]
# The reference (train, infer) samples/s of docs/performance.md, "Reference PyTorch figures":
# efficient-kan and MLPs under Debian's PyTorch 1.13 + OpenBLAS, 2-core AMD EPYC, 1 thread, batch 1024.
REFERENCE = {
    "kan/22-1/G5": (465_800, 547_799), "kan/22-3-1/G5": (321_033, 438_188),
    "kan/22-45-1/G5": (86_828, 163_148), "kan/22-64-1/G5": (66_260, 132_590),
    "kan/22-40-40-1/G5": (52_488, 109_181), "mlp/22-100-100-1": (811_946, 3_005_970),
    "mlp/22-64-1": (2_966_737, 15_185_248),
}


def load():
    return os.getloadavg()[0]


def page_fault_cost(megabytes=128):
    """CPU microseconds per minor page fault: first touch of fresh anonymous pages, minus the same
    loop over pages already touched."""
    import mmap

    size, page = megabytes << 20, mmap.PAGESIZE
    fresh = mmap.mmap(-1, size)
    f0, t0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt, time.process_time()
    for off in range(0, size, page):
        fresh[off] = 1
    t_fresh = time.process_time() - t0
    n_faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f0
    t0 = time.process_time()
    for off in range(0, size, page):
        fresh[off] = 2
    t_warm = time.process_time() - t0
    fresh.close()
    return (t_fresh - t_warm) / max(n_faults, 1) * 1e6


def profile_worker(args):
    import torch
    from torch.profiler import ProfilerActivity, profile

    import pytorch_models as pm

    opts = (RUNGS + SIDE)[args.rung][1]
    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    if opts.get("flush_denormal"):
        torch.set_flush_denormal(True)
    kind, widths, grid = next(m for m in cp.MODELS if cp.model_name(*m) == args.profile)
    torch.manual_seed(0)
    model = pm.kan(widths, grid, impl=opts["kan_impl"]) if kind == "kan" else pm.mlp(widths)
    x = torch.rand(args.batch, widths[0]) * 1.98 - 0.99
    y = (torch.rand(args.batch, 1) < 0.5).float()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, foreach=opts["adam_foreach"])
    loss_fn = torch.nn.BCEWithLogitsLoss()

    def step():
        opt.zero_grad(set_to_none=True)
        loss_fn(model(x), y).backward()
        opt.step()

    def faults():
        return resource.getrusage(resource.RUSAGE_SELF).ru_minflt

    for _ in range(20):
        step()
    if opts["malloc"] == "tuned":
        # Touch 512 MB of heap once and free it (kept by the tuned malloc), so that the profiler's
        # growing records reuse touched memory instead of charging page faults to the ops.
        blocks = [torch.ones(4 << 20) for _ in range(32)]
        blocks.clear()
    f0, t0 = faults(), time.process_time()
    for _ in range(args.steps):
        step()
    plain = ((faults() - f0) / args.steps, (time.process_time() - t0) / args.steps * 1e3)
    f0 = faults()
    with profile(activities=[ProfilerActivity.CPU], with_stack=False) as prof:
        for _ in range(args.steps):
            step()
    profiled = (faults() - f0) / args.steps
    print(f"{args.profile}, rung {args.rung} ({(RUNGS + SIDE)[args.rung][0]}), {args.steps} training steps:")
    # The profiler's own records grow the heap, so a profiled step may page-fault where a plain one
    # does not; the fault counts say how far the profile can be trusted.
    print(f"without the profiler: {plain[1]:.2f} ms CPU and {plain[0]:.0f} page faults per step; "
          f"with it: {profiled:.0f} page faults per step")
    print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=args.rows))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--models", default=",".join(DEFAULT_MODELS))
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--batch", type=int, default=1024)
    p.add_argument("--seconds", type=float, default=0.5)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--no-side", action="store_true", help="skip the side runs")
    p.add_argument("--configs", help="comma-separated configuration numbers to run (default: all)")
    p.add_argument("--profile", help="profile the training step of this model instead")
    p.add_argument("--rung", type=int, default=4, help="configuration to profile (0-4, 5-8 the side runs)")
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--rows", type=int, default=20)
    p.add_argument("--profile-worker", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    names = {cp.model_name(*m): m for m in cp.MODELS}
    if args.profile_worker:
        return profile_worker(args)
    if args.profile:
        if args.profile not in names:
            p.error(f"--profile: unknown model {args.profile}; known: {', '.join(names)}")
        if not 0 <= args.rung < len(RUNGS) + len(SIDE):
            p.error(f"--rung must be in 0..{len(RUNGS) + len(SIDE) - 1}")
        opts = (RUNGS + SIDE)[args.rung][1]
        env = cp.torch_env(args.threads, opts["malloc"], opts.get("keep_coretype", False))
        cmd = [sys.executable, os.path.abspath(__file__), "--profile-worker", "--profile", args.profile,
               "--rung", str(args.rung), "--threads", str(args.threads), "--batch", str(args.batch),
               "--steps", str(args.steps), "--rows", str(args.rows)]
        return subprocess.run(cmd, env=env, check=True).returncode
    models = args.models.split(",")
    unknown = [m for m in models if m not in names]
    if unknown:
        p.error(f"--models: unknown {unknown}; known: {', '.join(names)}")
    configs = list(enumerate(RUNGS)) + ([] if args.no_side else [(len(RUNGS) + i, s) for i, s in enumerate(SIDE)])
    if args.configs:
        wanted = [int(c) for c in args.configs.split(",")]
        if any(not 0 <= c < len(RUNGS) + len(SIDE) for c in wanted):
            p.error(f"--configs: numbers must be in 0..{len(RUNGS) + len(SIDE) - 1}")
        configs = [(i, (RUNGS + SIDE)[i]) for i in wanted]
    print(f"# PyTorch diagnosis, {args.threads} thread(s), batch {args.batch}; "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; load average {load():.2f} at start; "
          f"a minor page fault costs {page_fault_cost():.1f} us of CPU here\n")
    print("| model | # | configuration | train samples/s | (CPU time) | faults/step | infer samples/s "
          "| (CPU time) | reference train / infer |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name in models:
        kind, widths, grid = names[name]
        ref = REFERENCE.get(name) if args.threads == 1 and args.batch == 1024 else None
        for i, (label, opts) in configs:
            if kind == "mlp" and opts["kan_impl"] != "efficient-kan" and i < len(RUNGS):
                continue
            r = cp.run_torch(kind, widths, grid, args.threads, args.batch, args.seconds, args.repeats, **opts)
            cpu_t, cpu_i = (sorted(r[m + "_cpu"])[len(r[m + "_cpu"]) // 2] for m in ("train", "infer"))
            ref_s = f"{ref[0]:,} / {ref[1]:,}" if ref and i == configs[0][0] else ""
            print(f"| {name} | {i} | {label} ({r['blas_core']}) | {r['train']:,.0f} | {cpu_t:,.0f} | {r['train_faults_per_step']:.0f} "
                  f"| {r['infer']:,.0f} | {cpu_i:,.0f} | {ref_s} |", flush=True)
    print(f"\nload average {load():.2f} at end (the OpenBLAS kernels used are in brackets)")


if __name__ == "__main__":
    main()
