#!/usr/bin/python3
"""Iterations per second of the paper's optimizer, preset 3 (decay 1e-4, blur sigma 1 every 4 steps, lr 100, the
pixel clip), on an AlexNet-shaped random-weight model at 224x224: deepvis (`deepvis optimize`, its own timer around
the loop) against a plain PyTorch implementation of the same loop, in the same run on this machine.

Usage: bench/optimizer_vs_torch.py [--iters 40] [--record] [--deepvis build/deepvis]
"""
import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from compare_peers import export  # noqa: E402  (same model files as the peer benchmark)


def gaussian_kernel(sigma):
    radius = int(4 * sigma + 0.5)
    x = np.arange(-radius, radius + 1, dtype=np.float64)
    k = np.exp(-0.5 * x * x / (sigma * sigma))
    return torch.tensor(k / k.sum(), dtype=torch.float32), radius


def torch_loop(iters, unit=0):
    import torchvision
    torch.set_num_threads(os.cpu_count())
    model = torchvision.models.alexnet(weights=None).eval()
    for p in model.parameters():
        p.requires_grad_(False)
    mean = torch.zeros(1, 3, 1, 1)
    x = torch.randn(1, 3, 224, 224) * 10
    k, r = gaussian_kernel(1.0)
    kh = k.view(1, 1, -1, 1).repeat(3, 1, 1, 1)
    kw = k.view(1, 1, 1, -1).repeat(3, 1, 1, 1)
    t0 = time.perf_counter()
    for ii in range(iters):
        x = (x + mean).clamp(0, 255) - mean
        xi = x.clone().requires_grad_(True)
        model(xi)[0, unit].backward()
        g = xi.grad
        if ii == iters - 1:
            break
        x = (x + 100.0 * g) * (1 - 1e-4)
        if ii % 4 == 0:
            x = F.conv2d(F.pad(x, (0, 0, r, r), mode="reflect"), kh, groups=3)
            x = F.conv2d(F.pad(x, (r, r, 0, 0), mode="reflect"), kw, groups=3)
    return iters / (time.perf_counter() - t0)


def deepvis_loop(binary, model_path, iters):
    layer = json.loads(subprocess.run([binary, "info", "--model", model_path, "--json"], check=True,
                                      capture_output=True, text=True).stdout)["outputs"][0]["name"]
    out = subprocess.run([binary, "optimize", "--model", model_path, "--layer", layer, "--unit", "0", "--preset", "3",
                          "--max-iter", str(iters), "--out", "/tmp/deepvis_bench_opt", "--json"],
                         check=True, capture_output=True, text=True).stdout
    return iters / json.loads(out[out.index("{"):])["seconds"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--iters", type=int, default=40)
    ap.add_argument("--record", action="store_true")
    ap.add_argument("--deepvis", default=os.path.join(os.path.dirname(HERE), "build", "deepvis"))
    args = ap.parse_args()
    model_path = export("alexnet")
    dv = deepvis_loop(args.deepvis, model_path, args.iters)
    pt = torch_loop(args.iters)
    table = ("| workload | deepvis it/s | PyTorch it/s | deepvis / PyTorch |\n|---|---|---|---|\n"
             f"| preset 3, AlexNet 224, batch 1 | {dv:.2f} | {pt:.2f} | {dv / pt:.2f}x |")
    print(table)
    if args.record:
        with open(os.path.join(HERE, "RESULTS.md"), "a") as f:
            f.write(f"\n## {datetime.date.today()}: optimizer, CPU backend, {args.iters} iterations\n\n"
                    f"Machine: {platform.node()}, {os.cpu_count()} cores; no GPU. Higher is better.\n\n{table}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
