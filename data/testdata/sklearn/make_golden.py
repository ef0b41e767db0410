#!/usr/bin/python3
"""Golden class weights for data.ClassWeightsBalanced.

Run with Debian's python3-sklearn (apt-get install python3-sklearn):
    /usr/bin/python3 data/testdata/sklearn/make_golden.py > data/testdata/sklearn/class_weights.json
"""
import json

import numpy as np
import sklearn
from sklearn.utils.class_weight import compute_class_weight

CASES = [
    ("seed y_train", [0, 1, 1, 2, 0, 0, 0, 2, 1, 0, 1, 1, 1]),
    ("balanced", [0, 1, 2, 0, 1, 2]),
    ("two classes 9:1", [0] * 9 + [1]),
    ("single class", [3, 3, 3]),
    ("ten classes skewed", [k for k in range(10) for _ in range(k + 1)]),
    ("unordered", [4, 2, 2, 0, 1, 3, 3, 3, 4, 4, 4, 4, 0]),
]

out = {"sklearn_version": sklearn.__version__, "cases": []}
for name, y in CASES:
    y = np.array(y)
    classes = np.unique(y)
    w = compute_class_weight(class_weight="balanced", classes=classes, y=y)
    n_classes = int(classes.max()) + 1
    weights = [0.0] * n_classes
    for c, v in zip(classes, w):
        weights[int(c)] = float(v)
    out["cases"].append({"name": name, "y": y.tolist(), "n_classes": n_classes, "weights": weights})
print(json.dumps(out, indent=1))
