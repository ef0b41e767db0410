"""Golden files for the layers of graph models (Add, Multiply,
Concatenate, DepthwiseConv2D, SeparableConv2D, ZeroPadding2D,
GlobalMaxPooling2D, Reshape, Rescaling, ReLU).  Called by make_golden.py with
itself as `mg` (the helpers: rand32, T, write, with_grads, conv2d, ...).
Run make_golden.py, not this file."""

import torch
import torch.nn.functional as F


def depthwise(mg, x, kernel, bias, strides, padding):
    """Keras DepthwiseConv2D: x NHWC, kernel (kh, kw, C, M); output channel
    c*M+m is channel c filtered by kernel[..., c, m] (torch groups=C)."""
    kh, kw, c, m = kernel.shape
    xc = mg.nchw(x)
    if padding == "same":
        pt, pb = mg.same_pads(x.shape[1], kh, strides[0])
        pl, pr = mg.same_pads(x.shape[2], kw, strides[1])
        xc = F.pad(xc, (pl, pr, pt, pb))
    w = kernel.permute(2, 3, 0, 1).reshape(c * m, 1, kh, kw)
    return mg.nhwc(F.conv2d(xc, w, bias, stride=tuple(strides), groups=c))


def naive_depthwise(mg, x, kernel, bias, strides, padding):
    """Loop reference: each channel through the naive dense conv."""
    kh, kw, c, m = kernel.shape
    outs = []
    for ch in range(c):
        k = kernel[:, :, ch:ch + 1, :]
        outs.append(torch.tensor(mg.naive_conv(x[..., ch:ch + 1], k, None,
                                               strides, padding)))
    y = torch.stack(outs, dim=3).reshape(*outs[0].shape[:3], c * m)
    return y + bias if bias is not None else y


DW_CASES = [  # prefix, input shape, kernel shape, strides, padding, bias
    ("dw_same_s1", (2, 6, 5, 3), (3, 3, 3, 1), (1, 1), "same", True),
    ("dw_same_s2_m2", (2, 7, 5, 3), (3, 3, 3, 2), (2, 2), "same", True),
    ("dw_valid_2x3_s21", (2, 7, 6, 2), (2, 3, 2, 3), (2, 1), "valid", False),
    # Channel counts that fill the vector kernels' blocks and leave tails.
    ("dw_same_s2_c20", (2, 7, 9, 20), (3, 3, 20, 1), (2, 2), "same", True),
    ("dw_same_s1_c70", (1, 5, 6, 70), (3, 3, 70, 1), (1, 1), "same", False),
]


def depthwise_file(mg):
    torch.manual_seed(800)
    tensors, params = {}, {}
    for name, xs, ks, strides, padding, use_bias in DW_CASES:
        x = mg.rand32(xs, -1.0, 1.0)
        kernel = mg.rand32(ks, -0.5, 0.5)
        bias = mg.rand32((ks[2] * ks[3],), -0.5, 0.5) if use_bias else None
        y, dy, g = mg.with_grads(
            lambda x, kernel, bias: depthwise(mg, x, kernel, bias, strides,
                                              padding),
            {"x": x, "kernel": kernel, "bias": bias})
        mg.close(y, naive_depthwise(mg, x, kernel, bias, strides, padding))
        tensors.update({f"{name}/x": mg.T(x), f"{name}/kernel": mg.T(kernel),
                        f"{name}/y": mg.T(y), f"{name}/dy": mg.T(dy),
                        f"{name}/dx": mg.T(g["x"]),
                        f"{name}/dkernel": mg.T(g["kernel"])})
        if use_bias:
            tensors[f"{name}/bias"] = mg.T(bias)
            tensors[f"{name}/dbias"] = mg.T(g["bias"])
        params[name] = {"kernel_size": list(ks[:2]), "depth_multiplier": ks[3],
                        "strides": list(strides), "padding": padding,
                        "use_bias": use_bias}
    # SeparableConv2D: depthwise (no bias) then a 1x1 conv with bias.
    x = mg.rand32((2, 7, 6, 3), -1.0, 1.0)
    dk = mg.rand32((3, 3, 3, 2), -0.5, 0.5)
    pk = mg.rand32((1, 1, 6, 4), -0.5, 0.5)
    b = mg.rand32((4,), -0.5, 0.5)

    def sep(x, depthwise_kernel, pointwise_kernel, bias):
        d = depthwise(mg, x, depthwise_kernel, None, (2, 2), "same")
        return mg.conv2d(d, pointwise_kernel, bias, (1, 1), "valid")
    y, dy, g = mg.with_grads(sep, {"x": x, "depthwise_kernel": dk,
                                   "pointwise_kernel": pk, "bias": b})
    for k, v in {"x": x, "depthwise_kernel": dk, "pointwise_kernel": pk,
                 "bias": b, "y": y, "dy": dy, "dx": g["x"],
                 "ddepthwise_kernel": g["depthwise_kernel"],
                 "dpointwise_kernel": g["pointwise_kernel"],
                 "dbias": g["bias"]}.items():
        tensors[f"sep/{k}"] = mg.T(v)
    params["sep"] = {"filters": 4, "kernel_size": [3, 3],
                     "depth_multiplier": 2, "strides": [2, 2],
                     "padding": "same"}
    mg.write("depthwise.json",
             "DepthwiseConv2D (Keras: kernel (kh, kw, C, M), output channel "
             "c*M+m; torch conv2d groups=C) per case prefix, and "
             "SeparableConv2D (sep/: depthwise_kernel, pointwise_kernel "
             "(1,1,C*M,F), bias). x NHWC; gradients of sum(y*dy).",
             tensors, params)


def merge_shape_file(mg):
    torch.manual_seed(900)
    t = {}
    a = mg.rand32((2, 3, 4, 5), -1.0, 1.0)
    b = mg.rand32((2, 3, 4, 5), -1.0, 1.0)
    c = mg.rand32((2, 3, 4, 2), -1.0, 1.0)
    se = mg.rand32((2, 1, 1, 5), 0.0, 1.0)
    t.update({"a": mg.T(a), "b": mg.T(b), "c": mg.T(c), "se": mg.T(se)})
    cases = {
        "add": (lambda a, b: a + b, {"a": a, "b": b}),
        "multiply": (lambda a, b: a * b, {"a": a, "b": b}),
        "multiply_se": (lambda a, se: a * se, {"a": a, "se": se}),
        "concat": (lambda a, c: torch.cat([a, c], dim=3), {"a": a, "c": c}),
    }
    for name, (fn, inputs) in cases.items():
        y, dy, g = mg.with_grads(fn, inputs)
        t[f"{name}/y"], t[f"{name}/dy"] = mg.T(y), mg.T(dy)
        for k in inputs:
            t[f"{name}/d{k}"] = mg.T(g[k])
    # ZeroPadding2D ((1, 2), (0, 3)), GlobalMaxPooling2D, Reshape, Rescaling
    x = mg.distinct32((2, 3, 4, 5), -4.0, 4.0)
    t["x"] = mg.T(x)
    shape_cases = {
        "zeropad": lambda x: mg.nhwc(F.pad(mg.nchw(x), (0, 3, 1, 2))),
        "gmp": lambda x: x.amax(dim=(1, 2)),
        "reshape": lambda x: x.reshape(2, 12, 5),
        "rescaling": lambda x: x * (1 / 255) + (-0.5),
    }
    for name, fn in shape_cases.items():
        y, dy, g = mg.with_grads(fn, {"x": x})
        t[f"{name}/y"], t[f"{name}/dy"] = mg.T(y), mg.T(dy)
        t[f"{name}/dx"] = mg.T(g["x"])
    mg.write("merge_shape.json",
             "Merge layers on a, b (2,3,4,5), c (2,3,4,2), se (2,1,1,5): "
             "add = a+b, multiply = a*b, multiply_se = a*se (broadcast), "
             "concat = [a, c] on the channels; <case>/y, dy and d<input>. "
             "Shape layers on x (2,3,4,5, distinct values): zeropad "
             "((1,2),(0,3)), gmp = GlobalMaxPooling2D, reshape to (12, 5), "
             "rescaling scale 1/255 offset -0.5; <case>/y, dy, dx. "
             "Gradients of sum(y*dy).",
             t, {"zeropad": [[1, 2], [0, 3]], "reshape": [12, 5],
                 "rescaling": {"scale": 1 / 255, "offset": -0.5}})


def keras_relu(x, max_value, negative_slope, threshold):
    """keras.layers.ReLU as Keras 3 computes it (ReLU.static_call, op for
    op)."""
    if negative_slope != 0:
        if max_value is None and threshold == 0:
            return F.leaky_relu(x, negative_slope)
        negative_part = F.relu(-x + threshold) if threshold != 0 else F.relu(-x)
    clip_max = max_value is not None
    if threshold != 0:
        x = x * (x > threshold).to(x.dtype)
    elif max_value == 6:
        x, clip_max = F.relu6(x), False
    else:
        x = F.relu(x)
    if clip_max:
        x = torch.clamp(x, 0.0, max_value)
    if negative_slope != 0:
        x = x - negative_slope * negative_part
    return x


RELU_CASES = {  # prefix: (max_value, negative_slope, threshold)
    "default": (None, 0.0, 0.0),
    "max6": (6.0, 0.0, 0.0),
    "slope": (None, 0.1, 0.0),
    "threshold": (None, 0.0, 0.5),
    "all": (2.5, 0.2, 0.5),
    "threshold_above_max": (1.0, 0.3, 1.5),
}


def relu_file(mg):
    torch.manual_seed(1000)
    t, params = {}, {}
    for name, (top, slope, thr) in RELU_CASES.items():
        x = mg.rand32((2, 3, 4, 5), -8.0, 8.0)
        y, dy, g = mg.with_grads(lambda x: keras_relu(x, top, slope, thr), {"x": x})
        cap = top if top is not None else float("inf")
        mg.close(y, torch.where(x > thr, torch.clamp(x, max=cap), slope * (x - thr)))
        t.update({f"{name}/x": mg.T(x), f"{name}/y": mg.T(y), f"{name}/dy": mg.T(dy), f"{name}/dx": mg.T(g["x"])})
        params[name] = {"max_value": top, "negative_slope": slope, "threshold": thr}
    mg.write("relu.json",
             "keras.layers.ReLU(max_value, negative_slope, threshold) per case "
             "prefix, computed with Keras 3's op sequence in torch; x uniform "
             "in [-8, 8); gradients of sum(y*dy).", t, params)


def main(mg):
    depthwise_file(mg)
    merge_shape_file(mg)
    relu_file(mg)
