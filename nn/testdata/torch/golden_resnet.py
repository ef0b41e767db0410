"""ResNet-20 twin (Keras cifar10_resnet v1, depth 20) for the Go test
optim/resnet_golden_test.go: forward, backward and 10 steps of Keras' Adam
on a batch of 2 32x32x3 images, in float64.  Called by make_golden.py
with itself as `mg`.

Weights and inputs are not stored: both sides draw them from the same
integer generator (splitmix64, below and in the Go test), so the file
holds only results.  Parameters are drawn in Keras order (the order the
model creates them): for every layer, kernel then bias; BatchNormalization
gamma, beta, moving_mean, moving_variance."""

import math

import torch
import torch.nn.functional as F

F64 = torch.float64
MASK = (1 << 64) - 1
SEED_WEIGHTS, SEED_X = 2026, 1129
LABELS = [3, 7]


class SplitMix64:
    """splitmix64; u() is uniform in [0, 1) with 53 bits."""

    def __init__(self, seed):
        self.s = seed & MASK

    def next(self):
        self.s = (self.s + 0x9E3779B97F4A7C15) & MASK
        z = self.s
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)

    def u(self):
        return (self.next() >> 11) * (1.0 / (1 << 53))


def f32(v):
    return float(torch.tensor(v, dtype=torch.float32))


def draw(rng, n, lo, hi):
    """n float32 values (as float64) lo + (hi-lo)*u, rounded to float32."""
    return torch.tensor([f32(lo + (hi - lo) * rng.u()) for _ in range(n)],
                        dtype=F64)


def layers():
    """(name, kind, shape) in Keras' creation order, with Keras' names."""
    out, count = [], {"conv2d": 0, "batch_normalization": 0}

    def name(base):
        k = count[base]
        count[base] += 1
        return base if k == 0 else f"{base}_{k}"

    def conv(cin, cout, k, bn=True):
        out.append((name("conv2d"), "conv", (k, k, cin, cout)))
        if bn:
            out.append((name("batch_normalization"), "bn", (cout,)))

    conv(3, 16, 3)
    cin = 16
    for stack, f in enumerate((16, 32, 64)):
        for block in range(3):
            conv(cin, f, 3)
            conv(f, f, 3)
            if stack > 0 and block == 0:
                conv(cin, f, 1, bn=False)
            cin = f
    out.append(("dense", "dense", (64, 10)))
    return out


def init_params():
    rng = SplitMix64(SEED_WEIGHTS)
    p = {}
    for name, kind, shape in layers():
        if kind == "bn":
            c = shape[0]
            p[f"{name}/gamma"] = draw(rng, c, 0.8, 1.2)
            p[f"{name}/beta"] = draw(rng, c, -0.1, 0.1)
            p[f"{name}/moving_mean"] = draw(rng, c, -0.1, 0.1)
            p[f"{name}/moving_variance"] = draw(rng, c, 0.9, 1.1)
            continue
        fan_in = math.prod(shape[:-1])
        lim = math.sqrt(6.0 / fan_in)
        n = math.prod(shape)
        p[f"{name}/kernel"] = draw(rng, n, -lim, lim).reshape(shape)
        p[f"{name}/bias"] = draw(rng, shape[-1], -0.05, 0.05)
    assert sum(v.numel() for v in p.values()) == 274442
    return p


def forward(mg, p, x, training, new_stats):
    """Keras resnet_v1 forward; in training, BN uses batch statistics and
    new_stats receives the updated moving statistics (momentum 0.99)."""
    names = iter(layers())

    def conv(h, strides, bn=True, act=True):
        name, _, _ = next(names)
        h = mg.conv2d(h, p[f"{name}/kernel"], p[f"{name}/bias"],
                      (strides, strides), "same")
        if bn:
            b, _, _ = next(names)
            if training:
                mean = h.mean(dim=(0, 1, 2))
                var = ((h - mean) ** 2).mean(dim=(0, 1, 2))
                new_stats[f"{b}/moving_mean"] = (
                    p[f"{b}/moving_mean"] * 0.99 + mean.detach() * 0.01)
                new_stats[f"{b}/moving_variance"] = (
                    p[f"{b}/moving_variance"] * 0.99 + var.detach() * 0.01)
            else:
                mean, var = p[f"{b}/moving_mean"], p[f"{b}/moving_variance"]
            h = (p[f"{b}/gamma"] * (h - mean) / torch.sqrt(var + 1e-3)
                 + p[f"{b}/beta"])
        return F.relu(h) if act else h

    h = conv(x, 1)
    for stack in range(3):
        for block in range(3):
            s = 2 if stack > 0 and block == 0 else 1
            y = conv(conv(h, s), 1, act=False)
            if s == 2:
                h = conv(h, s, bn=False, act=False)
            h = F.relu(h + y)
    h = h.mean(dim=(1, 2))  # AveragePooling2D(8) on 8x8, Flatten
    return h @ p["dense/kernel"] + p["dense/bias"]  # logits


def keras_adam_scalars(t, lr=1e-3, beta_1=0.9, beta_2=0.999):
    """Keras 3's Adam scalars for step t as a float32 model computes them
    (keras/src/optimizers/adam.py): alpha = lr*sqrt(1 - b2^t)/(1 - b1^t)
    in float32 from float32(lr) and float32(beta)^t, and the Python floats
    1 - beta rounded to float32 once."""
    b1p, b2p = f32(f32(beta_1) ** t), f32(f32(beta_2) ** t)
    alpha = f32(f32(f32(lr) * f32(math.sqrt(f32(1 - b2p)))) / f32(1 - b1p))
    return alpha, f32(1 - beta_1), f32(1 - beta_2)


def train(mg, p0, x, labels, steps=10):
    trainable = [k for k in p0 if not k.endswith(("moving_mean",
                                                  "moving_variance"))]
    p = {k: v.clone().requires_grad_(k in trainable) for k, v in p0.items()}
    m = {k: torch.zeros_like(p[k]) for k in trainable}
    v2 = {k: torch.zeros_like(p[k]) for k in trainable}
    losses, probs0, grads0 = [], None, None
    for t in range(1, steps + 1):
        for k in trainable:
            p[k].grad = None
        stats = {}
        logits = forward(mg, p, x, True, stats)
        loss = F.nll_loss(F.log_softmax(logits, -1), labels)
        loss.backward()
        losses.append(loss.item())
        if t == 1:
            probs0 = torch.softmax(logits, -1).detach()
            grads0 = {k: p[k].grad.clone() for k in trainable}
        with torch.no_grad():
            alpha, c1, c2 = keras_adam_scalars(t)
            for k in trainable:
                g = p[k].grad
                m[k] += (g - m[k]) * c1
                v2[k] += (g * g - v2[k]) * c2
                p[k] -= (m[k] * alpha) / (torch.sqrt(v2[k]) + 1e-7)
            for k, v in stats.items():
                p[k].copy_(v)
    with torch.no_grad():  # evaluation: Keras' probability path (clipped)
        probs = torch.softmax(forward(mg, p, x, False, None), -1)
        probs = torch.clamp(probs / probs.sum(-1, keepdim=True),
                            mg.EPS_CLIP, 1 - mg.EPS_CLIP)
        losses.append(-torch.log(probs[range(len(labels)), labels])
                      .mean().item())
    return losses, probs0, grads0, {k: v.detach() for k, v in p.items()}


# (A convolution's bias before a BatchNormalization has a zero gradient:
# not compared.)
GRADS = ["conv2d/kernel", "conv2d_9/bias", "batch_normalization/gamma",
         "conv2d_9/kernel", "batch_normalization_18/beta", "dense/kernel",
         "dense/bias"]
FINAL = ["conv2d/kernel", "conv2d_9/kernel", "dense/kernel", "dense/bias",
         "batch_normalization/moving_mean",
         "batch_normalization_18/moving_variance"]


def main(mg):
    p0 = init_params()
    x = draw(SplitMix64(SEED_X), 2 * 32 * 32 * 3, 0.0, 1.0).reshape(
        2, 32, 32, 3)
    labels = torch.tensor(LABELS)
    losses, probs0, grads0, final = train(mg, p0, x, labels)
    t = {"losses": mg.T(torch.tensor(losses, dtype=F64)),
         "probs_initial": mg.T(probs0)}
    for k in GRADS:
        t[f"grad_step1/{k}"] = mg.T(grads0[k])
    for k in FINAL:
        t[f"final/{k}"] = mg.T(final[k])
    print("resnet20 losses:", " ".join(f"{v:.6f}" for v in losses))
    mg.write("resnet20_adam.json",
             "ResNet-20 (Keras cifar10_resnet v1, depth 20) on 2 images "
             "32x32x3 with labels [3, 7], float64: probs_initial, the first "
             "step's gradients (grad_step1/<weight>), losses (before each of "
             "10 steps of Keras' Adam lr 1e-3 (its float32 scalars) in training mode, then one in "
             "inference mode with the moving statistics, on Keras' clipped "
             "probability path) and final weights "
             "(final/<weight>). Weights and x are not stored: they come from "
             "splitmix64 (golden_resnet.py, seeds in params), drawn in Keras "
             "order.", t,
             {"seed_weights": SEED_WEIGHTS, "seed_x": SEED_X,
              "labels": LABELS, "steps": 10})
