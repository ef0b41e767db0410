#!/usr/bin/python3
"""Writes keras_formula.json: 50-step trajectories of Keras 3's optimizer
update rules (keras/src/optimizers/{adam,sgd,rmsprop}.py and the base
optimizer's clipping and weight decay), written out in numpy float32 with
the operations in Keras' order, as a Keras float32 model computes them:
Python-float hyperparameters such as `1 - beta_2` are computed in float64
and rounded to float32 once; everything on tensors is float32.

The loss is a per-element quadratic, so the gradient is exact in float32
and the Go test recomputes it bit for bit: g = (w - target) * k.

Run: /usr/bin/python3 optim/testdata/keras_formula.py (from the repository root).
"""
import json
import os

import numpy as np

f32 = np.float32
N, STEPS = 24, 50


def clip(grads, cfg):
    if cfg.get("clipnorm"):
        c = f32(cfg["clipnorm"])
        out = []
        for g in grads:
            l2sum = np.sum(np.square(g), dtype=f32)
            l2norm = np.sqrt(l2sum) if l2sum > 0 else l2sum
            out.append((g * c) / np.maximum(l2norm, c))
        return out
    if cfg.get("global_clipnorm"):
        c = cfg["global_clipnorm"]
        sq = np.sum(np.stack([np.sum(np.square(g), dtype=f32) for g in grads]), dtype=f32)
        norm = np.sqrt(sq)
        scale = f32(c) * np.minimum(f32(1.0) / norm, f32(1.0 / c)) + (norm - norm)
        return [g * scale for g in grads]
    if cfg.get("clipvalue"):
        v = f32(cfg["clipvalue"])
        return [np.clip(g, -v, v) for g in grads]
    return grads


def adam(w, g, s, it, lr, cfg):
    b1, b2, eps = cfg.get("beta_1", 0.9), cfg.get("beta_2", 0.999), cfg.get("epsilon", 1e-7)
    t = f32(it + 1)
    b1p, b2p = np.power(f32(b1), t), np.power(f32(b2), t)
    alpha = lr * np.sqrt(f32(1) - b2p) / (f32(1) - b1p)
    s["m"] += (g - s["m"]) * f32(1 - b1)
    s["v"] += (np.square(g) - s["v"]) * f32(1 - b2)
    v = s["v"]
    if cfg.get("amsgrad"):
        s["vhat"] = np.maximum(s["vhat"], s["v"])
        v = s["vhat"]
    w -= (s["m"] * alpha) / (np.sqrt(v) + f32(eps))


def sgd(w, g, s, it, lr, cfg):
    mu = cfg.get("momentum", 0.0)
    if mu == 0:
        w -= g * lr
        return
    m = s["m"]
    m[:] = m * f32(mu) - g * lr
    if cfg.get("nesterov"):
        w += m * f32(mu) - g * lr
    else:
        w += m


def rmsprop(w, g, s, it, lr, cfg):
    rho, mu, eps = cfg.get("rho", 0.9), cfg.get("momentum", 0.0), cfg.get("epsilon", 1e-7)
    s["v"][:] = f32(rho) * s["v"] + f32(1 - rho) * np.square(g)
    if cfg.get("centered"):
        s["avg"][:] = f32(rho) * s["avg"] + f32(1 - rho) * g
        den = s["v"] - np.square(s["avg"]) + f32(eps)
    else:
        den = s["v"] + f32(eps)
    inc = (lr * g) / np.sqrt(den)
    if mu > 0:
        s["mom"][:] = f32(mu) * s["mom"] + inc
        w -= s["mom"]
    else:
        w -= inc


RULES = {"adam": adam, "adamw": adam, "sgd": sgd, "rmsprop": rmsprop}
DEFAULT_LR = {"adam": 1e-3, "adamw": 1e-3, "sgd": 0.01, "rmsprop": 1e-3}

CASES = [
    {"name": "adam", "optimizer": "adam"},
    {"name": "adam_lr0.01_b2_0.99", "optimizer": "adam", "learning_rate": 0.01, "beta_2": 0.99},
    {"name": "adam_amsgrad", "optimizer": "adam", "amsgrad": True, "learning_rate": 0.01},
    {"name": "adamw", "optimizer": "adamw", "weight_decay": 0.004, "learning_rate": 0.01},
    {"name": "adam_clipnorm", "optimizer": "adam", "clipnorm": 0.5},
    {"name": "adam_global_clipnorm", "optimizer": "adam", "global_clipnorm": 0.7},
    {"name": "sgd", "optimizer": "sgd", "learning_rate": 0.1},
    {"name": "sgd_momentum", "optimizer": "sgd", "learning_rate": 0.05, "momentum": 0.9},
    {"name": "sgd_nesterov_clipvalue", "optimizer": "sgd", "learning_rate": 0.05, "momentum": 0.9,
     "nesterov": True, "clipvalue": 1.5},
    {"name": "sgd_weight_decay", "optimizer": "sgd", "learning_rate": 0.1, "weight_decay": 0.01},
    {"name": "rmsprop", "optimizer": "rmsprop"},
    {"name": "rmsprop_centered_momentum", "optimizer": "rmsprop", "learning_rate": 0.003,
     "centered": True, "momentum": 0.5},
]


def run(case, w0, target, k):
    # Two variables (the halves of the vector) so that per-variable and
    # global clipping differ.
    ws = [w0[: N // 2].copy(), w0[N // 2:].copy()]
    ts, ks = [target[: N // 2], target[N // 2:]], [k[: N // 2], k[N // 2:]]
    names = ["m", "v", "vhat", "avg", "mom"]
    states = [{n: np.zeros_like(w) for n in names} for w in ws]
    lr = f32(case.get("learning_rate", DEFAULT_LR[case["optimizer"]]))
    rule = RULES[case["optimizer"]]
    trajectory = []
    for it in range(STEPS):
        grads = [(w - t) * kk for w, t, kk in zip(ws, ts, ks)]
        grads = clip(grads, case)
        if case.get("weight_decay"):
            for w in ws:
                w[:] = w - w * f32(case["weight_decay"]) * lr
        for w, g, s in zip(ws, grads, states):
            rule(w, g, s, it, lr, case)
        if it + 1 in (1, STEPS):
            trajectory.append({"step": it + 1, "w": [float(x) for x in np.concatenate(ws)]})
    assert all(w.dtype == f32 for w in ws)
    return trajectory


def main():
    rng = np.random.default_rng(20261129)
    w0 = rng.normal(0, 1, N).astype(f32)
    target = rng.normal(0, 1, N).astype(f32)
    k = rng.uniform(0.05, 3, N).astype(f32)
    out = {"w0": [float(x) for x in w0], "target": [float(x) for x in target], "k": [float(x) for x in k],
           "cases": [dict(case, trajectory=run(case, w0, target, k)) for case in CASES]}
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "keras_formula.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=None, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
