package nn

import "github.com/cnnscope/cnnscope/tensor"

// ResNet20 is the Keras cifar10_resnet example's ResNet v1 of depth 20: a
// stem conv(16, 3x3)-BN-relu; three stages of three basic blocks
// (conv-BN-relu, conv-BN, add the shortcut, relu) of 16, 32 and 64
// filters, the first block of stages 2 and 3 with stride 2 and a 1x1
// strided convolution (no BN) as its shortcut; then AveragePooling2D(8),
// Flatten and a softmax Dense. Convolutions are 'same', he_normal, with
// bias, as in the example (its l2(1e-4) kernel regularizer is not
// reproduced). On (32, 32, 3) with 10 classes: 274,442 parameters, 1,376
// of them non-trainable (the BN moving statistics). Inputs under 32x32
// (which the example cannot take) pool their whole last feature map.
func ResNet20(input tensor.Shape, classes int) *Graph { return resNetV1(input, classes, 20) }

// resNetV1 builds the example's resnet_v1 for depth 6n+2.
func resNetV1(input tensor.Shape, classes, depth int) *Graph {
	g := NewGraph(input)
	layer := func(x Ref, filters, kernel, strides int, act string, bn bool) Ref {
		x = g.Call(&Conv2D{Filters: filters, KernelSize: [2]int{kernel, kernel}, Strides: [2]int{strides, strides},
			Padding: "same", KernelInitializer: "he_normal"}, x)
		if bn {
			x = g.Call(&BatchNormalization{}, x)
		}
		if act != "" {
			x = g.Call(&Activation{Function: act}, x)
		}
		return x
	}
	filters, blocks := 16, (depth-2)/6
	x := layer(g.In(), filters, 3, 1, "relu", true)
	for stack := 0; stack < 3; stack++ {
		for block := 0; block < blocks; block++ {
			strides := 1
			if stack > 0 && block == 0 {
				strides = 2
			}
			y := layer(x, filters, 3, strides, "relu", true)
			y = layer(y, filters, 3, 1, "", true)
			if strides != 1 {
				x = layer(x, filters, 1, strides, "", false)
			}
			x = g.Call(&Add{}, x, y)
			x = g.Call(&Activation{Function: "relu"}, x)
		}
		filters *= 2
	}
	// The example's AveragePooling2D(8) on the last 8x8 maps; a smaller
	// input (Keras would refuse it) pools its whole last map instead.
	h, w := (input[0]+3)/4, (input[1]+3)/4
	x = g.Call(&AveragePooling2D{PoolSize: [2]int{min(8, h), min(8, w)}}, x)
	x = g.Call(&Flatten{}, x)
	g.Call(&Dense{Units: classes, Activation: "softmax", KernelInitializer: "he_normal"}, x)
	return g
}
