#!/usr/bin/python3
"""Times deepvis against its peers on the same ONNX files, in the same run, on this machine:
  forward  - deepvis vs OpenCV DNN vs PyTorch (eager, no_grad)
  step     - forward + backward to the input (one unit seeded) - deepvis vs PyTorch
Models are torchvision architectures with random weights (timing does not depend on the weights), exported once
into bench/models/ (git-ignored). Prints a markdown table and, with --record, appends it to bench/RESULTS.md.

Usage: bench/compare_peers.py [--models alexnet,vgg16,resnet50] [--iters 20] [--rounds 3] [--record]
                              [--deepvis build/deepvis]
The peers take turns: each round times deepvis, OpenCV DNN and PyTorch one after the other, so a change in the
machine's load (this is a shared VM) hits all of them alike. A time is the median over rounds of each round's
median; a ratio is the median of the per-round ratios, with their range.
Needs Debian's python3-torch, python3-torchvision and python3-opencv (scripts/setup-deps installs the first two;
the bench installs python3-opencv itself if missing).
"""
import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def ensure_opencv():
    try:
        import cv2  # noqa: F401
    except ImportError:
        subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", "python3-opencv"], check=True)


def export(name, size=224):
    import torch
    import torchvision
    path = os.path.join(HERE, "models", f"{name}_{size}.onnx")
    if not os.path.exists(path):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        kwargs = {"aux_logits": False, "init_weights": True} if name == "googlenet" else {}
        model = getattr(torchvision.models, name)(weights=None, **kwargs).eval()
        torch.onnx.export(model, torch.randn(1, 3, size, size), path, opset_version=13)
    return path


def median_ms(fn, iters, warmup=3):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(iters):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def torch_timers(name, size, iters):
    import torch
    import torchvision
    torch.set_num_threads(os.cpu_count())
    kwargs = {"aux_logits": False, "init_weights": True} if name == "googlenet" else {}
    model = getattr(torchvision.models, name)(weights=None, **kwargs).eval()
    x = torch.randn(1, 3, size, size)

    def forward():
        with torch.no_grad():
            model(x)

    def step():
        xi = x.clone().requires_grad_(True)
        model(xi)[0, 0].backward()

    return (lambda: median_ms(forward, iters)), (lambda: median_ms(step, iters))


def opencv_timer(path, size, iters):
    import cv2
    import numpy as np
    try:
        net = cv2.dnn.readNetFromONNX(path)
    except cv2.error as e:  # OpenCV 4.6's importer refuses some exports (e.g. Identity nodes)
        print(f"OpenCV DNN cannot read {os.path.basename(path)}: {str(e).splitlines()[-1]}", file=sys.stderr)
        return None
    blob = np.random.randn(1, 3, size, size).astype(np.float32)

    def forward():
        net.setInput(blob)
        net.forward()

    return lambda: median_ms(forward, iters)


def time_deepvis(binary, path, what, iters):
    out = subprocess.run([binary, "bench", "--model", path, "--what", what, "--iters", str(iters), "--json"],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])["median_ms"]


def ratio_text(ours, theirs):
    """The median of the per-round ratios, and their range when there is more than one round."""
    ratios = sorted(a / b for a, b in zip(ours, theirs))
    text = f"{statistics.median(ratios):.2f}"
    return text + (f" ({ratios[0]:.2f}-{ratios[-1]:.2f})" if len(ratios) > 1 else "")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", default="alexnet,vgg16,resnet50")
    ap.add_argument("--iters", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--record", action="store_true")
    ap.add_argument("--deepvis", default=os.path.join(ROOT, "build", "deepvis"))
    args = ap.parse_args()
    ensure_opencv()
    lines = [
        "| model | deepvis fwd ms | OpenCV DNN fwd ms | PyTorch fwd ms | fwd ratio vs OpenCV | deepvis step ms | "
        "PyTorch step ms | step ratio vs PyTorch |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name in args.models.split(","):
        path = export(name)
        cv = opencv_timer(path, 224, args.iters)
        pt_fwd, pt_step = torch_timers(name, 224, args.iters)
        t = {key: [] for key in ("dv_fwd", "cv_fwd", "pt_fwd", "dv_step", "pt_step")}
        for _ in range(args.rounds):
            t["dv_fwd"].append(time_deepvis(args.deepvis, path, "forward", args.iters))
            if cv:
                t["cv_fwd"].append(cv())
            t["pt_fwd"].append(pt_fwd())
            t["dv_step"].append(time_deepvis(args.deepvis, path, "step", args.iters))
            t["pt_step"].append(pt_step())
        print(f"{name}: done", file=sys.stderr, flush=True)
        med = {key: statistics.median(v) if v else None for key, v in t.items()}
        cv_text = f"{med['cv_fwd']:.1f}" if cv else "n/a (import fails)"
        cv_ratio = ratio_text(t["dv_fwd"], t["cv_fwd"]) if cv else "n/a"
        lines.append(f"| {name} | {med['dv_fwd']:.1f} | {cv_text} | {med['pt_fwd']:.1f} | {cv_ratio} | "
                     f"{med['dv_step']:.1f} | {med['pt_step']:.1f} | {ratio_text(t['dv_step'], t['pt_step'])} |")
    table = "\n".join(lines)
    print(table)
    if args.record:
        cpu = "unknown CPU"
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
        header = (f"\n## {datetime.date.today()}: CPU backend, batch 1, fp32, 224x224, median of {args.iters} "
                  f"per round, {args.rounds} rounds (peers take turns)\n\n"
                  f"Machine: {platform.node()}, {os.cpu_count()} cores ({cpu}); no GPU. Ratio < 1 means deepvis "
                  "is faster.\n\n")
        with open(os.path.join(HERE, "RESULTS.md"), "a") as f:
            f.write(header + table + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
