package nn

import (
	"fmt"

	"github.com/cnnscope/cnnscope/tensor"
)

// MobileNetV2Small is Keras' MobileNetV2 with width multiplier alpha =
// 0.35 (keras.applications.MobileNetV2(alpha=0.35, weights=None,
// classes=N)), layer for layer and with Keras' layer names, so its
// weights are named as Keras names them: a stride-2 stem conv (16
// filters), 17 inverted residual blocks (1x1 expand ×6, 3x3 depthwise,
// 1x1 linear projection, an Add when the shapes match; stride-2 blocks
// pad with ZeroPadding2D and use a valid depthwise), a 1x1 conv to 1280
// channels, global average pooling and a softmax Dense. BatchNormalization
// uses Keras' epsilon 1e-3 and momentum 0.99, Keras' BatchNormalization
// default, not MobileNetV2's 0.999: that value is for ImageNet-length
// training, and at the few thousand steps of a small data set the moving
// statistics lag (Fashion-MNIST at 32x32, batch 128: validation accuracy
// 0.10 for 3 epochs, 0.87 in training mode against 0.12 in inference mode
// on the same images after one; see diagnose's batchnorm_statistics).
// The momentum is not part of the weights, so Keras' weights import
// unchanged. ReLU(6) is an Activation
// relu6 here. For 32-128 px inputs. On (32, 32, 3) with 10 classes it
// has 423,018 parameters, 14,080 of them non-trainable; with 1000 classes
// 1,691,208, the count of Keras' MobileNetV2(alpha=0.35) (the same
// structure at alpha 1.0 gives Keras' published 3,538,984; see
// TestMobileNetV2Params).
func MobileNetV2Small(input tensor.Shape, classes int) *Graph {
	return mobileNetV2(input, classes, 0.35)
}

// makeDivisible is Keras' _make_divisible(v, 8): v rounded to a multiple
// of 8, at least 8 and not below 90% of v.
func makeDivisible(v float64) int {
	const d = 8
	n := max(d, int(v+d/2)/d*d)
	if float64(n) < 0.9*v {
		n += d
	}
	return n
}

func mobileNetV2(input tensor.Shape, classes int, alpha float64) *Graph {
	g := NewGraph(input)
	g.ModelName = fmt.Sprintf("mobilenetv2_%.2f_%d", alpha, input[0])
	bn := func(x Ref, name string) Ref {
		return g.Call(&BatchNormalization{Momentum: 0.99, Epsilon: 1e-3, named: named{LayerName: name}}, x)
	}
	relu6 := func(x Ref, name string) Ref {
		return g.Call(&Activation{Function: "relu6", named: named{LayerName: name}}, x)
	}
	conv1x1 := func(x Ref, filters int, name string) Ref {
		return g.Call(&Conv2D{Filters: filters, KernelSize: [2]int{1, 1}, Padding: "same", NoBias: true, named: named{LayerName: name}}, x)
	}
	first := makeDivisible(32 * alpha)
	x := g.Call(&Conv2D{Filters: first, KernelSize: [2]int{3, 3}, Strides: [2]int{2, 2}, Padding: "same", NoBias: true, named: named{LayerName: "Conv1"}}, g.In())
	x = relu6(bn(x, "bn_Conv1"), "Conv1_relu")
	channels := first
	blocks := []struct{ filters, stride, expansion int }{
		{16, 1, 1}, {24, 2, 6}, {24, 1, 6}, {32, 2, 6}, {32, 1, 6}, {32, 1, 6}, {64, 2, 6}, {64, 1, 6}, {64, 1, 6},
		{64, 1, 6}, {96, 1, 6}, {96, 1, 6}, {96, 1, 6}, {160, 2, 6}, {160, 1, 6}, {160, 1, 6}, {320, 1, 6},
	}
	size := [2]int{input[0], input[1]}
	for id, b := range blocks {
		x, channels, size = invertedResidual(g, x, channels, size, id, b.filters, b.stride, b.expansion, alpha, bn, relu6, conv1x1)
	}
	x = g.Call(&Conv2D{Filters: 1280, KernelSize: [2]int{1, 1}, NoBias: true, named: named{LayerName: "Conv_1"}}, x)
	x = relu6(bn(x, "Conv_1_bn"), "out_relu")
	x = g.Call(&GlobalAveragePooling2D{named: named{LayerName: "global_average_pooling2d"}}, x)
	g.Call(&Dense{Units: classes, Activation: "softmax", named: named{LayerName: "predictions"}}, x)
	return g
}

// invertedResidual is Keras' _inverted_res_block: it returns the block's
// output, its channels and its spatial size.
func invertedResidual(g *Graph, in Ref, channels int, size [2]int, id, filters, stride, expansion int, alpha float64,
	bn, relu6 func(Ref, string) Ref, conv1x1 func(Ref, int, string) Ref) (Ref, int, [2]int) {
	prefix := fmt.Sprintf("block_%d_", id)
	x := in
	if id > 0 {
		x = relu6(bn(conv1x1(x, expansion*channels, prefix+"expand"), prefix+"expand_BN"), prefix+"expand_relu")
	} else {
		prefix = "expanded_conv_"
	}
	padding := "same"
	if stride == 2 {
		// imagenet_utils.correct_pad: (0, 1) on an even side, (1, 1) on an odd one.
		pad := [4]int{1 - (1 - size[0]%2), 1, 1 - (1 - size[1]%2), 1}
		x = g.Call(&ZeroPadding2D{Padding: pad, named: named{LayerName: prefix + "pad"}}, x)
		padding = "valid"
	}
	x = g.Call(&DepthwiseConv2D{KernelSize: [2]int{3, 3}, Strides: [2]int{stride, stride}, Padding: padding, NoBias: true,
		named: named{LayerName: prefix + "depthwise"}}, x)
	x = relu6(bn(x, prefix+"depthwise_BN"), prefix+"depthwise_relu")
	out := makeDivisible(float64(int(float64(filters) * alpha)))
	x = bn(conv1x1(x, out, prefix+"project"), prefix+"project_BN")
	if stride == 2 {
		size = [2]int{(size[0] + 1) / 2, (size[1] + 1) / 2}
	}
	if channels == out && stride == 1 {
		x = g.Call(&Add{named: named{LayerName: prefix + "add"}}, in, x)
	}
	return x, out, size
}
