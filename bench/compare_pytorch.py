#!/usr/bin/env python3
"""Side-by-side training and inference throughput: kanscan vs PyTorch, measured in one run.

    /usr/bin/python3 bench/compare_pytorch.py --kanscan-bench build/bench/bench_train_step [--quick]

For each model of issue #4 (KAN [22,1] ... [22,40,40,1] at G=5, [22,64,1] at G=20, MLP [22,64,1]
and [22,100,100,1]) and each thread count (1, 2) it times, back to back on the same machine:
  * kanscan: the Google Benchmark `bench_train_step` (forward + backward + Adam, and inference);
  * PyTorch: the same model written from the maths (bench/pytorch_models.py), same batch, Adam.
It prints samples/s for both and the ratio kanscan/PyTorch, and can write the table as Markdown.
Machines are shared and noisy: the two sides of one row are measured within seconds of each other;
rerun to see the spread. Nothing here asserts a time.
"""
import argparse
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))

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


def torch_worker(args):
    """Runs inside a subprocess so that the thread count and BLAS environment are clean."""
    import torch

    sys.path.insert(0, HERE)
    import pytorch_models as pm

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    kind, widths, grid = args.kind, [int(w) for w in args.widths.split("-")], args.grid
    model = pm.kan(widths, grid) if kind == "kan" else pm.mlp(widths)
    x = torch.randn(args.batch, widths[0]).clamp(-0.99, 0.99)
    y = (torch.rand(args.batch, 1) < 0.5).float()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.BCEWithLogitsLoss()

    def train_step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()

    def infer_step():
        with torch.no_grad():
            model(x)

    out = {"params": pm.n_params(model)}
    for mode, step in (("train", train_step), ("infer", infer_step)):
        for _ in range(3):
            step()
        n, t0 = 0, time.perf_counter()
        while True:
            step()
            n += 1
            dt = time.perf_counter() - t0
            if dt > args.seconds and n >= 5:
                break
        out[mode] = n * args.batch / dt
    print(json.dumps(out))


def run_torch(kind, widths, grid, threads, batch, seconds):
    env = dict(os.environ)
    # Older OpenBLAS needed these on some CPUs; they slow a current one (see docs/performance.md).
    env.pop("OPENBLAS_CORETYPE", None)
    env.pop("OPENBLAS_L2_SIZE", None)
    env["OMP_NUM_THREADS"] = str(threads)
    cmd = [sys.executable, os.path.abspath(__file__), "--torch-worker", "--kind", kind,
           "--widths", "-".join(map(str, widths)), "--grid", str(grid), "--threads", str(threads),
           "--batch", str(batch), "--seconds", str(seconds)]
    res = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
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


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--kanscan-bench", help="path to build/bench/bench_train_step")
    p.add_argument("--batch", type=int, default=1024)
    p.add_argument("--threads", default="1,2")
    p.add_argument("--seconds", type=float, default=1.0, help="minimum timing per measurement")
    p.add_argument("--quick", action="store_true", help="fewer models, shorter timings")
    p.add_argument("--markdown", help="also write the table to this Markdown file")
    # worker mode
    p.add_argument("--torch-worker", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--kind", help=argparse.SUPPRESS)
    p.add_argument("--widths", help=argparse.SUPPRESS)
    p.add_argument("--grid", type=int, default=5, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.torch_worker:
        args.threads = int(args.threads)
        return torch_worker(args)
    if not args.kanscan_bench:
        p.error("--kanscan-bench is required")
    models = MODELS[3:4] + MODELS[6:7] if args.quick else MODELS
    seconds = 0.3 if args.quick else args.seconds
    rows = []
    header = ("model", "params", "threads", "mode", "kanscan samples/s", "PyTorch samples/s", "ratio")
    print("{:<22} {:>7} {:>7} {:>6} {:>18} {:>18} {:>7}".format(*header), flush=True)
    for kind, widths, grid in models:
        for t in [int(s) for s in args.threads.split(",")]:
            ks = run_kanscan(args.kanscan_bench, kind, widths, grid, t, args.batch, seconds)
            pt = run_torch(kind, widths, grid, t, args.batch, seconds)
            for mode in ("train", "infer"):
                row = (model_name(kind, widths, grid), pt["params"], t, mode, ks[mode], pt[mode], ks[mode] / pt[mode])
                rows.append(row)
                print("{:<22} {:>7} {:>7} {:>6} {:>18,.0f} {:>18,.0f} {:>6.1f}x".format(*row), flush=True)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write("| " + " | ".join(header) + " |\n|" + "---|" * len(header) + "\n")
            for r in rows:
                f.write(f"| {r[0]} | {r[1]} | {r[2]} | {r[3]} | {r[4]:,.0f} | {r[5]:,.0f} | {r[6]:.1f}x |\n")


if __name__ == "__main__":
    main()
