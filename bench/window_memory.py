#!/usr/bin/env python3
"""Memory of the window with every job that holds a model open (issue 17: one model per device).

Runs `deepvis --model M --open optimization,unit-optimized --frames N` (under xvfb-run when there is no display),
samples the process's resident set every 0.1 s from /proc, and the GPU memory it holds from nvidia-smi when there
is one, and prints peak and final values. A fresh cache folder keeps the per-unit pane computing rather than
reading an earlier session's image from disk.

  bench/window_memory.py --deepvis build/deepvis --model models/fetched/fr_expression.onnx
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time


def rss_mib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return None


def gpu_mib(pid):
    if not shutil.which("nvidia-smi"):
        return None
    out = subprocess.run(["nvidia-smi", "--query-compute-apps=pid,used_memory", "--format=csv,noheader,nounits"],
                         capture_output=True, text=True).stdout
    total = 0.0
    for line in out.splitlines():
        parts = [p.strip() for p in line.split(",")]
        if len(parts) == 2 and parts[0].isdigit() and int(parts[0]) in descendants(pid):
            total += float(parts[1])
    return total


def descendants(pid):
    pids = {pid}
    try:
        out = subprocess.run(["ps", "-e", "-o", "pid=,ppid="], capture_output=True, text=True).stdout
    except OSError:
        return pids
    children = {}
    for line in out.split("\n"):
        if line.strip():
            p, pp = (int(x) for x in line.split())
            children.setdefault(pp, []).append(p)
    todo = [pid]
    while todo:
        for c in children.get(todo.pop(), []):
            if c not in pids:
                pids.add(c)
                todo.append(c)
    return pids


def deepvis_pid(root):
    """The deepvis process itself (xvfb-run wraps it in a shell and an X server)."""
    for p in sorted(descendants(root)):
        try:
            with open(f"/proc/{p}/comm") as f:
                if f.read().strip().startswith("deepvis"):
                    return p
        except OSError:
            pass
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--deepvis", default="build/deepvis")
    ap.add_argument("--model", default="models/fetched/fr_expression.onnx")
    ap.add_argument("--frames", type=int, default=1500)
    ap.add_argument("--device", default="auto")
    ap.add_argument("--open", default="optimization,unit-optimized")
    args = ap.parse_args()
    cache = tempfile.mkdtemp(prefix="deepvis-memory-")
    env = dict(os.environ, XDG_CACHE_HOME=cache)
    cmd = [args.deepvis, "--model", args.model, "--open", args.open, "--frames", str(args.frames),
           "--device", args.device]
    if not os.environ.get("DISPLAY"):
        cmd = ["xvfb-run", "-a", "-s", "-screen 0 1280x800x24"] + cmd
    start = time.time()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    peak_rss = peak_gpu = 0.0
    last_rss = last_gpu = None
    samples = 0
    while proc.poll() is None:
        pid = deepvis_pid(proc.pid)
        if pid:
            r = rss_mib(pid)
            if r is not None:
                last_rss, peak_rss = r, max(peak_rss, r)
            if samples % 10 == 0:
                g = gpu_mib(pid)
                if g is not None:
                    last_gpu, peak_gpu = g, max(peak_gpu, g)
            samples += 1
        time.sleep(0.1)
    err = proc.stderr.read()
    shutil.rmtree(cache, ignore_errors=True)
    if proc.returncode != 0:
        sys.stderr.write(err)
        sys.exit(f"window_memory: deepvis exited with {proc.returncode}")
    print(f"model {args.model}, panels {args.open}, {args.frames} frames, {time.time() - start:.1f} s")
    print(f"RSS: peak {peak_rss:.0f} MiB, at the end {last_rss or 0:.0f} MiB")
    if last_gpu is not None:
        print(f"GPU memory: peak {peak_gpu:.0f} MiB, at the end {last_gpu:.0f} MiB")
    else:
        print("GPU memory: no GPU (nvidia-smi not found)")


if __name__ == "__main__":
    main()
