#!/usr/bin/python3
"""Write the PyTorch golden files that the Go nn tests compare against.

Run from the repository root with Debian's PyTorch (not a pyenv python):

    /usr/bin/python3 nn/testdata/torch/make_golden.py

Every file is JSON:

    {"description": "...",
     "params":  {...},                                  # scalars / configs
     "tensors": {"name": {"shape": [...], "data": [...]}}}  # row-major

Layouts follow Keras: images NHWC, conv kernels HWIO, dense kernels
(in, out) with y = x @ W + b, Flatten in (h, w, c) order.  Inputs and
weights are float32 values; references (except basic_cnn_adam, which trains
in float32 like a real run) are computed in float64 from those values.
See README.md beside this file.
"""

import json
import math
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import golden_layers  # noqa: E402
import golden_logits  # noqa: E402
import golden_resnet  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
F64 = torch.float64
F32 = torch.float32
EPS_CLIP = 1e-7  # keras.config.epsilon()


# ---------------------------------------------------------------- helpers

def rand32(shape, lo, hi):
    """Uniform float32 values in [lo, hi), returned as float64 (exact)."""
    u = torch.rand(shape, dtype=F32)
    return (u * np.float32(hi - lo) + np.float32(lo)).to(F32).to(F64)


def distinct32(shape, lo, hi):
    """Pairwise distinct float32 values spread over [lo, hi) (no ties)."""
    n = int(np.prod(shape))
    perm = torch.randperm(n).to(F64)
    v = ((perm + 0.5) / n * (hi - lo) + lo).to(F32).to(F64)
    assert len(set(v.tolist())) == n
    return v.reshape(shape)


def T(t):
    """Tensor -> JSON object with full float64 repr (exact round trip)."""
    t = t.detach()
    if t.dtype in (torch.int64, torch.int32):
        data = [int(v) for v in t.flatten().tolist()]
    else:
        data = [float(v) for v in t.to(F64).flatten().tolist()]
    return {"shape": list(t.shape), "data": data}


def T32(t):
    """Compact form for float32 values: the shortest decimal d such that
    float32(float64(d)) is the original float32 (checked; falls back to the
    full float64 repr if the double rounding ever disagrees)."""
    t = t.detach().to(F32)
    data = []
    for v in t.flatten().numpy():
        s = float(str(np.float32(v)))
        if np.float32(s) != v:
            s = float(v)
        data.append(s)
    return {"shape": list(t.shape), "data": data}


def scalar(v):
    return {"shape": [], "data": [float(v)]}


def write(fname, description, tensors, params=None):
    obj = {"description": description, "params": params or {},
           "tensors": tensors}
    path = os.path.join(HERE, fname)
    with open(path, "w") as f:
        json.dump(obj, f, separators=(",", ":"))
        f.write("\n")
    size = os.path.getsize(path)
    print(f"wrote {fname}: {size} bytes, {len(tensors)} tensors")
    return size


def close(a, b, tol=1e-10):
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    err = np.max(np.abs(a - b) / np.maximum(1.0, np.abs(b)))
    assert err < tol, err


def same_pads(n, k, s):
    """Keras/TF 'same' padding: (before, after) for one spatial dim."""
    out = -(-n // s)
    total = max((out - 1) * s + k - n, 0)
    return total // 2, total - total // 2


def nchw(x):
    return x.permute(0, 3, 1, 2)


def nhwc(x):
    return x.permute(0, 2, 3, 1)


def conv2d(x, kernel, bias, strides, padding):
    """x NHWC, kernel HWIO (Keras layout)."""
    xc = nchw(x)
    kh, kw = kernel.shape[0], kernel.shape[1]
    if padding == "same":
        pt, pb = same_pads(x.shape[1], kh, strides[0])
        pl, pr = same_pads(x.shape[2], kw, strides[1])
        xc = F.pad(xc, (pl, pr, pt, pb))
    y = F.conv2d(xc, kernel.permute(3, 2, 0, 1), bias, stride=tuple(strides))
    return nhwc(y)


def pool_pads(x, pool, strides, padding):
    if padding != "same":
        return (0, 0, 0, 0)
    pt, pb = same_pads(x.shape[1], pool[0], strides[0])
    pl, pr = same_pads(x.shape[2], pool[1], strides[1])
    return (pl, pr, pt, pb)


def maxpool(x, pool, strides, padding):
    xc = F.pad(nchw(x), pool_pads(x, pool, strides, padding),
               value=-math.inf)
    return nhwc(F.max_pool2d(xc, tuple(pool), tuple(strides)))


def avgpool(x, pool, strides, padding):
    """Average over the valid (non-padded) elements of each window."""
    pads = pool_pads(x, pool, strides, padding)
    s = F.avg_pool2d(F.pad(nchw(x), pads), tuple(pool), tuple(strides))
    ones = torch.ones_like(nchw(x)[:1, :1])
    c = F.avg_pool2d(F.pad(ones, pads), tuple(pool), tuple(strides))
    return nhwc(s / c)


def with_grads(fn, inputs, dy=None):
    """Run fn(**inputs) in float64, backprop dy (random float32 values in
    [-1, 1) if not given). Returns y, dy, {name: grad}."""
    leaves = {k: (v.clone().requires_grad_(True) if v is not None else None)
              for k, v in inputs.items()}
    y = fn(**leaves)
    if dy is None:
        dy = rand32(tuple(y.shape), -1.0, 1.0)
    y.backward(dy)
    return y.detach(), dy, {k: v.grad for k, v in leaves.items()
                            if v is not None}


# ------------------------------------------------- naive numpy references

def naive_conv(x, k, b, strides, padding):
    x = x.numpy(); k = k.numpy()
    n, h, w, c = x.shape
    kh, kw, _, co = k.shape
    sh, sw = strides
    if padding == "same":
        (pt, pb), (pl, pr) = same_pads(h, kh, sh), same_pads(w, kw, sw)
    else:
        pt = pb = pl = pr = 0
    xp = np.zeros((n, h + pt + pb, w + pl + pr, c))
    xp[:, pt:pt + h, pl:pl + w, :] = x
    oh = (xp.shape[1] - kh) // sh + 1
    ow = (xp.shape[2] - kw) // sw + 1
    y = np.zeros((n, oh, ow, co))
    for i in range(oh):
        for j in range(ow):
            patch = xp[:, i * sh:i * sh + kh, j * sw:j * sw + kw, :]
            y[:, i, j, :] = np.tensordot(patch, k, axes=([1, 2, 3],
                                                         [0, 1, 2]))
    if b is not None:
        y += b.numpy()
    return y


def naive_pool(x, pool, strides, padding, kind):
    x = x.numpy()
    n, h, w, c = x.shape
    if padding == "same":
        oh, ow = -(-h // strides[0]), -(-w // strides[1])
        pt, _ = same_pads(h, pool[0], strides[0])
        pl, _ = same_pads(w, pool[1], strides[1])
    else:
        oh = (h - pool[0]) // strides[0] + 1
        ow = (w - pool[1]) // strides[1] + 1
        pt = pl = 0
    y = np.zeros((n, oh, ow, c))
    for i in range(oh):
        for j in range(ow):
            r0, c0 = i * strides[0] - pt, j * strides[1] - pl
            rs = slice(max(r0, 0), min(r0 + pool[0], h))
            cs = slice(max(c0, 0), min(c0 + pool[1], w))
            win = x[:, rs, cs, :]
            y[:, i, j, :] = (win.max(axis=(1, 2)) if kind == "max"
                             else win.mean(axis=(1, 2)))
    return y


# ------------------------------------------------------------------ conv

def conv_file(fname, seed, kshape, strides, padding, use_bias, desc):
    torch.manual_seed(seed)
    x = rand32((2, 7, 5, 3), -1.0, 1.0)
    kernel = rand32(kshape, -0.5, 0.5)
    bias = rand32((kshape[3],), -0.5, 0.5) if use_bias else None
    y, dy, g = with_grads(
        lambda x, kernel, bias: conv2d(x, kernel, bias, strides, padding),
        {"x": x, "kernel": kernel, "bias": bias})
    close(y, naive_conv(x, kernel, bias, strides, padding))
    # gradient of the wrapper checked numerically
    torch.autograd.gradcheck(
        lambda a, k: conv2d(a, k, None, strides, padding),
        (x[:1].clone().requires_grad_(True),
         kernel.clone().requires_grad_(True)))
    tensors = {"x": T(x), "kernel": T(kernel)}
    if use_bias:
        tensors["bias"] = T(bias)
    tensors.update({"y": T(y), "dy": T(dy), "dx": T(g["x"]),
                    "dkernel": T(g["kernel"])})
    if use_bias:
        tensors["dbias"] = T(g["bias"])
    if padding == "same":
        pads = [*same_pads(7, kshape[0], strides[0]),
                *same_pads(5, kshape[1], strides[1])]
    else:
        pads = [0, 0, 0, 0]
    params = {"strides": list(strides), "padding": padding,
              "use_bias": use_bias, "kernel_size": list(kshape[:2]),
              "filters": kshape[3],
              "pads_top_bottom_left_right": pads}
    write(fname, desc, tensors, params)
    return x, kernel, bias, y


# --------------------------------------------------------------- pooling

POOL_CASES = [
    ("valid_2x2", (2, 2), (2, 2), "valid"),
    ("same_3x3_s2", (3, 3), (2, 2), "same"),
    ("same_2x2", (2, 2), (2, 2), "same"),  # asymmetric pad (0 before, 1 after)
]


def pool_files():
    torch.manual_seed(300)
    x = distinct32((2, 7, 5, 3), -4.0, 4.0)
    for kind, fn, fname in (("max", maxpool, "maxpool.json"),
                            ("avg", avgpool, "avgpool.json")):
        tensors = {"x": T(x)}
        params = {}
        for name, pool, strides, padding in POOL_CASES:
            y, dy, g = with_grads(
                lambda x: fn(x, pool, strides, padding), {"x": x})
            close(y, naive_pool(x, pool, strides, padding, kind))
            tensors[f"{name}/y"] = T(y)
            tensors[f"{name}/dy"] = T(dy)
            tensors[f"{name}/dx"] = T(g["x"])
            params[name] = {"pool_size": list(pool), "strides": list(strides),
                            "padding": padding}
        desc = (f"{'Max' if kind == 'max' else 'Average'}Pooling2D on NHWC x "
                "(pairwise distinct values). Cases (tensor prefix): "
                + ", ".join(f"{n}: pool {p}, strides {s}, {pad}"
                            for n, p, s, pad in POOL_CASES)
                + ". dx = gradient of sum(y*dy) w.r.t. x.")
        if kind == "max":
            desc += " 'same' pads with -inf (padding never wins)."
        else:
            desc += (" 'same' averages over valid elements only "
                     "(count_include_pad=False, as Keras/TF).")
            y, dy, g = with_grads(lambda x: x.mean(dim=(1, 2)), {"x": x})
            tensors["global/y"] = T(y)
            tensors["global/dy"] = T(dy)
            tensors["global/dx"] = T(g["x"])
            params["global"] = {"layer": "GlobalAveragePooling2D",
                                "keepdims": False}
            desc += " global/*: GlobalAveragePooling2D, y shape (N, C)."
        write(fname, desc, tensors, params)
    return x


# ----------------------------------------------------------------- dense

def dense_file():
    torch.manual_seed(400)
    x = rand32((4, 7), -1.0, 1.0)
    kernel = rand32((7, 5), -0.5, 0.5)
    bias = rand32((5,), -0.5, 0.5)
    y, dy, g = with_grads(lambda x, kernel, bias: x @ kernel + bias,
                          {"x": x, "kernel": kernel, "bias": bias})
    close(y, x.numpy() @ kernel.numpy() + bias.numpy())
    close(g["x"], dy.numpy() @ kernel.numpy().T)
    close(g["kernel"], x.numpy().T @ dy.numpy())
    write("dense.json", "Dense: y = x @ kernel + bias, kernel (in, out); "
          "dx, dkernel, dbias are gradients of sum(y*dy).",
          {"x": T(x), "kernel": T(kernel), "bias": T(bias), "y": T(y),
           "dy": T(dy), "dx": T(g["x"]), "dkernel": T(g["kernel"]),
           "dbias": T(g["bias"])}, {"units": 5})


# ------------------------------------------------------------- batchnorm

BN_MOMENTUM = 0.99
BN_EPSILON = 1e-3


def bn_case(prefix, shape, tensors):
    c = shape[-1]
    x = rand32(shape, -2.0, 3.0)
    gamma = rand32((c,), 0.5, 1.5)
    beta = rand32((c,), -0.5, 0.5)
    mm = rand32((c,), -0.5, 0.5)
    mv = rand32((c,), 0.5, 2.0)
    axes = tuple(range(len(shape) - 1))

    def train_fwd(x, gamma, beta):
        mean = x.mean(dim=axes)
        var = ((x - mean) ** 2).mean(dim=axes)  # biased
        return gamma * (x - mean) / torch.sqrt(var + BN_EPSILON) + beta

    y, dy, g = with_grads(train_fwd, {"x": x, "gamma": gamma, "beta": beta})
    mean = x.mean(dim=axes)
    var = x.var(dim=axes, unbiased=False)
    mm_new = mm * BN_MOMENTUM + mean * (1 - BN_MOMENTUM)
    mv_new = mv * BN_MOMENTUM + var * (1 - BN_MOMENTUM)
    # cross-check with torch's own batch_norm (channels moved to dim 1)
    xt = x.reshape(-1, c)
    rm, rv = mm.clone(), mv.clone()
    yt = F.batch_norm(xt, rm, rv, gamma, beta, training=True,
                      momentum=1 - BN_MOMENTUM, eps=BN_EPSILON)
    close(y.reshape(-1, c), yt)
    close(rm, mm_new)  # torch uses the unbiased var for running_var: skip rv
    scale = gamma / torch.sqrt(mv + BN_EPSILON)
    y_inf = (x - mm) * scale + beta
    dx_inf = dy * scale
    tensors.update({
        f"{prefix}/x": T(x), f"{prefix}/gamma": T(gamma),
        f"{prefix}/beta": T(beta), f"{prefix}/moving_mean": T(mm),
        f"{prefix}/moving_variance": T(mv), f"{prefix}/y_train": T(y),
        f"{prefix}/dy": T(dy), f"{prefix}/dx": T(g["x"]),
        f"{prefix}/dgamma": T(g["gamma"]), f"{prefix}/dbeta": T(g["beta"]),
        f"{prefix}/batch_mean": T(mean), f"{prefix}/batch_variance": T(var),
        f"{prefix}/moving_mean_new": T(mm_new),
        f"{prefix}/moving_variance_new": T(mv_new),
        f"{prefix}/y_infer": T(y_inf), f"{prefix}/dx_infer": T(dx_inf),
    })


def batchnorm_file():
    torch.manual_seed(500)
    tensors = {}
    bn_case("bn4d", (4, 3, 5, 6), tensors)
    bn_case("bn2d", (8, 5), tensors)
    write("batchnorm.json",
          "BatchNormalization (Keras 3), axis=-1. y_train: training mode "
          "with batch mean and BIASED batch variance over all axes but the "
          "last; dx/dgamma/dbeta: gradients of sum(y_train*dy); "
          "moving_*_new = moving_* * momentum + batch_* * (1 - momentum); "
          "y_infer = gamma*(x-moving_mean)/sqrt(moving_variance+eps)+beta "
          "with the ORIGINAL moving stats, dx_infer its gradient for dy.",
          tensors, {"momentum": BN_MOMENTUM, "epsilon": BN_EPSILON,
                    "axis": -1})


# ---------------------------------------------------------------- losses

def reduce_sw(per_sample, w):
    """Keras 'sum_over_batch_size': sum(w_i * l_i) / N."""
    return (per_sample * w).sum() / per_sample.shape[0]


def keras_probs(p):
    """Keras' probability path: p / sum(p), then clip to [eps, 1-eps]."""
    p = p / p.sum(dim=-1, keepdim=True)
    assert bool(((p > EPS_CLIP) & (p < 1 - EPS_CLIP)).all()), "clip active"
    return torch.clamp(p, EPS_CLIP, 1 - EPS_CLIP)


def sparse_probs_loss(probs, labels):
    p = keras_probs(probs)
    return -torch.log(p.gather(1, labels[:, None])[:, 0])


def sparse_logits_loss(logits, labels):
    return -F.log_softmax(logits, dim=-1).gather(1, labels[:, None])[:, 0]


def cce_probs_loss(probs, t):
    return -(t * torch.log(keras_probs(probs))).sum(dim=-1)


def cce_logits_loss(logits, t):
    return -(t * F.log_softmax(logits, dim=-1)).sum(dim=-1)


def bce_probs_loss(p, t):
    assert bool(((p > EPS_CLIP) & (p < 1 - EPS_CLIP)).all()), "clip active"
    p = torch.clamp(p, EPS_CLIP, 1 - EPS_CLIP)
    return (-(t * torch.log(p) + (1 - t) * torch.log(1 - p))).mean(dim=-1)


def bce_logits_loss(z, t):
    # max(z,0) - z*t + log(1+exp(-|z|)), mean over the last axis
    return F.binary_cross_entropy_with_logits(z, t, reduction="none") \
        .mean(dim=-1)


def losses_file():
    torch.manual_seed(600)
    n = 6
    tensors = {}
    sw = torch.tensor([0.5, 2.0, 1.0, 0.0, 1.5, 3.0], dtype=F64)
    ones = torch.ones(n, dtype=F64)
    tensors["sample_weight"] = T(sw)

    # inputs
    s_logits = rand32((n, 5), -3.0, 3.0)
    s_labels = torch.randint(0, 5, (n,))
    s_probs = torch.softmax(s_logits, -1).to(F32).to(F64)
    c_logits = rand32((n, 5), -3.0, 3.0)
    c_probs = torch.softmax(c_logits, -1).to(F32).to(F64)
    c_unnorm = rand32((n, 5), 0.05, 1.0)
    c_onehot = F.one_hot(torch.randint(0, 5, (n,)), 5).to(F64)
    soft = torch.rand((n, 5), dtype=F32)
    c_soft = (soft / soft.sum(-1, keepdim=True)).to(F32).to(F64)
    b_logits = rand32((n, 4), -4.0, 4.0)
    b_probs = torch.sigmoid(b_logits).to(F32).to(F64)
    b_hard = torch.randint(0, 2, (n, 4)).to(F64)
    b_soft = rand32((n, 4), 0.0, 1.0)
    tensors.update({
        "sparse/logits": T(s_logits), "sparse/labels": T(s_labels),
        "sparse/probs": T(s_probs),
        "cce/logits": T(c_logits), "cce/probs": T(c_probs),
        "cce/probs_unnormalized": T(c_unnorm), "cce/onehot": T(c_onehot),
        "cce/soft": T(c_soft),
        "bce/logits": T(b_logits), "bce/probs": T(b_probs),
        "bce/hard": T(b_hard), "bce/soft": T(b_soft),
    })

    # name: (per-sample fn taking the input, input, input tensor name)
    cases = {
        "sparse_probs": (lambda p: sparse_probs_loss(p, s_labels),
                         s_probs, "sparse/probs"),
        "sparse_softmax": (lambda z: sparse_probs_loss(torch.softmax(z, -1),
                                                       s_labels),
                           s_logits, "sparse/logits"),
        "sparse_logits": (lambda z: sparse_logits_loss(z, s_labels),
                          s_logits, "sparse/logits"),
        "cce_probs_onehot": (lambda p: cce_probs_loss(p, c_onehot),
                             c_probs, "cce/probs"),
        "cce_probs_soft": (lambda p: cce_probs_loss(p, c_soft),
                           c_probs, "cce/probs"),
        "cce_unnorm_onehot": (lambda p: cce_probs_loss(p, c_onehot),
                              c_unnorm, "cce/probs_unnormalized"),
        "cce_unnorm_soft": (lambda p: cce_probs_loss(p, c_soft),
                            c_unnorm, "cce/probs_unnormalized"),
        "cce_logits_onehot": (lambda z: cce_logits_loss(z, c_onehot),
                              c_logits, "cce/logits"),
        "cce_logits_soft": (lambda z: cce_logits_loss(z, c_soft),
                            c_logits, "cce/logits"),
        "bce_probs_hard": (lambda p: bce_probs_loss(p, b_hard),
                           b_probs, "bce/probs"),
        "bce_probs_soft": (lambda p: bce_probs_loss(p, b_soft),
                           b_probs, "bce/probs"),
        "bce_logits_hard": (lambda z: bce_logits_loss(z, b_hard),
                            b_logits, "bce/logits"),
        "bce_logits_soft": (lambda z: bce_logits_loss(z, b_soft),
                            b_logits, "bce/logits"),
    }
    index = {}
    for name, (fn, inp, inp_name) in cases.items():
        tensors[f"{name}/per_sample"] = T(fn(inp))
        for wname, w in (("unweighted", ones), ("weighted", sw)):
            a = inp.clone().requires_grad_(True)
            loss = reduce_sw(fn(a), w)
            loss.backward()
            tensors[f"{name}/{wname}/loss"] = scalar(loss.item())
            tensors[f"{name}/{wname}/grad"] = T(a.grad)
        index[name] = inp_name

    # sanity: through a softmax the probability path equals the logits path
    close(tensors["sparse_softmax/weighted/grad"]["data"],
          tensors["sparse_logits/weighted/grad"]["data"])
    # hand-derived gradients
    p = torch.softmax(s_logits, -1)
    close(tensors["sparse_logits/weighted/grad"]["data"],
          ((p - F.one_hot(s_labels, 5)) * sw[:, None] / n).flatten())
    pn = c_unnorm / c_unnorm.sum(-1, keepdim=True)
    g = (-c_soft / c_unnorm + c_soft.sum(-1, keepdim=True)
         / c_unnorm.sum(-1, keepdim=True)) * sw[:, None] / n
    close(tensors["cce_unnorm_soft/weighted/grad"]["data"], g.flatten())
    close(tensors["cce_unnorm_soft/per_sample"]["data"],
          -(c_soft * torch.log(pn)).sum(-1))
    g = (-(b_soft / b_probs - (1 - b_soft) / (1 - b_probs)) / 4
         * sw[:, None] / n)
    close(tensors["bce_probs_soft/weighted/grad"]["data"], g.flatten())
    g = (torch.sigmoid(b_logits) - b_soft) / 4 * sw[:, None] / n
    close(tensors["bce_logits_soft/weighted/grad"]["data"], g.flatten())

    write("losses.json",
          "Keras 3 losses, reduction sum_over_batch_size = "
          "sum_i(w_i*l_i)/N with N the batch size (6). Case <c>: "
          "<c>/per_sample (unweighted l_i), <c>/{unweighted,weighted}/loss "
          "(scalar) and /grad (d loss / d input, input named in "
          "params.case_input). Probability inputs go through p/sum(p) and "
          "clip [1e-7, 1-1e-7] (clip never active here); BCE means over "
          "the last axis. sparse_softmax: p = softmax(sparse/logits) then "
          "the probability path; its grad is w.r.t. the logits.",
          tensors, {"batch_size": n, "epsilon": EPS_CLIP,
                    "reduction": "sum_over_batch_size",
                    "case_input": index})


# ----------------------------------------------------------- activations

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def activations_file():
    torch.manual_seed(700)
    vals = torch.linspace(-4.0, 4.0, 24, dtype=F64)
    vals = vals[torch.randperm(24)].to(F32).to(F64).reshape(4, 6)
    assert bool((vals != 0).all())
    dy = rand32((4, 6), -1.0, 1.0)
    acts = {
        "relu": F.relu,
        "leaky_relu": lambda x: F.leaky_relu(x, 0.2),
        "elu": lambda x: F.elu(x, 1.0),
        "selu": F.selu,
        "gelu": lambda x: F.gelu(x),
        "gelu_tanh": lambda x: F.gelu(x, approximate="tanh"),
        "sigmoid": torch.sigmoid,
        "tanh": torch.tanh,
        "softmax": lambda x: torch.softmax(x, dim=-1),
        "linear": lambda x: x * 1.0,
        "relu6": F.relu6,
        "hard_sigmoid": F.hardsigmoid,  # Keras 3: relu6(x + 3) / 6
        "hard_silu": F.hardswish,
        "hard_swish": F.hardswish,
        "silu": F.silu,
        "swish": F.silu,
    }
    tensors = {"x": T(vals), "dy": T(dy)}
    for name, fn in acts.items():
        y, _, g = with_grads(lambda x: fn(x), {"x": vals}, dy)
        tensors[f"{name}/y"] = T(y)
        tensors[f"{name}/dx"] = T(g["x"])
    # hand checks
    x = vals
    close(tensors["gelu/y"]["data"],
          (0.5 * x * (1 + torch.erf(x / math.sqrt(2)))).flatten())
    close(tensors["gelu_tanh/y"]["data"],
          (0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi)
                                     * (x + 0.044715 * x ** 3)))).flatten())
    close(tensors["selu/y"]["data"],
          torch.where(x > 0, SELU_SCALE * x,
                      SELU_SCALE * SELU_ALPHA * (torch.exp(x) - 1)).flatten())
    s = torch.softmax(x, -1)
    close(tensors["softmax/dx"]["data"],
          (s * (dy - (dy * s).sum(-1, keepdim=True))).flatten())
    close(tensors["hard_sigmoid/y"]["data"],
          (torch.clamp(x + 3, 0, 6) / 6).flatten())
    close(tensors["relu6/y"]["data"], torch.clamp(x, 0, 6).flatten())
    write("activations.json",
          "Activations on x (values spanning [-4, 4], none zero): <name>/y "
          "and <name>/dx = gradient of sum(y*dy). gelu is the exact erf "
          "form (Keras 3 default approximate=False), gelu_tanh the tanh "
          "approximation. softmax over the last axis. hard_sigmoid is "
          "Keras 3's relu6(x+3)/6, hard_silu = hard_swish = x*hard_sigmoid(x), "
          "silu = swish = x*sigmoid(x).",
          tensors, {"leaky_relu_negative_slope": 0.2, "elu_alpha": 1.0,
                    "selu_alpha": SELU_ALPHA, "selu_scale": SELU_SCALE,
                    "softmax_axis": -1, "names": list(acts)})


# ---------------------------------------------------- basic CNN + Adam

CNN_LAYERS = [  # name, kind, shape (Keras layout)
    ("conv2d", "conv", (3, 3, 1, 32)),
    ("conv2d_1", "conv", (3, 3, 32, 64)),
    ("conv2d_2", "conv", (3, 3, 64, 64)),
    ("dense", "dense", (576, 64)),
    ("dense_1", "dense", (64, 10)),
]


CNN_SEED = 914  # chosen so no max-pool window of the initial model is a near tie


def cnn_init():
    torch.manual_seed(CNN_SEED)
    params = {}
    for name, kind, shape in CNN_LAYERS:
        if kind == "conv":
            fan_in = shape[0] * shape[1] * shape[2]
            fan_out = shape[0] * shape[1] * shape[3]
        else:
            fan_in, fan_out = shape
        limit = math.sqrt(6.0 / (fan_in + fan_out))  # glorot_uniform
        params[f"{name}/kernel"] = rand32(shape, -limit, limit).to(F32)
        params[f"{name}/bias"] = rand32((shape[-1],), -0.05, 0.05).to(F32)
    total = sum(p.numel() for p in params.values())
    assert total == 93322, total
    x = (torch.randint(0, 256, (16, 28, 28, 1)).to(F32) / 255.0).to(F32)
    labels = torch.randint(0, 10, (16,))
    return params, x, labels


def cnn_forward(p, x):
    h = F.relu(conv2d(x, p["conv2d/kernel"], p["conv2d/bias"], (1, 1),
                      "valid"))
    h = maxpool(h, (2, 2), (2, 2), "valid")
    h = F.relu(conv2d(h, p["conv2d_1/kernel"], p["conv2d_1/bias"], (1, 1),
                      "valid"))
    h = maxpool(h, (2, 2), (2, 2), "valid")
    h = F.relu(conv2d(h, p["conv2d_2/kernel"], p["conv2d_2/bias"], (1, 1),
                      "valid"))
    h = h.reshape(h.shape[0], -1)  # NHWC flatten: (h, w, c) order
    assert h.shape[1] == 576
    h = F.relu(h @ p["dense/kernel"] + p["dense/bias"])
    return h @ p["dense_1/kernel"] + p["dense_1/bias"]  # logits


def pool_min_gap(h):
    """Smallest (max - runner-up) / max over 2x2 windows whose max > 0."""
    n, hh, ww, c = h.shape
    w = h[:, :hh // 2 * 2, :ww // 2 * 2].reshape(n, hh // 2, 2, ww // 2, 2, c)
    top = w.permute(0, 1, 3, 5, 2, 4).reshape(-1, 4).sort(
        -1, descending=True).values
    pos = top[:, 0] > 0
    return float(((top[:, 0] - top[:, 1]) / top[:, 0])[pos].min())


def cnn_pool_gaps(p, x):
    """Near-tie margins of both max-pool layers (float64)."""
    p = {k: v.to(F64) for k, v in p.items()}
    h = F.relu(conv2d(x.to(F64), p["conv2d/kernel"], p["conv2d/bias"],
                      (1, 1), "valid"))
    g1 = pool_min_gap(h)
    h = F.relu(conv2d(maxpool(h, (2, 2), (2, 2), "valid"),
                      p["conv2d_1/kernel"], p["conv2d_1/bias"], (1, 1),
                      "valid"))
    return g1, pool_min_gap(h)


def cnn_loss(p, x, labels):
    return F.nll_loss(F.log_softmax(cnn_forward(p, x), -1), labels)


def cnn_train(params0, x, labels, dtype, steps=20):
    p = {k: v.to(dtype).clone().requires_grad_(True)
         for k, v in params0.items()}
    x = x.to(dtype)
    m = {k: torch.zeros_like(v) for k, v in p.items()}
    v2 = {k: torch.zeros_like(v) for k, v in p.items()}
    lr, b1, b2, eps = (torch.tensor(c, dtype=dtype)
                       for c in (1e-3, 0.9, 0.999, 1e-7))
    losses, grads0, probs0 = [], None, None
    for t in range(1, steps + 1):
        for q in p.values():
            q.grad = None
        logits = cnn_forward(p, x)
        if t == 1:
            probs0 = torch.softmax(logits, -1).detach()
        loss = F.nll_loss(F.log_softmax(logits, -1), labels)
        loss.backward()
        losses.append(loss.item())
        if t == 1:
            grads0 = {k: q.grad.clone() for k, q in p.items()}
        with torch.no_grad():
            tt = torch.tensor(float(t), dtype=dtype)
            alpha = lr * torch.sqrt(1 - b2 ** tt) / (1 - b1 ** tt)
            for k, q in p.items():
                g = q.grad
                m[k] += (g - m[k]) * (1 - b1)
                v2[k] += (g * g - v2[k]) * (1 - b2)
                q -= (m[k] * alpha) / (torch.sqrt(v2[k]) + eps)
    with torch.no_grad():
        losses.append(cnn_loss(p, x, labels).item())
    return losses, {k: q.detach() for k, q in p.items()}, grads0, probs0


def basic_cnn_file():
    params0, x, labels = cnn_init()
    gaps = cnn_pool_gaps(params0, x)
    print(f"basic_cnn: initial max-pool near-tie margins {gaps}")
    # float32 engines differ by ~1e-7 relative; keep step-1 routing stable
    assert min(gaps) > 1e-5, gaps
    losses, final, grads0, probs0 = cnn_train(params0, x, labels, F32)
    losses64, final64, _, _ = cnn_train(params0, x, labels, F64)
    rel = max(abs(a - b) / abs(b) for a, b in zip(losses, losses64))
    print(f"basic_cnn: float32 vs float64 max relative loss diff {rel:.3e}")
    assert rel < 1e-5, rel
    wrel = float(((final["dense_1/kernel"].double()
                   - final64["dense_1/kernel"]).abs().max()
                  / final64["dense_1/kernel"].abs().max()))
    print(f"basic_cnn: float32 vs float64 dense_1/kernel max diff "
          f"(relative to max |w|) {wrel:.3e}")
    print("basic_cnn losses:", " ".join(f"{v:.6f}" for v in losses))
    assert losses[-1] < losses[0]
    tensors = {"x": T32(x), "labels": T(labels)}
    for k, v in params0.items():
        tensors[k] = T32(v)
    tensors.update({
        "losses": T(torch.tensor(losses, dtype=F64)),
        "losses_float64": T(torch.tensor(losses64, dtype=F64)),
        "probs_initial": T(probs0),
        "grad_step1/conv2d/kernel": T(grads0["conv2d/kernel"]),
        "grad_step1/dense_1/kernel": T(grads0["dense_1/kernel"]),
        "final/dense_1/kernel": T(final["dense_1/kernel"]),
        "final/dense_1/bias": T(final["dense_1/bias"]),
    })
    write("basic_cnn_adam.json",
          "build_basic_cnn((28,28,1), 10): Conv2D(32,3,relu) MaxPool2 "
          "Conv2D(64,3,relu) MaxPool2 Conv2D(64,3,relu) Flatten(NHWC) "
          "Dense(64,relu) Dense(10,softmax); 93,322 params. Full-batch "
          "(16) sparse categorical cross-entropy (log_softmax + nll, mean), "
          "20 steps of Keras Adam, float32. losses[i] is the loss before "
          "update i+1, losses[20] after the last. Initial weights under "
          "their Keras names (x and weights: float32 values in shortest "
          "float32 decimal form); grad_step1/* are step-1 gradients; "
          "final/* the weights after 20 updates; probs_initial the softmax "
          "output of the initial model; losses_float64 the same run in "
          "float64.",
          tensors, {"learning_rate": 1e-3, "beta_1": 0.9, "beta_2": 0.999,
                    "epsilon": 1e-7, "steps": 20, "batch_size": 16,
                    "total_params": 93322,
                    "float32_vs_float64_max_rel_loss_diff": rel,
                    "initial_maxpool_min_relative_gap": min(gaps)})


def main():
    if not sys.executable.startswith("/usr/bin/python3"):
        print("warning: meant for Debian's /usr/bin/python3 "
              "(python3-torch)", file=sys.stderr)
    torch.set_num_threads(1)  # reproducible reductions
    print("torch", torch.__version__)
    conv_file("conv2d_valid.json", 100, (3, 3, 3, 4), (1, 1), "valid", True,
              "Conv2D 3x3, 4 filters, strides 1, valid, with bias. x NHWC, "
              "kernel HWIO; dx/dkernel/dbias = gradients of sum(y*dy).")
    conv_file("conv2d_same_stride2.json", 101, (3, 3, 3, 4), (2, 2), "same",
              True, "Conv2D 3x3, 4 filters, strides 2, same (TF padding), "
              "with bias. x NHWC, kernel HWIO; gradients of sum(y*dy).")
    conv_file("conv2d_same_2x3.json", 102, (2, 3, 3, 4), (2, 1), "same",
              False, "Conv2D 2x3 kernel, 4 filters, strides (2,1), same "
              "(TF padding: rows 0 before / 1 after, cols 1/1), no bias. "
              "x NHWC, kernel HWIO; gradients of sum(y*dy).")
    pool_files()
    dense_file()
    batchnorm_file()
    losses_file()
    activations_file()
    basic_cnn_file()
    # the graph layers and the ResNet-20 twin (golden_layers.py beside this file)
    golden_layers.main(sys.modules[__name__])
    golden_resnet.main(sys.modules[__name__])
    # the cross-entropies from logits (golden_logits.py beside this file)
    golden_logits.main(sys.modules[__name__])


if __name__ == "__main__":
    main()
