#!/usr/bin/python3
"""Times deepvis against its peers on the same ONNX files, in the same run, on this machine:
  forward  - deepvis vs OpenCV DNN vs PyTorch (eager, no_grad)
  step     - forward + backward to the input (one unit seeded) - deepvis vs PyTorch
Models are torchvision architectures with random weights (timing does not depend on the weights), exported once
into bench/models/ (git-ignored). Prints a markdown table and, with --record, appends it to bench/RESULTS.md.

Usage: bench/compare_peers.py [--models alexnet,vgg16,resnet50] [--iters 20] [--record] [--deepvis build/deepvis]
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


def time_torch(name, size, iters):
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

    return median_ms(forward, iters), median_ms(step, iters)


def time_opencv(path, size, iters):
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

    return median_ms(forward, iters)


def time_deepvis(binary, path, what, iters):
    out = subprocess.run([binary, "bench", "--model", path, "--what", what, "--iters", str(iters), "--json"],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])["median_ms"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", default="alexnet,vgg16,resnet50")
    ap.add_argument("--iters", type=int, default=20)
    ap.add_argument("--record", action="store_true")
    ap.add_argument("--deepvis", default=os.path.join(ROOT, "build", "deepvis"))
    args = ap.parse_args()
    ensure_opencv()
    rows = []
    for name in args.models.split(","):
        path = export(name)
        dv_fwd = time_deepvis(args.deepvis, path, "forward", args.iters)
        dv_step = time_deepvis(args.deepvis, path, "step", args.iters)
        cv_fwd = time_opencv(path, 224, args.iters)
        pt_fwd, pt_step = time_torch(name, 224, args.iters)
        rows.append((name, dv_fwd, cv_fwd, pt_fwd, dv_step, pt_step))
        print(f"{name}: done", file=sys.stderr, flush=True)
    lines = [
        "| model | deepvis fwd ms | OpenCV DNN fwd ms | PyTorch fwd ms | fwd ratio vs OpenCV | deepvis step ms | "
        "PyTorch step ms | step ratio vs PyTorch |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, dv_fwd, cv_fwd, pt_fwd, dv_step, pt_step in rows:
        cv_text = f"{cv_fwd:.1f}" if cv_fwd else "n/a (import fails)"
        cv_ratio = f"{dv_fwd / cv_fwd:.2f}" if cv_fwd else "n/a"
        lines.append(f"| {name} | {dv_fwd:.1f} | {cv_text} | {pt_fwd:.1f} | {cv_ratio} | "
                     f"{dv_step:.1f} | {pt_step:.1f} | {dv_step / pt_step:.2f} |")
    table = "\n".join(lines)
    print(table)
    if args.record:
        cpu = "unknown CPU"
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
        header = (f"\n## {datetime.date.today()}: CPU backend, batch 1, fp32, 224x224, median of {args.iters}\n\n"
                  f"Machine: {platform.node()}, {os.cpu_count()} cores ({cpu}); no GPU. Ratio < 1 means deepvis "
                  "is faster.\n\n")
        with open(os.path.join(HERE, "RESULTS.md"), "a") as f:
            f.write(header + table + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
