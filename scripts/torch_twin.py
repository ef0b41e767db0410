"""Shared part of the PyTorch twins of cnnscope's presets (torch_resnet_20.py,
torch_mobilenet_v2_small.py, torch_basic_cnn_twin.py): flags, Keras-style parameter counts, and the
timed loops of ../shared/bench/torch_vgg_small.py (Adam 1e-3, eps 1e-7, random
data; training at --batch for half of --seconds, inference at batch 256 for the
other half). Not run by itself."""
import argparse
import time

import torch
import torch.nn as nn


def parse(doc):
    p = argparse.ArgumentParser(description=doc)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--seconds", type=float, default=20)
    p.add_argument("--size", type=int, required=True)
    p.add_argument("--classes", type=int, default=10)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--channels_last", action="store_true")
    p.add_argument("--expect-params", default="",
                   help="TOTAL,NON_TRAINABLE as cnnscope summary counts them: exit 1 unless equal")
    return p.parse_args()


def keras_params(m):
    """(total, non-trainable) as Keras counts them: BatchNorm's moving mean
    and variance are non-trainable weights (torch keeps them as buffers)."""
    trainable = sum(p.numel() for p in m.parameters())
    moving = sum(b.numel() for n, b in m.named_buffers() if n.endswith(("running_mean", "running_var")))
    return trainable + moving, moving


def check_params(name, m, expect):
    total, frozen = keras_params(m)
    print(f"torch {name}: {total:,} params, {frozen:,} non-trainable")
    if expect:
        want = tuple(int(v) for v in expect.split(","))
        if (total, frozen) != want:
            raise SystemExit(f"torch {name}: {total:,}/{frozen:,} params, cnnscope has {want[0]:,}/{want[1]:,}")


def run(name, m, a, channels=3):
    """Times training and inference as torch_vgg_small.py does and prints
    the line scripts/bench_vs_pytorch.sh reads."""
    torch.set_num_threads(a.threads)
    opt = torch.optim.Adam(m.parameters(), lr=1e-3, eps=1e-7)
    lossf = nn.CrossEntropyLoss()
    x = torch.rand(a.batch, channels, a.size, a.size)
    y = torch.randint(0, a.classes, (a.batch,))
    if a.channels_last:
        m = m.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)

    def step():
        opt.zero_grad()
        lossf(m(x), y).backward()
        opt.step()

    m.train()
    for _ in range(3):
        step()
    t, n = time.time(), 0
    while time.time() - t < a.seconds / 2:
        step()
        n += a.batch
    tr = n / (time.time() - t)
    m.eval()
    xi = torch.rand(256, channels, a.size, a.size)
    if a.channels_last:
        xi = xi.contiguous(memory_format=torch.channels_last)
    with torch.no_grad():
        m(xi)
        t, n = time.time(), 0
        while time.time() - t < a.seconds / 2:
            m(xi)
            n += 256
    inf = n / (time.time() - t)
    print(f"torch {name} {a.size}x{a.size}x{channels} batch {a.batch}: train {tr:.0f} samples/s, infer {inf:.0f} samples/s")
