#!/usr/bin/python3
"""Write Fashion-MNIST as image folders padded to 32x32 (2 black pixels on
each side, as LeNet-5 padded MNIST), for the graph-model accuracy runs:

    /usr/bin/python3 scripts/fashion_mnist_32.py OUT
    cnnscope train --data OUT/train --test OUT/test --model resnet-20 ...

Reads Debian's dataset-fashion-mnist (/usr/share/datasets/fashion-mnist).
OUT/train/<class>/<index>.png (60,000) and OUT/test/<class>/<index>.png
(10,000); class folders are named 0_T-shirt_top ... 9_Ankle_boot so that
their sorted order is the data set's label order.
"""
import gzip
import os
import sys

import numpy as np
from PIL import Image

SRC = "/usr/share/datasets/fashion-mnist"
NAMES = ["T-shirt_top", "Trouser", "Pullover", "Dress", "Coat",
         "Sandal", "Shirt", "Sneaker", "Bag", "Ankle_boot"]


def idx(path, offset):
    with gzip.open(path) as f:
        return np.frombuffer(f.read(), np.uint8, offset=offset)


def write(out, split, prefix):
    x = idx(f"{SRC}/{prefix}-images-idx3-ubyte.gz", 16).reshape(-1, 28, 28)
    y = idx(f"{SRC}/{prefix}-labels-idx1-ubyte.gz", 8)
    padded = np.zeros((len(x), 32, 32), np.uint8)
    padded[:, 2:30, 2:30] = x
    for c, name in enumerate(NAMES):
        os.makedirs(f"{out}/{split}/{c}_{name}", exist_ok=True)
    for i, (img, label) in enumerate(zip(padded, y)):
        Image.fromarray(img, "L").save(f"{out}/{split}/{label}_{NAMES[label]}/{i:05d}.png")
    print(f"{out}/{split}: {len(x)} images")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: fashion_mnist_32.py OUT")
    write(sys.argv[1], "train", "train")
    write(sys.argv[1], "test", "t10k")
