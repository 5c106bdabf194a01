#!/usr/bin/python3
"""Trains deepvis's embedded default model, a small Fashion-MNIST CNN, and exports it to ONNX with its card.

Run with Debian's python3 (python3-torch 1.13, CPU) after `scripts/setup-deps` has installed
dataset-fashion-mnist:

    /usr/bin/python3 models/fashion_mnist/train.py [--epochs N] [--data DIR] [--out DIR]

The net is meant to exercise deepvis's ops, not to be state of the art: Conv, BatchNormalization (exported
unfused, so deepvis's BN folding runs on import), Relu, MaxPool, LRN and Gemm.
"""

import argparse
import datetime
import gzip
import json
import os
import random
import struct
import time

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F

LABELS = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
SEED = 20240601
EXPECTED_OPS = ["Conv", "BatchNormalization", "Relu", "MaxPool", "LRN", "Flatten", "Gemm"]


def read_idx(path):
    """Reads an IDX file (gzipped or not) into a numpy uint8 array of the dims its header declares."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] != 0x08:
        raise SystemExit(f"{path}: not an unsigned-byte IDX file")
    ndim = data[3]
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    body = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if body.size != int(np.prod(dims)):
        raise SystemExit(f"{path}: expected {int(np.prod(dims))} bytes of data, found {body.size}")
    return body.reshape(dims)


class _OnnxLrn(torch.autograd.Function):
    """Exports as one ONNX LRN node: torch 1.13 would otherwise trace LocalResponseNorm into ~40 shape ops."""

    @staticmethod
    def forward(ctx, x, size, alpha, beta, k):
        return F.local_response_norm(x, size, alpha, beta, k)

    @staticmethod
    def symbolic(g, x, size, alpha, beta, k):
        # Same formula: x / (k + alpha / size * sum of squares over `size` channels centred on c) ^ beta.
        return g.op("LRN", x, size_i=size, alpha_f=alpha, beta_f=beta, bias_f=k)


class Lrn(nn.LocalResponseNorm):
    def forward(self, x):
        if torch.onnx.is_in_onnx_export():
            return _OnnxLrn.apply(x, self.size, self.alpha, self.beta, self.k)
        return super().forward(x)


class FashionNet(nn.Module):
    """conv-bn-relu-pool-lrn twice, then fc-relu-fc: 10 logits, no softmax."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(16)
        self.relu1 = nn.ReLU()
        self.pool1 = nn.MaxPool2d(2)
        self.lrn1 = Lrn(5, alpha=1e-4, beta=0.75, k=1.0)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.bn2 = nn.BatchNorm2d(32)
        self.relu2 = nn.ReLU()
        self.pool2 = nn.MaxPool2d(2)
        self.lrn2 = Lrn(5, alpha=1e-4, beta=0.75, k=1.0)
        self.fc1 = nn.Linear(32 * 7 * 7, 64)
        self.relu3 = nn.ReLU()
        self.fc2 = nn.Linear(64, 10)

    def forward(self, x):
        x = self.lrn1(self.pool1(self.relu1(self.bn1(self.conv1(x)))))
        x = self.lrn2(self.pool2(self.relu2(self.bn2(self.conv2(x)))))
        x = torch.flatten(x, 1)
        x = self.relu3(self.fc1(x))
        return self.fc2(x)


def evaluate(model, images, labels, batch=1000):
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, images.shape[0], batch):
            correct += (model(images[i:i + batch]).argmax(1) == labels[i:i + batch]).sum().item()
    return correct / images.shape[0]


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    parser.add_argument("--out", default=here)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()

    random.seed(SEED)
    np.random.seed(SEED)
    torch.manual_seed(SEED)
    torch.set_num_threads(args.threads)
    torch.use_deterministic_algorithms(True)

    def load(split):
        images = read_idx(os.path.join(args.data, f"{split}-images-idx3-ubyte.gz"))
        labels = read_idx(os.path.join(args.data, f"{split}-labels-idx1-ubyte.gz"))
        return images.astype(np.float32) / 255.0, labels.astype(np.int64)

    train_x, train_y = load("train")
    test_x, test_y = load("t10k")
    # The card stores these; deepvis feeds (p/255 - mean)/std exactly as training did.
    mean = float(train_x.mean())
    std = float(train_x.std())
    print(f"train {train_x.shape[0]} test {test_x.shape[0]} mean {mean:.6f} std {std:.6f}")

    def tensor(x):
        return torch.from_numpy((x - mean) / std).unsqueeze(1)

    train_xt, train_yt = tensor(train_x), torch.from_numpy(train_y)
    test_xt, test_yt = tensor(test_x), torch.from_numpy(test_y)

    model = FashionNet()
    optimizer = torch.optim.Adam(model.parameters(), lr=2e-3)
    batch = 64
    steps_per_epoch = (train_xt.shape[0] + batch - 1) // batch
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=3e-3, epochs=args.epochs,
                                                    steps_per_epoch=steps_per_epoch)
    generator = torch.Generator().manual_seed(SEED)
    start = time.time()
    for epoch in range(args.epochs):
        model.train()
        order = torch.randperm(train_xt.shape[0], generator=generator)
        total_loss = 0.0
        for i in range(0, train_xt.shape[0], batch):
            idx = order[i:i + batch]
            loss = F.cross_entropy(model(train_xt[idx]), train_yt[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            scheduler.step()
            total_loss += loss.item() * idx.shape[0]
        acc = evaluate(model, test_xt, test_yt)
        print(f"epoch {epoch + 1}/{args.epochs}: loss {total_loss / train_xt.shape[0]:.4f} "
              f"test accuracy {acc:.4f} ({time.time() - start:.0f} s)", flush=True)
    wall = time.time() - start
    accuracy = evaluate(model, test_xt, test_yt)
    print(f"final test accuracy {accuracy:.4f}, training wall time {wall:.0f} s")
    if accuracy < 0.90:
        raise SystemExit("test accuracy below 90%; not writing the model")

    model.eval()
    onnx_path = os.path.join(args.out, "fashion_mnist.onnx")
    # PRESERVE + no constant folding keeps BatchNormalization as its own node (deepvis folds it on import).
    torch.onnx.export(model, torch.zeros(1, 1, 28, 28), onnx_path, opset_version=13,
                      input_names=["input"], output_names=["logits"],
                      training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=False)

    with open(os.path.join(args.out, "fashion_mnist.labels.txt"), "w") as f:
        f.write("\n".join(LABELS) + "\n")
    card = {
        "card_version": 1,
        "name": "Fashion-MNIST CNN (deepvis)",
        "labels_file": "fashion_mnist.labels.txt",
        "preprocess": {
            "size": [28, 28],
            "channel_order": "gray",
            "scale": 1.0 / 255.0,
            "mean": [round(mean, 6)],
            "std": [round(std, 6)],
            "crop": "stretch",
        },
        # Node names, not blob names: with BatchNorm folded, a conv node outputs what was the BN blob.
        "default_layers": ["/conv1/Conv", "/conv2/Conv"],
        "provenance": (f"Trained by models/fashion_mnist/train.py on Debian's dataset-fashion-mnist "
                       f"(60,000 training images) on {datetime.date.today().isoformat()}, {args.epochs} epochs, "
                       f"Adam with a one-cycle schedule, seed {SEED}, PyTorch {torch.__version__} on CPU; "
                       f"test accuracy {accuracy * 100:.2f}% on the 10,000 t10k images. Outputs 10 logits "
                       f"(no softmax). Architecture: conv-bn-relu-maxpool-lrn x2, fc-relu-fc."),
        "license": "MIT (weights); the Fashion-MNIST dataset is MIT-licensed by Zalando Research",
    }
    with open(os.path.join(args.out, "fashion_mnist.deepvis.json"), "w") as f:
        json.dump(card, f, indent=2)
        f.write("\n")
    # Identity appears only where torch deduplicates equal initializers; deepvis accepts it.
    ops = sorted({node.op_type for node in onnx.load(onnx_path).graph.node} - {"Identity"})
    print(f"wrote {onnx_path} ({os.path.getsize(onnx_path)} bytes), ops: {', '.join(ops)}")
    if ops != sorted(EXPECTED_OPS):
        raise SystemExit(f"unexpected ONNX ops {ops}; expected {sorted(EXPECTED_OPS)}")


if __name__ == "__main__":
    main()
