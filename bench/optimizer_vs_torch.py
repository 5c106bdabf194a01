#!/usr/bin/python3
"""Iterations per second of the paper's optimizer, preset 3 (decay 1e-4, blur sigma 1 every 4 steps, lr 100, the
pixel clip), on an AlexNet-shaped random-weight model at 224x224: deepvis (`deepvis optimize --device cpu`, its own
timer around the loop) against a plain PyTorch implementation of the same loop (PaperAscent below), in the same run
on this machine.

PaperAscent is also the PyTorch side of scripts/gpu-check's optimizer rows (preset 3 for 1000 iterations, and one
step of 64 units at once, on the GPU): gpu-check copies this file and compare_peers.py into its bundle.

Usage: bench/optimizer_vs_torch.py [--iters 40] [--record] [--deepvis build/deepvis]
The output starts with the commit of the checkout and the machine; --record writes them into bench/RESULTS.md.
"""
import argparse
import datetime
import json
import os
import subprocess
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from compare_peers import context_text, export, run_context  # noqa: E402  (same model files as the peer benchmark)


def gaussian_taps(sigma):
    """scipy.ndimage.gaussian_filter's kernel: the sampled Gaussian, normalized, radius int(4 * sigma + 0.5)."""
    radius = int(4 * sigma + 0.5)
    x = np.arange(-radius, radius + 1, dtype=np.float64)
    k = np.exp(-0.5 * x * x / (sigma * sigma))
    return torch.tensor(k / k.sum(), dtype=torch.float32), radius


class PaperAscent:
    """The paper's loop (../shared/spec/deep-visualization.md section 3) with a constant learning rate, L2 decay and
    the Gaussian blur (preset 3's regularizers; no percentile clips), for K output units at once: batch K, unit k
    pushed on element k, every element starting from the same N(0, 10^2) draw. Per iteration ii:
      0. x = clip(x + p0, 0, 255) - p0;  1. forward gain * x and record;  2. backward from the unit (seed 1) to x;
      4. unless last: x = (x + lr * g) * (1 - decay), then if ii % blur_every == 0 blur each channel (scipy's
         'reflect' boundary: d c b a | a b c d | d c b a).
    A unit whose gradient is exactly zero stops (masked on the device). Records, as deepvis keeps them, stay on the
    device until result(): per step obj, idxmax, norm(x), dist(x, x0), std(x); the best, majority and last images.
    (Records are written for every element every step; deepvis stops recording a unit that stopped.)
    Nothing in a step waits for the device, so on a GPU the steps queue like eager PyTorch code does.
    `model` maps (K, C, H, W) to (K, units); gain and offset are per channel (pixel space: the net sees gain * x,
    p0 = offset)."""

    def __init__(self, model, units, iters, device, gain=1.0, offset=0.0, lr=100.0, decay=1e-4, blur_sigma=1.0,
                 blur_every=4, size=224, channels=3, seed=0, records=True):
        self.model, self.iters, self.lr, self.decay, self.blur_every = model, iters, lr, decay, blur_every
        self.records = records
        k = len(units)
        gen = torch.Generator().manual_seed(seed)
        start = torch.randn(1, channels, size, size, generator=gen) * 10.0
        self.x0 = start.expand(k, -1, -1, -1).contiguous().to(device)
        self.x = self.x0.clone()
        self.units = torch.tensor(list(units), device=device)
        self.rows = torch.arange(k, device=device)
        per_channel = lambda v: torch.as_tensor(v, dtype=torch.float32).reshape(-1, 1, 1).expand(channels, 1, 1)  # noqa: E731
        self.gain = per_channel(gain).unsqueeze(0).to(device)
        self.offset = per_channel(offset).unsqueeze(0).to(device)
        taps, self.radius = gaussian_taps(blur_sigma)
        self.kh = taps.view(1, 1, -1, 1).repeat(channels, 1, 1, 1).to(device)
        self.kw = taps.view(1, 1, 1, -1).repeat(channels, 1, 1, 1).to(device)
        self.blur_on = blur_every > 0 and blur_sigma > 0
        self.running = torch.ones(k, dtype=torch.bool, device=device)
        if records:
            z = lambda dtype=torch.float32: torch.zeros(iters, k, dtype=dtype, device=device)  # noqa: E731
            self.obj, self.norm, self.dist, self.std = z(), z(), z(), z()
            self.idxmax = z(torch.long)
            self.best_obj = torch.full((k,), -float("inf"), device=device)
            self.best_ii = torch.full((k,), -1, dtype=torch.long, device=device)
            self.best_x = torch.zeros_like(self.x)
            self.majority_ii = torch.full((k,), -1, dtype=torch.long, device=device)
            self.majority_x = torch.zeros_like(self.x)
        self.ii = 0

    def blur(self, x):
        r = self.radius
        x = torch.cat([x[:, :, :r].flip(2), x, x[:, :, -r:].flip(2)], dim=2)
        x = F.conv2d(x, self.kh, groups=x.shape[1])
        x = torch.cat([x[:, :, :, :r].flip(3), x, x[:, :, :, -r:].flip(3)], dim=3)
        return F.conv2d(x, self.kw, groups=x.shape[1])

    def record(self, ii, y, obj):
        xf = self.x.flatten(1)
        self.obj[ii] = obj
        self.idxmax[ii] = y.argmax(1)
        self.norm[ii] = xf.norm(dim=1)
        self.dist[ii] = (xf - self.x0.flatten(1)).norm(dim=1)
        self.std[ii] = xf.std(dim=1, unbiased=False)
        better = obj > self.best_obj
        self.best_obj = torch.where(better, obj, self.best_obj)
        self.best_ii = torch.where(better, torch.full_like(self.best_ii, ii), self.best_ii)
        self.best_x = torch.where(better.view(-1, 1, 1, 1), self.x, self.best_x)
        first = (self.idxmax[ii] == self.units) & (self.majority_ii < 0)
        self.majority_ii = torch.where(first, torch.full_like(self.majority_ii, ii), self.majority_ii)
        self.majority_x = torch.where(first.view(-1, 1, 1, 1), self.x, self.majority_x)

    def step(self):
        ii = self.ii
        with torch.no_grad():
            self.x = (self.x + self.offset).clamp_(0.0, 255.0) - self.offset
        xi = self.x.detach().requires_grad_(True)
        y = self.model(xi * self.gain)
        obj = y[self.rows, self.units]
        (g,) = torch.autograd.grad(obj.sum(), xi)  # one backward; element k's gradient is its own unit's
        with torch.no_grad():
            if self.records:
                self.record(ii, y.detach(), obj.detach())
            self.running &= g.flatten(1).norm(dim=1) > 0
            if ii < self.iters - 1:
                x = (self.x + self.lr * g) * (1.0 - self.decay)
                if self.blur_on and ii % self.blur_every == 0:
                    x = self.blur(x)
                self.x = torch.where(self.running.view(-1, 1, 1, 1), x, self.x)
        self.ii += 1

    def run(self, steps=None):
        for _ in range(self.iters - self.ii if steps is None else steps):
            self.step()

    def result(self):
        """The records on the host (this waits for the device)."""
        out = {"iterations": self.ii, "running": self.running.cpu().tolist(), "last_x": self.x.cpu()}
        if self.records:
            out.update(obj=self.obj[:self.ii].cpu(), idxmax=self.idxmax[:self.ii].cpu(), norm=self.norm[:self.ii].cpu(),
                       dist=self.dist[:self.ii].cpu(), std=self.std[:self.ii].cpu(), best_obj=self.best_obj.cpu(),
                       best_ii=self.best_ii.cpu(), best_x=self.best_x.cpu(), majority_ii=self.majority_ii.cpu(),
                       majority_x=self.majority_x.cpu())
        return out


def alexnet(device):
    import torchvision
    model = torchvision.models.alexnet(weights=None).eval().to(device)
    for p in model.parameters():
        p.requires_grad_(False)
    return model


def torch_loop(iters, unit=0):
    """PyTorch's iterations per second on the CPU: construction, the loop and the records read back. Pixel space
    gain 1, p0 0, which is what deepvis assumes for this card-less ONNX file (scale 1, no mean/std)."""
    torch.set_num_threads(os.cpu_count())
    model = alexnet("cpu")
    t0 = time.perf_counter()
    run = PaperAscent(model, [unit], iters, "cpu")
    run.run()
    run.result()
    return iters / (time.perf_counter() - t0)


def deepvis_loop(binary, model_path, iters):
    layer = json.loads(subprocess.run([binary, "info", "--model", model_path, "--json"], check=True,
                                      capture_output=True, text=True).stdout)["outputs"][0]["name"]
    out = subprocess.run([binary, "optimize", "--model", model_path, "--device", "cpu", "--layer", layer, "--unit",
                          "0", "--preset", "3", "--max-iter", str(iters), "--out", "/tmp/deepvis_bench_opt", "--json"],
                         check=True, capture_output=True, text=True).stdout
    return iters / json.loads(out[out.index("{"):])["seconds"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--iters", type=int, default=40)
    ap.add_argument("--record", action="store_true")
    ap.add_argument("--deepvis", default=os.path.join(os.path.dirname(HERE), "build", "deepvis"))
    args = ap.parse_args()
    ctx = run_context(args.deepvis)
    print(context_text(ctx), flush=True)
    model_path = export("alexnet")
    dv = deepvis_loop(args.deepvis, model_path, args.iters)
    pt = torch_loop(args.iters)
    table = ("| workload | deepvis it/s | PyTorch it/s | deepvis / PyTorch |\n|---|---|---|---|\n"
             f"| preset 3, AlexNet 224, batch 1 | {dv:.2f} | {pt:.2f} | {dv / pt:.2f}x |")
    print(table)
    if args.record:
        with open(os.path.join(HERE, "RESULTS.md"), "a") as f:
            f.write(f"\n## {datetime.date.today()}: optimizer, CPU backend, {args.iters} iterations\n\n"
                    f"{context_text(ctx)}; no GPU used (deepvis --device cpu). PyTorch: this script's PaperAscent "
                    f"(with records and scipy's blur boundary). Higher is better.\n\n{table}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
