"""PyTorch twin of cnnscope's resnet-20 preset (nn/preset_resnet.go: the
Keras cifar10_resnet example, ResNet v1 depth 20) on random RGB input;
train and inference samples/s as ../shared/bench/torch_vgg_small.py measures
them. BatchNorm as Keras' (eps 1e-3, momentum 0.99); "same" convolutions as
padding=1 (Keras pads a stride-2 one at the bottom and right only: the same
shapes and work). Usage:
  /usr/bin/python3 scripts/torch_resnet_20.py --size 32 --batch 32 --seconds 20 [--channels_last] [--expect-params 274442,1376]"""
import torch.nn as nn

import torch_twin


class Block(nn.Module):
    """Basic block: conv-BN-relu, conv-BN, plus the input (through a
    strided 1x1 conv with bias and no BN when the shape changes), relu."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.body = nn.Sequential(conv_bn(cin, cout, 3, stride), nn.ReLU(), conv_bn(cout, cout, 3, 1))
        self.short = nn.Conv2d(cin, cout, 1, stride) if stride != 1 else nn.Identity()
        self.relu = nn.ReLU()

    def forward(self, x):
        return self.relu(self.short(x) + self.body(x))


def conv_bn(cin, cout, k, stride):
    return nn.Sequential(nn.Conv2d(cin, cout, k, stride, padding=k // 2),
                         nn.BatchNorm2d(cout, eps=1e-3, momentum=0.01))


def resnet20(size, classes):
    layers, cin = [conv_bn(3, 16, 3, 1), nn.ReLU()], 16
    for stack, filters in enumerate((16, 32, 64)):
        for block in range(3):
            layers.append(Block(cin, filters, 2 if stack > 0 and block == 0 else 1))
            cin = filters
    pool = min(8, (size + 3) // 4)
    return nn.Sequential(*layers, nn.AvgPool2d(pool), nn.Flatten(),
                         nn.Linear(64 * ((size + 3) // 4 // pool) ** 2, classes))


if __name__ == "__main__":
    a = torch_twin.parse(__doc__)
    m = resnet20(a.size, a.classes)
    torch_twin.check_params("resnet-20", m, a.expect_params)
    torch_twin.run("resnet-20", m, a)
