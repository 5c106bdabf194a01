#!/usr/bin/python3
"""Times deepvis against its peers on the same ONNX files, in the same run, on this machine:
  forward  - deepvis vs OpenCV DNN vs PyTorch (eager, no_grad)
  step     - forward + backward to the input (one unit seeded) - deepvis vs PyTorch
Models are torchvision architectures with random weights (timing does not depend on the weights), exported once
into bench/models/ (git-ignored). Prints a markdown table and, with --record, appends it to bench/RESULTS.md.

Usage: bench/compare_peers.py [--models alexnet,vgg16,resnet50] [--iters 20] [--rounds 3] [--record]
                              [--json OUT.json] [--deepvis build/deepvis]
The peers take turns: each round times deepvis, OpenCV DNN and PyTorch one after the other, so a change in the
machine's load (this is a shared VM) hits all of them alike. A time is the median over rounds of each round's
median; a ratio is the median of the per-round ratios, with their range, so it need not equal the ratio of the
two median times. Every round's value is printed too (a second table), and recorded with --record / --json.
The output starts with the commit of the checkout (git rev-parse --short HEAD, "-dirty" with tracked changes),
the deepvis binary's modification time and the machine (CPU model, cores); --record and --json record them.
deepvis runs with --device cpu: this is a CPU comparison.
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


def git_commit():
    """The checkout's commit, short, with "-dirty" when tracked files differ from it (untracked files do not count)."""
    try:
        head = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], check=True, capture_output=True,
                              text=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no"], check=True,
                               capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (no git checkout)"
    return head + ("-dirty" if dirty else "")


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def run_context(binary=None):
    """What a result needs beside it: when, which commit, which binary, which machine."""
    ctx = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
           "commit": git_commit(), "host": platform.node(), "cpu": cpu_model(), "cores": os.cpu_count(),
           "env": {k: v for k, v in sorted(os.environ.items()) if k.startswith(("DEEPVIS_", "OMP_", "ONEDNN_"))}}
    try:
        with open("/proc/cpuinfo") as f:
            flags = next((line.split(":", 1)[1].split() for line in f if line.startswith("flags")), [])
        ctx["isa"] = "AVX-512" if "avx512f" in flags else "AVX2" if "avx2" in flags else "no AVX2"
    except OSError:
        pass
    try:
        ctx["load_average"] = " ".join(open("/proc/loadavg").read().split()[:3])
    except OSError:
        pass
    if binary:
        try:
            built = datetime.datetime.fromtimestamp(os.path.getmtime(binary), datetime.timezone.utc)
            ctx["deepvis"] = {"path": os.path.relpath(binary, ROOT), "modified": built.strftime("%Y-%m-%d %H:%M UTC"),
                              "mtime": os.path.getmtime(binary)}
        except OSError:
            ctx["deepvis"] = {"path": binary, "modified": "missing"}
        try:  # builds that know their commit say it in --version: "deepvis 0.1.0 (commit 8e02dd5fce80-dirty)"
            version = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=30).stdout
            if "(commit " in version:
                ctx["deepvis"]["built_from"] = version.split("(commit ", 1)[1].split(")", 1)[0].strip()
        except (OSError, subprocess.SubprocessError):
            pass
    return ctx


def context_text(ctx):
    """Markdown lines naming the commit and the machine."""
    binary = ""
    if "deepvis" in ctx:
        binary = f"; binary {ctx['deepvis']['path']}, modified {ctx['deepvis']['modified']}"
        if "built_from" in ctx["deepvis"]:
            binary += f", built from {ctx['deepvis']['built_from']} by its --version"
    env = ", ".join(f"{k}={v}" for k, v in ctx.get("env", {}).items())
    return (f"Commit: {ctx['commit']} (the checkout when this ran, {ctx['date']}{binary})\n"
            f"Machine: {ctx['host']}, {ctx['cores']} cores ({ctx['cpu']}"
            + (f", {ctx['isa']}" if "isa" in ctx else "") + ")"
            + (f", load average {ctx['load_average']} at the start" if "load_average" in ctx else "")
            + (f"; environment: {env}" if env else ""))


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


def opencv_net(path, deepvis):
    """OpenCV DNN's net for the export, or for the graph deepvis runs (`deepvis info --simplified`: constants
    folded, Identity and shape chains gone) when OpenCV 4.6's importer refuses the export itself (it refuses
    Identity nodes on initializers, which torch 1.13 writes for shared weights). Returns (net, which) or None."""
    import cv2
    try:
        return cv2.dnn.readNetFromONNX(path), "export"
    except cv2.error as e:
        print(f"OpenCV DNN cannot read {os.path.basename(path)}: {str(e).splitlines()[-1]}", file=sys.stderr)
    simplified = path[:-len(".onnx")] + ".simplified.onnx"
    made = subprocess.run([deepvis, "info", "--model", path, "--device", "cpu", "--simplified", simplified],
                          capture_output=True, text=True)
    if made.returncode != 0:
        return None
    try:
        net = cv2.dnn.readNetFromONNX(simplified)
    except cv2.error as e:
        print(f"OpenCV DNN cannot read the simplified graph either: {str(e).splitlines()[-1]}", file=sys.stderr)
        return None
    print(f"OpenCV DNN times {os.path.basename(simplified)}, the same graph as deepvis simplifies it", file=sys.stderr)
    return net, "simplified"


def opencv_timer(path, size, iters, deepvis):
    import numpy as np
    loaded = opencv_net(path, deepvis)
    if loaded is None:
        return None
    net, _ = loaded
    blob = np.random.randn(1, 3, size, size).astype(np.float32)

    def forward():
        net.setInput(blob)
        net.forward()

    return lambda: median_ms(forward, iters)


def time_deepvis(binary, path, what, iters):
    out = subprocess.run([binary, "bench", "--model", path, "--device", "cpu", "--what", what, "--iters", str(iters),
                          "--json"], check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])["median_ms"]


def ratio_text(ours, theirs):
    """The median of the per-round ratios, and their range when there is more than one round."""
    ratios = sorted(a / b for a, b in zip(ours, theirs))
    text = f"{statistics.median(ratios):.2f}"
    return text + (f" ({ratios[0]:.2f}-{ratios[-1]:.2f})" if len(ratios) > 1 else "")


ROUND_ROWS = [  # (key, label) for the per-round table; ratios are computed from the times of the same round
    ("dv_fwd", "deepvis fwd ms"), ("cv_fwd", "OpenCV DNN fwd ms"), ("pt_fwd", "PyTorch fwd ms"),
    ("fwd_ratio", "fwd ratio deepvis / OpenCV"), ("dv_step", "deepvis step ms"), ("pt_step", "PyTorch step ms"),
    ("step_ratio", "step ratio deepvis / PyTorch"),
]


def per_round_table(results, rounds):
    lines = ["| model | measure | " + " | ".join(f"round {i + 1}" for i in range(rounds)) + " | median |",
             "|---|---|" + "---|" * (rounds + 1)]
    for name, r in results.items():
        for key, label in ROUND_ROWS:
            values = r["rounds"].get(key) or []
            if not values:
                continue
            digits = 2 if key.endswith("ratio") else 1
            cells = " | ".join(f"{v:.{digits}f}" for v in values)
            lines.append(f"| {name} | {label} | {cells} | {statistics.median(values):.{digits}f} |")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", default="alexnet,vgg16,resnet50")
    ap.add_argument("--iters", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--record", action="store_true", help="append the tables to bench/RESULTS.md")
    ap.add_argument("--json", help="also write everything (context, every round's value, medians) to this file")
    ap.add_argument("--deepvis", default=os.path.join(ROOT, "build", "deepvis"))
    args = ap.parse_args()
    ctx = run_context(args.deepvis)
    print(context_text(ctx), flush=True)
    ensure_opencv()
    lines = [
        "| model | deepvis fwd ms | OpenCV DNN fwd ms | PyTorch fwd ms | fwd ratio vs OpenCV | deepvis step ms | "
        "PyTorch step ms | step ratio vs PyTorch |",
        "|---|---|---|---|---|---|---|---|",
    ]
    results = {}
    for name in args.models.split(","):
        path = export(name)
        cv = opencv_timer(path, 224, args.iters, args.deepvis)
        pt_fwd, pt_step = torch_timers(name, 224, args.iters)
        t = {key: [] for key in ("dv_fwd", "cv_fwd", "pt_fwd", "dv_step", "pt_step")}
        for i in range(args.rounds):
            t["dv_fwd"].append(time_deepvis(args.deepvis, path, "forward", args.iters))
            if cv:
                t["cv_fwd"].append(cv())
            t["pt_fwd"].append(pt_fwd())
            t["dv_step"].append(time_deepvis(args.deepvis, path, "step", args.iters))
            t["pt_step"].append(pt_step())
            print(f"{name} round {i + 1}: " + ", ".join(f"{k} {v[-1]:.1f} ms" for k, v in t.items() if v),
                  file=sys.stderr, flush=True)
        if cv:
            t["fwd_ratio"] = [a / b for a, b in zip(t["dv_fwd"], t["cv_fwd"])]
        t["step_ratio"] = [a / b for a, b in zip(t["dv_step"], t["pt_step"])]
        med = {key: statistics.median(v) if v else None for key, v in t.items()}
        results[name] = {"rounds": t, "median": med, "opencv_reads_model": bool(cv)}
        cv_text = f"{med['cv_fwd']:.1f}" if cv else "n/a (import fails)"
        cv_ratio = ratio_text(t["dv_fwd"], t["cv_fwd"]) if cv else "n/a"
        lines.append(f"| {name} | {med['dv_fwd']:.1f} | {cv_text} | {med['pt_fwd']:.1f} | {cv_ratio} | "
                     f"{med['dv_step']:.1f} | {med['pt_step']:.1f} | {ratio_text(t['dv_step'], t['pt_step'])} |")
    table = "\n".join(lines)
    rounds_table = per_round_table(results, args.rounds)
    try:
        ctx["load_average_end"] = " ".join(open("/proc/loadavg").read().split()[:3])
    except OSError:
        pass
    end_text = f"Load average at the end: {ctx['load_average_end']}." if "load_average_end" in ctx else ""
    at_end = run_context(args.deepvis).get("deepvis", {})
    modified_end = at_end.get("modified")
    if at_end.get("mtime") != ctx.get("deepvis", {}).get("mtime"):  # someone rebuilt it while the rounds ran
        ctx["deepvis"]["modified_at_end"] = modified_end
        end_text += (f" The deepvis binary changed during this run (modified {modified_end} at the end): later rounds "
                     "may have timed another build.")
    print(end_text)
    print(table)
    print()
    print(rounds_table)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"context": ctx, "iters": args.iters, "rounds": args.rounds, "models": results}, f, indent=1)
    if args.record:
        header = (f"\n## {datetime.date.today()}: CPU backend, batch 1, fp32, 224x224, median of {args.iters} "
                  f"per round, {args.rounds} rounds (peers take turns)\n\n"
                  f"{context_text(ctx)}; no GPU used (deepvis --device cpu). Ratio < 1 means deepvis is faster; "
                  "a ratio is the median of the per-round ratios (range in brackets).\n\n")
        with open(os.path.join(HERE, "RESULTS.md"), "a") as f:
            f.write(header + table + "\n\nEvery round:\n\n" + rounds_table + "\n\n" + end_text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
