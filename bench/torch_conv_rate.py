"""PyTorch's forward-conv FLOP rate on the bench models' conv layers, the counterpart of row (e)'s
conv GFLOP/s of XNNPACK in wasm (bench/measure-forward.ts): every nn.Conv2d of small-cnn and resnet20
(bench/torch_ref.py's models) run alone on a random input of its real shape at batch 128, timed as
one pass over all layers (median of repeats, each averaging enough passes for 250 ms), with 1 and 2
threads. Also prints the SIMD level PyTorch dispatches to on this CPU.

  python3 bench/torch_conv_rate.py [--batch 128] [--repeats 5]
"""
import argparse
import json
import statistics
import time

import torch

from torch_ref import MODELS


def conv_calls(model_name, batch):
    """(conv module, random input of its real shape, multiply-adds) for each nn.Conv2d of the model."""
    model = MODELS[model_name]().eval()
    shapes = {}

    def record(mod, inp, out):
        shapes[mod] = (inp[0].shape, out.shape)

    hooks = [m.register_forward_hook(record) for m in model.modules() if isinstance(m, torch.nn.Conv2d)]
    with torch.no_grad():
        model(torch.randn(1, 1, 28, 28))
    for h in hooks:
        h.remove()
    calls = []
    for mod, (ins, outs) in shapes.items():
        kh, kw = mod.kernel_size
        macs = outs[1] * outs[2] * outs[3] * mod.in_channels * kh * kw
        calls.append((mod, torch.randn(batch, *ins[1:]), macs))
    return calls


def conv_gflops(calls, batch, repeats):
    def run():
        for mod, x, _ in calls:
            mod(x)

    with torch.no_grad():
        t = time.perf_counter()
        run()
        n = max(1, int(0.25 / max(time.perf_counter() - t, 1e-6)) + 1)
        rates = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            for _ in range(n):
                run()
            ms = (time.perf_counter() - t0) / n
            rates.append(2 * sum(m for _, _, m in calls) * batch / ms / 1e9)
    return statistics.median(rates), rates


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--repeats", type=int, default=5)
    a = p.parse_args()
    out = {"torch": torch.__version__, "cpuCapability": torch.backends.cpu.get_cpu_capability(), "batch": a.batch, "models": {}}
    for name in MODELS:
        calls = conv_calls(name, a.batch)
        out["models"][name] = {}
        for t in (1, 2):
            torch.set_num_threads(t)
            g, samples = conv_gflops(calls, a.batch, a.repeats)
            out["models"][name][f"{t} thread{'s' if t > 1 else ''}"] = {"convGflops": round(g, 2), "samples": [round(s, 2) for s in samples]}
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
