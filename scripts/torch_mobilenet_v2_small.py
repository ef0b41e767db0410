"""PyTorch twin of cnnscope's mobilenet-v2-small preset
(nn/preset_mobilenet.go: Keras' MobileNetV2 with alpha 0.35) on random RGB
input; train and inference samples/s as ../shared/bench/torch_vgg_small.py
measures them. BatchNorm as the preset's (eps 1e-3, momentum 0.99), ReLU6;
the stride-2 depthwise convolutions as padding=1 (Keras pads with
ZeroPadding2D and uses a valid convolution: the same shapes and work).
Usage:
  /usr/bin/python3 scripts/torch_mobilenet_v2_small.py --size 96 --batch 32 --seconds 20 [--channels_last] [--expect-params 423018,14080]"""
import torch.nn as nn

import torch_twin

ALPHA = 0.35
BLOCKS = [(16, 1, 1), (24, 2, 6), (24, 1, 6), (32, 2, 6), (32, 1, 6), (32, 1, 6), (64, 2, 6), (64, 1, 6), (64, 1, 6),
          (64, 1, 6), (96, 1, 6), (96, 1, 6), (96, 1, 6), (160, 2, 6), (160, 1, 6), (160, 1, 6), (320, 1, 6)]


def make_divisible(v, d=8):
    """Keras' _make_divisible."""
    n = max(d, int(v + d / 2) // d * d)
    return n + d if n < 0.9 * v else n


def conv_bn(cin, cout, k, stride, groups=1, relu6=True):
    layers = [nn.Conv2d(cin, cout, k, stride, padding=k // 2, groups=groups, bias=False),
              nn.BatchNorm2d(cout, eps=1e-3, momentum=0.01)]
    return nn.Sequential(*layers, nn.ReLU6()) if relu6 else nn.Sequential(*layers)


class InvertedResidual(nn.Module):
    """Keras' _inverted_res_block: 1x1 expand (not in the first block),
    3x3 depthwise, 1x1 linear projection, plus the input when the shapes
    match."""

    def __init__(self, cin, filters, stride, expansion, first):
        super().__init__()
        cout, mid = make_divisible(int(filters * ALPHA)), expansion * cin
        layers = [] if first else [conv_bn(cin, mid, 1, 1)]
        layers += [conv_bn(mid, mid, 3, stride, groups=mid), conv_bn(mid, cout, 1, 1, relu6=False)]
        self.body, self.residual, self.cout = nn.Sequential(*layers), cin == cout and stride == 1, cout

    def forward(self, x):
        return x + self.body(x) if self.residual else self.body(x)


def mobilenet_v2_small(classes):
    cin = make_divisible(32 * ALPHA)
    layers = [conv_bn(3, cin, 3, 2)]
    for i, (filters, stride, expansion) in enumerate(BLOCKS):
        block = InvertedResidual(cin, filters, stride, expansion, i == 0)
        layers.append(block)
        cin = block.cout
    layers += [conv_bn(cin, 1280, 1, 1), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(1280, classes)]
    return nn.Sequential(*layers)


if __name__ == "__main__":
    a = torch_twin.parse(__doc__)
    m = mobilenet_v2_small(a.classes)
    torch_twin.check_params("mobilenet-v2-small", m, a.expect_params)
    torch_twin.run("mobilenet-v2-small", m, a)
