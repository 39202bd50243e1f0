"""PyTorch CPU reference for the trickster bench: trains the same small-cnn / resnet20 as
core/models (NCHW, bias-free convs + BN eps 1e-5 momentum 0.1, He init irrelevant for speed;
small-cnn with the baseline preset's flatten head, resnet20 with GAP + linear head) on Fashion-MNIST batches with SGD momentum 0.9, weight decay 5e-4, and
prints one JSON object with images/s per thread count (median of the timed windows).

  python3 bench/torch_ref.py --model resnet20 --batch 128 --warmup 2 --steps 3 --repeats 3 \
      --threads 1,2 --data /usr/share/datasets/fashion-mnist
"""
import argparse
import gzip
import json
import os
import resource
import statistics
import time

import torch
from torch import nn


def conv_bn(cin, cout, k, stride):
    """Bias-free conv ('same'-sized output) followed by batch norm, as layers.ts builds them."""
    return nn.Sequential(
        nn.Conv2d(cin, cout, k, stride=stride, padding=k // 2, bias=False),
        nn.BatchNorm2d(cout, eps=1e-5, momentum=0.1),
    )


class BasicBlock(nn.Module):
    """3x3 conv-BN-ReLU, 3x3 conv-BN, + identity or 1x1 projection (option B), ReLU."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.branch = nn.Sequential(conv_bn(cin, cout, 3, stride), nn.ReLU(inplace=True), conv_bn(cout, cout, 3, 1))
        self.shortcut = nn.Identity() if stride == 1 and cin == cout else conv_bn(cin, cout, 1, stride)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x):
        return self.relu(self.branch(x) + self.shortcut(x))


def head(cin, classes):
    return nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(cin, classes))


def small_cnn(channels=1, classes=10):
    """conv(16)-BN-ReLU, maxpool 2, conv(32)-BN-ReLU, maxpool 2, conv(64)-BN-ReLU, flatten, dense
    (the baseline preset's `head: flatten`; 28x28 input gives 64x7x7 features)."""
    return nn.Sequential(
        conv_bn(channels, 16, 3, 1), nn.ReLU(inplace=True), nn.MaxPool2d(2, 2, ceil_mode=True),
        conv_bn(16, 32, 3, 1), nn.ReLU(inplace=True), nn.MaxPool2d(2, 2, ceil_mode=True),
        conv_bn(32, 64, 3, 1), nn.ReLU(inplace=True),
        nn.Flatten(), nn.Linear(64 * 7 * 7, classes),
    )


def resnet20(channels=1, classes=10):
    """CIFAR ResNet-20: stem conv(16), 3 stages of 3 basic blocks (16, 32, 64; stride 2 entering 2 and 3)."""
    layers = [conv_bn(channels, 16, 3, 1), nn.ReLU(inplace=True)]
    cin = 16
    for s, width in enumerate((16, 32, 64)):
        for b in range(3):
            layers.append(BasicBlock(cin, width, 2 if s > 0 and b == 0 else 1))
            cin = width
    layers.append(head(cin, classes))
    return nn.Sequential(*layers)


MODELS = {"small-cnn": small_cnn, "resnet20": resnet20}


def read_idx(path):
    with gzip.open(path, "rb") as f:
        return f.read()


def fashion_batch(data_dir, count):
    """First `count` training images, normalised with their own mean/std, NCHW, and labels."""
    images = read_idx(os.path.join(data_dir, "train-images-idx3-ubyte.gz"))[16:]
    labels = read_idx(os.path.join(data_dir, "train-labels-idx1-ubyte.gz"))[8:]
    x = torch.frombuffer(bytearray(images[: count * 784]), dtype=torch.uint8).float().div_(255).view(count, 1, 28, 28)
    x = (x - x.mean()) / x.std()
    y = torch.frombuffer(bytearray(labels[:count]), dtype=torch.uint8).long()
    return x, y


def train_rates(model_name, x, y, batch, warmup, steps, repeats):
    """Images/s of each timed window of `steps` SGD steps, after `warmup` untimed steps."""
    torch.manual_seed(0)
    model = MODELS[model_name]()
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4)
    loss_fn = nn.CrossEntropyLoss()
    n = x.shape[0] // batch

    def step(i):
        j = i % n
        xb, yb = x[j * batch : (j + 1) * batch], y[j * batch : (j + 1) * batch]
        opt.zero_grad(set_to_none=True)
        loss_fn(model(xb), yb).backward()
        opt.step()

    i = 0
    for _ in range(warmup):
        step(i)
        i += 1
    rates = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(steps):
            step(i)
            i += 1
        rates.append(steps * batch / (time.perf_counter() - t0))
    return rates


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", required=True, choices=sorted(MODELS))
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--steps", type=int, default=3)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--threads", default="1,2")
    p.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    a = p.parse_args()
    x, y = fashion_batch(a.data, a.batch * 4)
    out = {"torch": torch.__version__, "model": a.model, "batch": a.batch, "threads": {}}
    for t in (int(s) for s in a.threads.split(",")):
        torch.set_num_threads(t)
        rates = train_rates(a.model, x, y, a.batch, a.warmup, a.steps, a.repeats)
        out["threads"][str(t)] = {"imgPerSec": statistics.median(rates), "samples": rates}
    out["peakRssMiB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(out))


if __name__ == "__main__":
    main()
