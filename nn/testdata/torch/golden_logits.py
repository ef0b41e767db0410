#!/usr/bin/python3
"""Golden file logits.json: the cross-entropies from logits (Keras'
from_logits=True) as PyTorch computes them (F.cross_entropy,
F.binary_cross_entropy_with_logits), on logits large enough that a naive
softmax or sigmoid in float32 would overflow or lose the loss, with
per-sample weights that come from class weights, and a linear Dense head
trained from logits (the gradients of its kernel and bias).

Called by make_golden.py with it as `mg` (helpers rand32, T, scalar,
write, close); to write only this file:

    /usr/bin/python3 nn/testdata/torch/golden_logits.py
"""

import os
import sys

import torch
import torch.nn.functional as F

F64 = torch.float64
F32 = torch.float32

# Rows of extreme logits (exact float32 values): a 160-wide spread, a tie
# at a large value, logits of ±1000 (exp overflows even in float64: only
# the shifted forms survive), the label on the smallest logit, ordinary
# values.
EXTREME = [
    [80.0, -80.0, 0.0, 79.5, -3.0],
    [50.0, 50.0, 50.0, 50.0, 50.0],
    [-1000.0, 1000.0, 0.25, -0.5, 999.0],
    [0.1, -0.2, 0.3, -0.4, 0.5],
    [-60.0, -61.0, -59.5, -200.0, -58.0],
    [1.5, -2.25, 3.0, 0.0, -1.0],
]
LABELS = [1, 3, 0, 2, 3, 4]            # 0 sits on -80, 3 on -200, ...
CLASS_WEIGHT = [1.0, 2.5, 0.5, 4.0, 1.5]  # sample weight = class_weight[label]

BCE = [
    [60.0, -60.0, 0.0, 17.0],
    [-90.0, 90.0, -0.75, 2.5],
    [0.5, -1.5, 30.0, -30.0],
    [-5.0, 5.0, 800.0, -800.0],
]
BCE_HARD = [[0, 1, 1, 0], [1, 0, 0, 1], [1, 1, 0, 0], [0, 1, 1, 1]]


def reduce_sw(per_sample, w):
    """Keras 'sum_over_batch_size': sum(w_i * l_i) / N."""
    return (per_sample * w).sum() / per_sample.shape[0]


def with_grad(fn, x, w):
    a = x.clone().requires_grad_(True)
    loss = reduce_sw(fn(a), w)
    loss.backward()
    return loss.item(), a.grad


def cases(mg, tensors, name, fn, x, w):
    """Per-sample losses, and the unweighted and weighted loss and grad."""
    tensors[f"{name}/per_sample"] = mg.T(fn(x))
    for wname, ww in (("unweighted", torch.ones_like(w)), ("weighted", w)):
        loss, g = with_grad(fn, x, ww)
        tensors[f"{name}/{wname}/loss"] = mg.scalar(loss)
        tensors[f"{name}/{wname}/grad"] = mg.T(g)


def categorical(mg, tensors):
    z = torch.tensor(EXTREME, dtype=F32).to(F64)
    y = torch.tensor(LABELS)
    w = torch.tensor(CLASS_WEIGHT, dtype=F64)[y]
    soft = torch.softmax(torch.arange(30, dtype=F64).reshape(6, 5) / 7, -1)
    soft = soft.to(F32).to(F64)
    tensors.update({"cat/logits": mg.T(z), "cat/labels": mg.T(y),
                    "cat/sample_weight": mg.T(w), "cat/soft": mg.T(soft),
                    "cat/probs": mg.T(torch.softmax(z, -1))})
    sparse = lambda a: F.cross_entropy(a, y, reduction="none")  # noqa: E731
    cases(mg, tensors, "sparse", sparse, z, w)
    soft_fn = lambda a: F.cross_entropy(a, soft, reduction="none")  # noqa
    cases(mg, tensors, "soft", soft_fn, z, w)
    # cross-checks: the loss is logsumexp - z_y; the grad (p - onehot)*w/N
    lse = torch.logsumexp(z, -1)
    mg.close(tensors["sparse/per_sample"]["data"],
             lse - z.gather(1, y[:, None])[:, 0])
    p = torch.softmax(z, -1)
    mg.close(tensors["sparse/weighted/grad"]["data"],
             ((p - F.one_hot(y, 5)) * w[:, None] / 6).flatten())
    # a float32 softmax then log would lose these rows entirely
    naive = -torch.log(torch.softmax(z.to(F32), -1)).gather(1, y[:, None])
    assert bool(torch.isinf(naive).any()), "the extremes are not extreme"
    assert bool(torch.isinf(torch.exp(z)).any()), "exp(z) fits in float64"


def binary(mg, tensors):
    z = torch.tensor(BCE, dtype=F32).to(F64)
    t = torch.tensor(BCE_HARD, dtype=F64)
    w = torch.tensor([0.5, 2.0, 0.0, 1.25], dtype=F64)
    tensors.update({"bce/logits": mg.T(z), "bce/hard": mg.T(t),
                    "bce/sample_weight": mg.T(w),
                    "bce/probs": mg.T(torch.sigmoid(z))})
    fn = lambda a: F.binary_cross_entropy_with_logits(  # noqa: E731
        a, t, reduction="none").mean(-1)
    cases(mg, tensors, "bce", fn, z, w)
    stable = (z.clamp(min=0) - z * t + torch.log1p(torch.exp(-z.abs())))
    mg.close(tensors["bce/per_sample"]["data"], stable.mean(-1))
    assert bool(torch.isinf(torch.log1p(torch.exp(z))).any()), "not extreme"


def dense_head(mg, tensors):
    """A linear Dense head (y = x @ W + b, no activation) trained with
    sparse cross-entropy from logits and class-weighted samples."""
    torch.manual_seed(1300)
    x = mg.rand32((6, 7), -2.0, 2.0)
    kernel = mg.rand32((7, 5), -1.5, 1.5)
    bias = mg.rand32((5,), -0.5, 0.5)
    y = torch.tensor(LABELS)
    w = torch.tensor(CLASS_WEIGHT, dtype=F64)[y]
    k = kernel.clone().requires_grad_(True)
    b = bias.clone().requires_grad_(True)
    logits = x @ k + b
    loss = reduce_sw(F.cross_entropy(logits, y, reduction="none"), w)
    loss.backward()
    tensors.update({"head/x": mg.T(x), "head/kernel": mg.T(kernel),
                    "head/bias": mg.T(bias), "head/logits": mg.T(logits),
                    "head/loss": mg.scalar(loss.item()),
                    "head/dkernel": mg.T(k.grad), "head/dbias": mg.T(b.grad)})


def main(mg):
    tensors = {}
    categorical(mg, tensors)
    binary(mg, tensors)
    dense_head(mg, tensors)
    mg.write("logits.json",
             "Cross-entropies from logits (Keras from_logits=True) by "
             "PyTorch: F.cross_entropy (sparse/: cat/labels; soft/: cat/soft "
             "targets) and F.binary_cross_entropy_with_logits (bce/, mean "
             "over the last axis) on extreme float32 logits; reduction "
             "sum_over_batch_size = sum_i(w_i*l_i)/N, weights from class "
             "weights (cat/sample_weight = class_weight[label]). <c>/"
             "per_sample, <c>/{unweighted,weighted}/{loss,grad}; cat/probs "
             "and bce/probs are softmax and sigmoid of the logits. head/: "
             "a linear Dense (x @ kernel + bias) under weighted sparse "
             "cross-entropy from logits: loss, dkernel, dbias.",
             tensors, {"class_weight": CLASS_WEIGHT,
                       "reduction": "sum_over_batch_size"})


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    torch.set_num_threads(1)
    import make_golden  # noqa: E402
    main(make_golden)
