"""PyTorch twin of a trickster fast-recipe validation run, to tell whether trickster learns as much
per epoch as PyTorch does with the same model and recipe (bench/fast-recipe/README.md, "Per-epoch
parity with PyTorch"). Not used by the product or by `npm test`.

Model: resnet6-pool-stem (core/models/resnet6-pool-stem.ts), or resnet8 (the CIFAR ResNet with one
basic block per stage: 16/32/64 x width), both with bias-free He-normal convs, BN eps 1e-5 momentum
0.1, global average pool and a Glorot-uniform dense head, as core/models/layers.ts builds them.
Recipe (bench/fast-recipe/recipe.yaml on baseline.yaml): SGD Nesterov momentum 0.9, lr 0.05 (--lr), weight
decay 5e-4 (--wd) on conv/dense kernels only (no-bias-decay), batch 128 (last partial batch dropped), 1
epoch of linear warmup from 0.1 then cosine to 0, both per step; label smoothing 0.1; flip p 0.5
and 2-pixel zero pad + random crop; inputs (x/255 - mean)/std with the training split's mean/std.
`--ghost 2` computes each step as trickster's 2 replicas do: two half-batches, each with its own
batch-norm statistics, gradients averaged.

Split: 20% of the training set held out, stratified by class (seeded; not trickster's exact
indices); the validation top-1 is printed after every epoch. The test split is not read.

  python3 bench/fast-recipe/torch_parity.py --model resnet6-pool-stem --width 1 --epochs 8 --seed 1 \
      --threads 2 --ghost 2 --data /usr/share/datasets/fashion-mnist --out result.json
"""
import argparse
import gzip
import json
import math
import os
import time

import torch
from torch import nn
import torch.nn.functional as F


def read_idx(path, header):
    with gzip.open(path, "rb") as f:
        return torch.frombuffer(bytearray(f.read()[header:]), dtype=torch.uint8)


def load_train(data_dir):
    x = read_idx(os.path.join(data_dir, "train-images-idx3-ubyte.gz"), 16).view(-1, 1, 28, 28)
    y = read_idx(os.path.join(data_dir, "train-labels-idx1-ubyte.gz"), 8).long()
    return x, y


def stratified_split(y, fraction, seed):
    """Indices of (train, validation): `fraction` of each class, drawn with `seed`."""
    g = torch.Generator().manual_seed(seed)
    train, val = [], []
    for c in range(int(y.max()) + 1):
        idx = (y == c).nonzero().flatten()
        idx = idx[torch.randperm(len(idx), generator=g)]
        k = round(len(idx) * fraction)
        val.append(idx[:k])
        train.append(idx[k:])
    return torch.cat(train), torch.cat(val)


def conv_bn(cin, cout, k, stride):
    conv = nn.Conv2d(cin, cout, k, stride=stride, padding=k // 2, bias=False)
    nn.init.kaiming_normal_(conv.weight, nonlinearity="relu")
    return nn.Sequential(conv, nn.BatchNorm2d(cout, eps=1e-5, momentum=0.1))


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.branch = nn.Sequential(conv_bn(cin, cout, 3, stride), nn.ReLU(inplace=True), conv_bn(cout, cout, 3, 1))
        self.shortcut = nn.Identity() if stride == 1 and cin == cout else conv_bn(cin, cout, 1, stride)

    def forward(self, x):
        return F.relu(self.branch(x) + self.shortcut(x))


def dense_head(cin, classes):
    dense = nn.Linear(cin, classes)
    nn.init.xavier_uniform_(dense.weight)
    nn.init.zeros_(dense.bias)
    return nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), dense)


def mult8(c, width):
    return max(8, round(c * width / 8) * 8)


def resnet6_pool_stem(width):
    c0, c1, c2 = (mult8(c, width) for c in (24, 48, 96))
    return nn.Sequential(
        conv_bn(1, c0, 3, 1), nn.ReLU(inplace=True), nn.MaxPool2d(2, 2),
        BasicBlock(c0, c1, 1), BasicBlock(c1, c2, 2), dense_head(c2, 10),
    )


def resnet8(width):
    c0, c1, c2 = (round(c * width) for c in (16, 32, 64))
    return nn.Sequential(
        conv_bn(1, c0, 3, 1), nn.ReLU(inplace=True),
        BasicBlock(c0, c0, 1), BasicBlock(c0, c1, 2), BasicBlock(c1, c2, 2), dense_head(c2, 10),
    )


def augment(xb, padding):
    """Per image: flip with p 0.5, then a crop of the zero-padded image shifted by [-padding, padding]."""
    n = xb.shape[0]
    flip = torch.rand(n) < 0.5
    xb = torch.where(flip.view(n, 1, 1, 1), xb.flip(3), xb)
    padded = F.pad(xb, (padding,) * 4)
    dy = torch.randint(0, 2 * padding + 1, (n,))
    dx = torch.randint(0, 2 * padding + 1, (n,))
    rows = (dy.view(n, 1) + torch.arange(28)).view(n, 1, 28, 1).expand(n, 1, 28, 28 + 2 * padding)
    picked = padded.gather(2, rows)
    cols = (dx.view(n, 1) + torch.arange(28)).view(n, 1, 1, 28).expand(n, 1, 28, 28)
    return picked.gather(3, cols)


def lr_factor(t, epochs, warmup=1.0, start=0.1):
    """Warmup from `start` to 1 over `warmup` epochs, then cosine to 0 (t in fractional epochs)."""
    if t < warmup:
        return start + (1 - start) * t / warmup
    return 0.5 * (1 + math.cos(math.pi * (t - warmup) / (epochs - warmup)))


def accuracy(model, x, y):
    model.eval()
    with torch.no_grad():
        correct = sum((model(x[i : i + 1000]).argmax(1) == y[i : i + 1000]).sum().item() for i in range(0, len(x), 1000))
    model.train()
    return correct / len(x)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", default="resnet6-pool-stem", choices=["resnet6-pool-stem", "resnet8"])
    p.add_argument("--width", type=float, default=1.0)
    p.add_argument("--epochs", type=int, default=8)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--ghost", type=int, default=2, help="half-batches with their own BN statistics (trickster's replicas)")
    p.add_argument("--lr", type=float, default=0.05)
    p.add_argument("--wd", type=float, default=5e-4, help="weight decay on conv/dense kernels (BN and biases get none)")
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    p.add_argument("--out", required=True)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)

    x8, y = load_train(a.data)
    tr, va = stratified_split(y, 0.2, a.seed)
    xf = x8.float().div_(255)
    mean, std = xf[tr].mean().item(), xf[tr].std().item()
    xf = (xf - mean) / std
    pad_value = (0 - mean) / std  # trickster pads the raw image with 0 before normalising
    xtr, ytr, xva, yva = xf[tr], y[tr], xf[va], y[va]

    model = resnet6_pool_stem(a.width) if a.model == "resnet6-pool-stem" else resnet8(a.width)
    decay = [p_ for n, p_ in model.named_parameters() if p_.ndim > 1]
    no_decay = [p_ for n, p_ in model.named_parameters() if p_.ndim <= 1]
    opt = torch.optim.SGD([{"params": decay, "weight_decay": a.wd}, {"params": no_decay, "weight_decay": 0}],
                          lr=a.lr, momentum=0.9, nesterov=True)
    loss_fn = nn.CrossEntropyLoss(label_smoothing=0.1)
    steps = len(xtr) // a.batch
    history = []
    t0 = time.perf_counter()
    for epoch in range(a.epochs):
        order = torch.randperm(len(xtr))
        for s in range(steps):
            for group in opt.param_groups:
                group["lr"] = a.lr * lr_factor(epoch + s / steps, a.epochs)
            idx = order[s * a.batch : (s + 1) * a.batch]
            xb = augment(xtr[idx] - pad_value, 2) + pad_value
            yb = ytr[idx]
            opt.zero_grad(set_to_none=True)
            chunks = zip(xb.chunk(a.ghost), yb.chunk(a.ghost))
            loss = sum(loss_fn(model(cx), cy) for cx, cy in chunks) / a.ghost
            loss.backward()
            opt.step()
        history.append({"epoch": epoch + 1, "valTop1": accuracy(model, xva, yva), "loss": loss.item(),
                        "wallSeconds": round(time.perf_counter() - t0, 1)})
        print(json.dumps(history[-1]), flush=True)
    out = {"what": "bench/fast-recipe/torch_parity.py", "args": vars(a), "torch": torch.__version__,
           "params": sum(p_.numel() for p_ in model.parameters()), "train": len(xtr), "validation": len(xva),
           "history": history}
    with open(a.out, "w") as f:
        json.dump(out, f, indent=2)


if __name__ == "__main__":
    main()
