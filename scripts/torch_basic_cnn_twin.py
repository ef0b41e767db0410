"""PyTorch twin of cnnscope's basic-cnn preset (the Keras tutorial CNN) on
random 28x28x1 data, timed by torch_twin.run as the other twins are.
Usage: /usr/bin/python3 scripts/torch_basic_cnn_twin.py --size 28 --batch 32 --seconds 20"""
import torch
import torch.nn as nn

import torch_twin


def basic_cnn(size, classes):
    s = ((size - 2) // 2 - 2) // 2 - 2  # three valid 3x3 convolutions, two 2x2 pools
    return nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Conv2d(64, 64, 3), nn.ReLU(), nn.Flatten(),
                         nn.Linear(64 * s * s, 64), nn.ReLU(), nn.Linear(64, classes))


if __name__ == "__main__":
    a = torch_twin.parse(__doc__)
    torch.manual_seed(1)
    torch_twin.run("basic-cnn", basic_cnn(a.size, a.classes), a, channels=1)
