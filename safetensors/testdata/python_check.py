"""Cross-check cnnscope's safetensors writer against the reference library.

    python3 python_check.py [OUTDIR]

Reads cnnscope.safetensors (written by the Go writer; see
TestTestdataFiles in ../testdata_test.go) with Python's safetensors and
checks every tensor and the metadata; then saves the same content with
safetensors.numpy.save_file as OUTDIR/python.safetensors (default: this
folder) and says whether the two files are byte for byte identical.
Exits non-zero on any mismatch.

Debian bookworm does not package Python's safetensors, so this ran where
it is installed (safetensors 0.8.0, numpy 2.5.2, Python 3.12): it read
cnnscope.safetensors as expected and wrote python.safetensors, committed
here, identical byte for byte; TestTestdataFiles checks both files.
"""

import os
import sys

import numpy as np
import safetensors
from safetensors import safe_open
from safetensors.numpy import load_file, save_file

HERE = os.path.dirname(os.path.abspath(__file__))
METADATA = {"format": "cnnscope"}


def expected():
    return {
        "conv2d/kernel": (np.arange(18, dtype=np.float32) * 0.5 - 4).reshape(3, 3, 1, 2),
        "conv2d/bias": np.array([0.25, -0.75], dtype=np.float32),
        "dense/kernel": (np.arange(6, dtype=np.float32) / 8).reshape(2, 3),
        "step": np.array(1234, dtype=np.int64),
        "half": np.array([1, -2, 0.5], dtype=np.float16),
        "mask": np.array([[1, 0], [0, 1]], dtype=np.uint8),
    }


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else HERE
    print("safetensors", safetensors.__version__, "numpy", np.__version__)
    ours = os.path.join(HERE, "cnnscope.safetensors")
    want = expected()

    got = load_file(ours)
    assert sorted(got) == sorted(want), (sorted(got), sorted(want))
    for name, w in want.items():
        g = got[name]
        assert g.dtype == w.dtype and g.shape == w.shape, (name, g.dtype, g.shape)
        assert np.array_equal(g, w), (name, g, w)
    with safe_open(ours, framework="np") as f:
        assert f.metadata() == METADATA, f.metadata()
    print("Python read cnnscope.safetensors: every tensor and the metadata as expected")

    theirs = os.path.join(out, "python.safetensors")
    save_file(want, theirs, metadata=METADATA)
    with open(theirs, "rb") as a, open(ours, "rb") as b:
        same = a.read() == b.read()
    print("python.safetensors identical to cnnscope.safetensors:", same)
    sys.exit(0 if same else 1)


if __name__ == "__main__":
    main()
