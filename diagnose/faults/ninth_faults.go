package faults

import (
	"github.com/cnnscope/cnnscope/nn"
)

// The ninth part's injected problems (see ninth.go for how the part was
// written and kept honest). Each expected cause was decided from the
// injected fault alone.

// dropoutConvs is a CNN with Dropout(rate) after each of its three
// convolutions and before the output.
func dropoutConvs(classes int, rate float64) []nn.LayerSpec {
	return []nn.LayerSpec{conv(32, "relu"), dropout(rate), pool(2), conv(64, "relu"), dropout(rate), pool(2), conv(64, "relu"), dropout(rate),
		flatten(), dense(64, "relu"), dropout(rate), dense(classes, "softmax")}
}

// bnNotes is noteLayers with BatchNormalization of momentum m after each
// convolution.
func bnNotes(classes int, m float64) []nn.LayerSpec {
	return []nn.LayerSpec{sameConv(24, "relu"), bnMomentum(m), pool(2), sameConv(48, "relu"), bnMomentum(m), pool(2), sameConv(64, "relu"),
		bnMomentum(m), pool(2), flatten(), dense(64, "relu"), dense(classes, "softmax")}
}

// ninthFaults are the ninth part's injected problems.
var ninthFaults = []Scenario{
	{Name: "nin-lr-high-adam-fire-lamps", Problem: "a SqueezeNet-like graph model (fire modules) with Adam at lr 0.2 (200x its default)", Data: lampsData(60),
		Spec: all(lr("adam", 0.2), epochs(5, layers(fireNet(5, "relu", 0)...))), Expect: []string{"lr_too_high"}, Also: lrHighAlso},
	{Name: "nin-lr-high-nesterov-numerals", Problem: "SGD at lr 1.5 with Nesterov momentum 0.9 (an effective step of 15)", Data: numeralsData(100),
		Spec: all(sgd(1.5, 0.9, true), epochs(3)), Expect: []string{"lr_too_high"}, Also: lrHighAlso},
	{Name: "nin-lr-high-rmsprop-batch-8-notes", Problem: "RMSprop at lr 0.2 (200x its default) with batches of 8", Data: notesData(60),
		Spec: all(lr("rmsprop", 0.2), epochs(3, batch(8), layers(noteLayers(6)...))), Expect: []string{"lr_too_high"}, Also: lrHighAlso},
	{Name: "nin-lr-high-adamw-fibres", Problem: "AdamW at lr 0.5 (500x its default) on 300 straight and crimped fibres", Data: fibresData(150),
		Spec: all(lr("adamw", 0.5), epochs(5, batch(16))), Expect: []string{"lr_too_high"}, Also: lrHighAlso},
	{Name: "nin-lr-low-adamw-numerals", Problem: "AdamW at lr 5e-7 (1/2000 of its default)", Data: numeralsData(100),
		Spec: all(lr("adamw", 5e-7), epochs(4)), Expect: []string{"lr_too_low"}, Also: lrLowAlso},
	{Name: "nin-lr-low-sgd-momentum-residual-lamps", Problem: "a residual graph model with SGD at lr 1e-5 and momentum 0.9 (an effective step of 1e-4, 1/100 of the default)",
		Data: lampsData(60), Spec: all(sgd(1e-5, 0.9, false), epochs(5, layers(residualSky(5, 0)...))), Expect: []string{"lr_too_low"}, Also: lrLowAlso},
	{Name: "nin-lr-low-adam-fibres", Problem: "Adam at lr 1e-6 (1/1000 of its default) on 300 fibres", Data: fibresData(150),
		Spec: all(lr("adam", 1e-6), epochs(5, batch(16))), Expect: []string{"lr_too_low"}, Also: lrLowAlso},
	{Name: "nin-sigmoid-dense-sgd-numerals", Problem: "ten sigmoid Dense(32) layers on flattened pixels, plain SGD at 0.05", Data: numeralsData(100),
		Spec:   all(lr("sgd", 0.05), epochs(3, layers(denseStack(10, 32, "sigmoid", 10)...))),
		Expect: []string{"vanishing_gradients", "saturated_activations"}, Also: vanishingAlso},
	{Name: "nin-sigmoid-fire-lamps", Problem: "a SqueezeNet-like graph model with sigmoid convolutions and a sigmoid Dense(32), SGD at 0.02 with momentum 0.9", Data: lampsData(60),
		Spec:   all(sgd(0.02, 0.9, false), epochs(4, layers(fireNet(5, "sigmoid", 0, flatten(), dense(32, "sigmoid"), dense(5, "softmax"))...))),
		Expect: []string{"vanishing_gradients", "saturated_activations"}, Also: vanishingAlso},
	{Name: "nin-init-ones-fire-notes", Problem: "a SqueezeNet-like graph model with its Conv2D kernels initialized to ones, the Dense output at its default", Data: notesData(60),
		Spec: epochs(4, layers(initConvOnly("ones", fireNet(6, "relu", 0))...)), Expect: []string{"bad_initialization", "initial_loss"},
		Also: []string{"nan", "divergence", "not_learning", "dying_relu", "exploding_gradients", "saturated_activations"}},
	{Name: "nin-init-zeros-conv-fibres", Problem: "the Conv2D kernels of the basic CNN initialized to zeros, the Dense layers at their default", Data: fibresData(150),
		Spec: epochs(5, layers(initConvOnly("zeros", basicLayers(2))...)), Expect: []string{"bad_initialization", "initial_loss"},
		Also: []string{"not_learning", "dying_relu", "vanishing_gradients", "underfitting"}},
	{Name: "nin-unscaled-numerals-sgd-momentum", Problem: "0..255 gray pixels (rescale 1) with SGD at 0.01 and momentum 0.9", Data: numeralsData(100),
		Spec: all(sgd(0.01, 0.9, false), unscaled, epochs(3)), Expect: []string{"unnormalized_inputs"}, Also: inputsAlso},
	{Name: "nin-unscaled-lamps-sgd-batch-16", Problem: "0..255 colour pixels (rescale 1) with plain SGD at 0.02, batches of 16", Data: lampsData(60),
		Spec: all(lr("sgd", 0.02), unscaled, epochs(4, batch(16))), Expect: []string{"unnormalized_inputs"}, Also: inputsAlso},
	{Name: "nin-shuffled-numerals", Problem: "labels of 1,000 10-class numerals shuffled", Data: withData(numeralsData(100), func(d *Data) { d.ShuffleLabels = true }),
		Spec: epochs(5), Expect: []string{"not_learning"}, Cause: "labels", Also: labelsAlso},
	{Name: "nin-shuffled-fibres-300", Problem: "labels of 300 two-class fibres (straight, crimped) shuffled", Data: withData(fibresData(150), func(d *Data) { d.ShuffleLabels = true }),
		Spec: epochs(10, batch(16)), Expect: []string{"not_learning"}, Cause: "labels", Also: labelsAlso},
	{Name: "nin-label-noise-40-numerals", Problem: "40% of numeral labels flipped to another digit", Data: withData(numeralsData(100), func(d *Data) { d.FlipLabels = 0.4 }),
		Spec: epochs(6), Expect: []string{"label_noise"}, Also: noiseAlso},
	{Name: "nin-label-noise-35-lamps", Problem: "35% of traffic-light labels flipped to another state", Data: withData(lampsData(80), func(d *Data) { d.FlipLabels = 0.35 }),
		Spec: epochs(10), Expect: []string{"label_noise"}, Also: noiseAlso},
	{Name: "nin-imbalance-97-3-fibres", Problem: "300 fibres at 97:3 (straight vs crimped), no class weights", Data: fibres(291, 9),
		Spec: epochs(3), Expect: []string{"majority_class_bias"}},
	{Name: "nin-imbalance-93-5-2-lamps", Problem: "400 traffic lights at 93:5:2 (go, stop, caution), no class weights",
		Data: Data{Source: "lamps", Classes: []string{"go", "stop", "caution"}, Counts: []int{372, 20, 8}},
		Spec: epochs(2), Expect: []string{"majority_class_bias"}},
	{Name: "nin-overfit-numerals-dense", Problem: "50 training numerals, a 0.6M-parameter Dense(768) on the flattened pixels, 40 epochs", Data: numeralsData(10),
		Spec:   all(valSplit(0.5), epochs(40, layers(flatten(), dense(768, "relu"), dense(10, "softmax")))),
		Expect: []string{"overfitting"}},
	{Name: "nin-overfit-lamps-fire-wide", Problem: "30 training traffic lights, a SqueezeNet-like graph with a 4.7M-parameter Dense(512) head, 40 epochs", Data: lampsData(12),
		Spec:   all(valSplit(0.5), epochs(40, layers(fireNet(5, "relu", 0, flatten(), dense(512, "relu"), dense(5, "softmax"))...))),
		Expect: []string{"overfitting"}},
	{Name: "nin-dropout-088-convs-numerals", Problem: "Dropout(0.88) after each of three convolutions and before the output", Data: numeralsData(100),
		Spec: epochs(4, layers(dropoutConvs(10, 0.88)...)), Expect: []string{"high_dropout"}, Also: []string{"underfitting", "val_above_train", "not_learning"}},
	{Name: "nin-dropout-085-residual-fibres", Problem: "a residual graph model with Dropout(0.85) after its pooled features and before its output", Data: fibresData(150),
		Spec:   epochs(6, batch(16), layers(residualSky(2, 0, gap(), dropout(0.85), dense(64, "relu"), dropout(0.85), dense(2, "softmax"))...)),
		Expect: []string{"high_dropout"}, Also: []string{"underfitting", "val_above_train", "not_learning"}},
	{Name: "nin-too-small-1-filter-gmp-numerals", Problem: "one 5×5 Conv2D with 1 filter, then global max pooling: one number for 10 classes", Data: numeralsData(100),
		Spec: epochs(4, layers(nn.LayerSpec{Type: "Conv2D", Filters: 1, KernelSize: nn.Pair{5, 5}, Activation: "relu"}, nn.LayerSpec{Type: "GlobalMaxPooling2D"},
			dense(10, "softmax"))),
		Expect: []string{"underfitting"}, Also: []string{"not_learning", "loss_plateau"}},
	{Name: "nin-too-small-2-unit-notes", Problem: "the pixels flattened through two linear units, then the 6-way output", Data: notesData(60),
		Spec: epochs(5, layers(flatten(), dense(2, "linear"), dense(6, "softmax"))), Expect: []string{"underfitting"}, Also: []string{"not_learning", "loss_plateau"}},
	{Name: "nin-leakage-lamps", Problem: "every traffic light twice: validation copies training images", Data: withData(lampsData(40), func(d *Data) { d.Duplicate = true }),
		Spec: epochs(4), Expect: []string{"leakage"}, Also: []string{"val_above_train"}},
	{Name: "nin-leakage-near-numerals", Problem: "every numeral twice, the copy re-noised by ±3 levels", Data: withData(numeralsData(50), func(d *Data) { d.Duplicate, d.Jitter = true, 3 }),
		Spec: epochs(3), Expect: []string{"leakage"}, Also: []string{"val_above_train"}},
	{Name: "nin-relu6-output-lamps", Problem: "relu6 output with sparse_categorical_crossentropy (softmax missing)", Data: lampsData(60),
		Spec: epochs(5, layers(withOutput(basicLayers(5), dense(5, "relu6"))...)), Expect: []string{"output_loss_mismatch"}, Also: outputAlso},
	{Name: "nin-leaky-relu-output-fibres", Problem: "leaky_relu output on two classes with sparse_categorical_crossentropy (softmax missing)", Data: fibresData(150),
		Spec: epochs(5, layers(withOutput(basicLayers(2), dense(2, "leaky_relu"))...)), Expect: []string{"output_loss_mismatch"}, Also: outputAlso},
	{Name: "nin-double-softmax-fire-numerals", Problem: "a SqueezeNet-like graph model whose Dense softmax output feeds Activation(softmax)", Data: numeralsData(100),
		Spec: epochs(4, layers(fireNet(10, "relu", 0, gap(), dense(10, "softmax"), activation("softmax"))...)), Expect: []string{"output_loss_mismatch"}, Also: outputAlso},
	{Name: "nin-binary-loss-notes", Problem: "binary_crossentropy on a 6-way softmax output with integer labels (the multi-class loss was meant)", Data: notesData(60),
		Spec: all(loss("binary_crossentropy"), epochs(4, layers(noteLayers(6)...))), Expect: []string{"output_loss_mismatch"}, Also: outputAlso, RefuseOK: true},
	{Name: "nin-dying-relu-adamw-numerals", Problem: "a ReLU CNN with AdamW at lr 0.02 (20x its default): the ReLUs die", Data: numeralsData(100),
		Spec: all(lr("adamw", 0.02), epochs(3)), Expect: []string{"dying_relu", "lr_too_high"}, Also: lrHighAlso},
	{Name: "nin-bn-lag-fire-lamps", Problem: "a SqueezeNet-like graph model with BatchNormalization (momentum 0.99), 12 steps in all: moving statistics lag", Data: lampsData(20),
		Spec: epochs(4, layers(fireNet(5, "relu", 0.99)...)), Expect: []string{"batchnorm_statistics"}},
	{Name: "nin-bn-0995-batch-16-notes", Problem: "BatchNormalization (momentum 0.995) after each convolution, batches of 16, 21 steps in all", Data: notesData(20),
		Spec: epochs(3, batch(16), layers(bnNotes(6, 0.995)...)), Expect: []string{"batchnorm_statistics"}},
	{Name: "nin-too-little-evidence-fibres", Problem: "10 fibres (2 for validation), 1 epoch: too little to judge", Data: fibresData(5),
		Spec: all(valSplit(0.2), epochs(1)), Expect: []string{"inconclusive"}},
}
