"""PyTorch twin of cnnscope's basic-cnn preset (the Keras tutorial CNN) on
random 28x28x1 data, timed as ../shared/bench/torch_vgg_small.py times
vgg-small: Adam 1e-3 (eps 1e-7), training at --batch for half of --seconds,
inference at batch 256 (eval, no_grad) for the other half. Prints the line
scripts/bench_vs_pytorch.sh reads.
Usage: /usr/bin/python3 scripts/torch_basic_cnn_twin.py --size 28 --batch 32 --seconds 20"""
import argparse
import time

import torch
import torch.nn as nn

p = argparse.ArgumentParser()
p.add_argument("--batch", type=int, default=32)
p.add_argument("--seconds", type=float, default=20)
p.add_argument("--size", type=int, default=28)
p.add_argument("--threads", type=int, default=2)
p.add_argument("--channels_last", action="store_true")
a = p.parse_args()
torch.set_num_threads(a.threads)
torch.manual_seed(1)
s = ((a.size - 2) // 2 - 2) // 2 - 2  # three valid 3x3 convolutions, two 2x2 pools
m = nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
                  nn.Conv2d(64, 64, 3), nn.ReLU(), nn.Flatten(), nn.Linear(64 * s * s, 64), nn.ReLU(), nn.Linear(64, 10))
opt = torch.optim.Adam(m.parameters(), lr=1e-3, eps=1e-7)
lossf = nn.CrossEntropyLoss()
x = torch.rand(a.batch, 1, a.size, a.size)
y = torch.randint(0, 10, (a.batch,))
if a.channels_last:
    m = m.to(memory_format=torch.channels_last)
    x = x.contiguous(memory_format=torch.channels_last)


def step():
    opt.zero_grad()
    lossf(m(x), y).backward()
    opt.step()


m.train()
for _ in range(5):
    step()
t, n = time.time(), 0
while time.time() - t < a.seconds / 2:
    step()
    n += a.batch
tr = n / (time.time() - t)
m.eval()
xi = torch.rand(256, 1, a.size, a.size)
if a.channels_last:
    xi = xi.contiguous(memory_format=torch.channels_last)
with torch.no_grad():
    for _ in range(2):
        m(xi)
    t, n = time.time(), 0
    while time.time() - t < a.seconds / 2:
        m(xi)
        n += 256
inf = n / (time.time() - t)
print(f"torch basic-cnn {a.size}x{a.size}x1 batch {a.batch}: train {tr:.0f} samples/s, infer {inf:.0f} samples/s")
