#!/usr/bin/python3
"""Golden augmentation outputs for data.ApplyTransform.

Builds Keras' affine transform (apply_affine_transform: rotation · shift ·
shear · zoom about the center, then scipy.ndimage.affine_transform with
order=1 per channel, then flips, then brightness) with cnnscope's one
deliberate change: the center is the true one, ((h-1)/2, (w-1)/2), where
Keras uses h/2+0.5. Keras' 'wrap' is documented as abcd|abcd|abcd, which is
scipy's 'grid-wrap'.

Run with Debian's python3-scipy (pulled in by python3-sklearn):
    /usr/bin/python3 data/testdata/scipy/make_golden.py > data/testdata/scipy/transforms.json
"""
import json

import numpy as np
import scipy
from scipy import ndimage


def matrix(t, h, w):
    m = np.eye(3)
    if t["theta"]:
        th = np.deg2rad(t["theta"])
        m = m @ np.array([[np.cos(th), -np.sin(th), 0], [np.sin(th), np.cos(th), 0], [0, 0, 1]])
    if t["tx"] or t["ty"]:
        m = m @ np.array([[1, 0, t["tx"]], [0, 1, t["ty"]], [0, 0, 1]])
    if t["shear"]:
        sh = np.deg2rad(t["shear"])
        m = m @ np.array([[1, -np.sin(sh), 0], [0, np.cos(sh), 0], [0, 0, 1]])
    if t["zx"] != 1 or t["zy"] != 1:
        m = m @ np.array([[t["zx"], 0, 0], [0, t["zy"], 0], [0, 0, 1]])
    ox, oy = (h - 1) / 2, (w - 1) / 2
    offset = np.array([[1, 0, ox], [0, 1, oy], [0, 0, 1]])
    reset = np.array([[1, 0, -ox], [0, 1, -oy], [0, 0, 1]])
    return offset @ m @ reset


def apply(x, t, mode, cval):
    h, w, _ = x.shape
    m = matrix(t, h, w)
    scipy_mode = {"wrap": "grid-wrap"}.get(mode, mode)
    chans = [ndimage.affine_transform(x[:, :, k], m[:2, :2], m[:2, 2], order=1, mode=scipy_mode, cval=cval)
             for k in range(x.shape[2])]
    y = np.stack(chans, axis=2)
    if t["flip_h"]:
        y = y[:, ::-1]
    if t["flip_v"]:
        y = y[::-1]
    if t["brightness"] not in (0, 1):
        y = np.clip(y * t["brightness"], 0, 255)
    return y


def T(theta=0, tx=0, ty=0, shear=0, zx=1, zy=1, flip_h=False, flip_v=False, brightness=0):
    return dict(theta=theta, tx=tx, ty=ty, shear=shear, zx=zx, zy=zy, flip_h=flip_h, flip_v=flip_v, brightness=brightness)


TRANSFORMS = [
    T(theta=17.5),
    T(tx=1.25, ty=-2.5),
    T(shear=12),
    T(zx=0.8, zy=1.3),
    T(theta=-33, tx=0.7, ty=1.9, shear=-8, zx=1.1, zy=0.9, flip_h=True),
    T(theta=5, flip_v=True, brightness=1.3),
]

out = {"scipy_version": scipy.__version__, "cases": []}
for h, w, c in [(7, 9, 1), (6, 5, 3)]:
    x = (np.arange(h * w * c) * 37 + 11) % 256
    x = x.reshape(h, w, c).astype(np.float64)
    for t in TRANSFORMS:
        for mode in ["nearest", "constant", "reflect", "wrap"]:
            y = apply(x, t, mode, 40.0)
            out["cases"].append({"h": h, "w": w, "c": c, "mode": mode, "cval": 40.0, "transform": t,
                                 "output": [round(float(v), 6) for v in y.reshape(-1)]})
print(json.dumps(out))
