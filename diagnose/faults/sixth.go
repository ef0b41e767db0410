package faults

import (
	"github.com/cnnscope/cnnscope/data"
	"github.com/cnnscope/cnnscope/nn"
	"github.com/cnnscope/cnnscope/spec"
)

// The sixth part of the suite (`--part sixth`, issue 10's sixth round).
// Every earlier part (dev, heldout, unseen, fresh, novel, fifth) was read
// while the diagnosis was fixed, so none of them measures generalization
// any more; this part was written and committed, with its own data
// generators (sixth_data.go: colour diseased leaves at 48×48, gray
// analogue gauges read in ten sectors at 28×28, gray circuit boards with
// or without a defect at 32×32, colour rock textures in six kinds at
// 32×32), new variants of every fault kind and healthy configurations as
// users run them, before any detector or threshold of that round was
// changed, by a helper that had not worked on the diagnosis.
//
// Honesty rules, kept while it was written: the expected causes were
// decided from the injected fault alone, as a careful expert would name
// it. Only the evaluation's own measures of single runs were looked at
// (validation accuracy, its chance check, validation size, steps and
// seconds, filtered out of `diagnose eval --json` with one seed, stderr
// thrown away), to make sure that a healthy configuration learns and
// that a fault is one; the diagnosis' findings, top finding, verdict and
// the aggregate rates of no run were read, and no scenario was tuned so
// that the diagnosis passes or fails. No file of package diagnose was
// changed with it. The bars are judged on it when a report holds it.

// sixthGenerators are the sixth part's data sources.
var sixthGenerators = map[string]func(GenOptions) (*data.Dataset, error){
	"leaves": Leaves, "dials": Dials, "boards": Boards, "rocks": Rocks,
}

var (
	leavesData = freshData("leaves", LeafClasses)
	dialsData  = freshData("dials", DialClasses)
	boardsData = freshData("boards", BoardClasses)
	rocksData  = freshData("rocks", RockClasses)
)

// boards is the board set at a mild imbalance (good:defect).
func boards(good, defect int) Data {
	return Data{Source: "boards", Classes: BoardClasses, Counts: []int{good, defect}}
}

func named(l nn.LayerSpec, name string, inputs ...string) nn.LayerSpec {
	l.Name, l.Inputs = name, inputs
	return l
}

func pointwise(f int, act string) nn.LayerSpec {
	return nn.LayerSpec{Type: "Conv2D", Filters: f, KernelSize: nn.Pair{1, 1}, Activation: act}
}

func depthwise() nn.LayerSpec {
	return nn.LayerSpec{Type: "DepthwiseConv2D", KernelSize: nn.Pair{3, 3}, Padding: nn.PaddingArg("same"), Activation: "relu6"}
}

func stridedSame(f, stride int, act string) nn.LayerSpec {
	l := sameConv(f, act)
	l.Strides = nn.Pair{stride, stride}
	return l
}

// inverted is a MobileNetV2-like inverted residual block on the layer in
// (f channels): expand 3x by 1×1, depthwise 3×3, project back linearly
// (with BatchNormalization of the given momentum when it is above 0),
// added to in.
func inverted(in, p string, f int, momentum float64) []nn.LayerSpec {
	ls := []nn.LayerSpec{named(pointwise(3*f, "relu6"), p+"e", in), named(depthwise(), p+"d"), named(pointwise(f, "linear"), p+"p")}
	last := p + "p"
	if momentum > 0 {
		ls = append(ls, named(bnMomentum(momentum), p+"bn"))
		last = p + "bn"
	}
	return append(ls, named(nn.LayerSpec{Type: "Add"}, p+"sum", in, last))
}

// mobileLike is a small MobileNetV2-like functional model: a strided
// stem, an inverted residual block, a strided convolution, another
// block, global average pooling; out is the output layer (more may
// follow).
func mobileLike(classes int, momentum float64, out ...nn.LayerSpec) []nn.LayerSpec {
	ls := []nn.LayerSpec{named(stridedSame(16, 2, "relu"), "stem")}
	ls = append(ls, inverted("stem", "b1", 16, momentum)...)
	ls = append(ls, named(stridedSame(32, 2, "relu"), "down"))
	ls = append(ls, inverted("down", "b2", 32, momentum)...)
	if len(out) == 0 {
		out = []nn.LayerSpec{dense(classes, "softmax")}
	}
	return append(append(ls, gap()), out...)
}

// initEvery sets every kernel initializer (plain, depthwise, separable,
// dense) of the layers to name.
func initEvery(name string, ls []nn.LayerSpec) []nn.LayerSpec {
	ls = initAll(name, ls)
	for i := range ls {
		if ls[i].Type == "DepthwiseConv2D" {
			ls[i].DepthwiseInit = name
		}
	}
	return ls
}

// initConvOnly sets the Conv2D kernels' initializer to name, leaving the
// Dense layers at their default.
func initConvOnly(name string, ls []nn.LayerSpec) []nn.LayerSpec {
	for i := range ls {
		if ls[i].Type == "Conv2D" {
			ls[i].KernelInitializer = name
		}
	}
	return ls
}

// rockLayers is a same-padded CNN for the rock textures, with a wider
// first layer.
func rockLayers(classes int) []nn.LayerSpec {
	return []nn.LayerSpec{sameConv(24, "relu"), pool(2), sameConv(48, "relu"), pool(2), sameConv(64, "relu"), pool(2), flatten(),
		dense(64, "relu"), dense(classes, "softmax")}
}

// residualRocks is a functional model with two residual blocks, each
// after a strided convolution.
func residualRocks(classes int) []nn.LayerSpec {
	return []nn.LayerSpec{named(stridedSame(24, 2, "relu"), "stem"), named(sameConv(24, "relu"), "r1a"), named(sameConv(24, "linear"), "r1b"),
		named(nn.LayerSpec{Type: "Add"}, "r1", "stem", "r1b"), activation("relu"), named(stridedSame(32, 2, "relu"), "down"),
		named(sameConv(32, "relu"), "r2a"), named(sameConv(32, "linear"), "r2b"), named(nn.LayerSpec{Type: "Add"}, "r2", "down", "r2b"),
		activation("relu"), pool(2), flatten(), dense(64, "relu"), dense(classes, "softmax")}
}

func sameConv5(f int, act string) nn.LayerSpec {
	l := sameConv(f, act)
	l.KernelSize = nn.Pair{5, 5}
	return l
}

// dropoutResidual is residualRocks with Dropout(0.8) after each block and
// before the output.
func dropoutResidual(classes int) []nn.LayerSpec {
	ls := residualRocks(classes)
	return append(append(append(ls[:5:5], dropout(0.8)), ls[5:10]...), dropout(0.8), pool(2), flatten(), dense(64, "relu"), dropout(0.8), dense(classes, "softmax"))
}

// wideBranches is the two-branch model with a Dense(512) hidden layer.
func wideBranches(classes int) []nn.LayerSpec {
	ls := branches(classes)
	ls[len(ls)-2] = dense(512, "relu")
	return ls
}

func fromLogits(s *spec.Spec) { s.Compile.FromLogits = true }

func clipNorm(v float64) func(s *spec.Spec) { return func(s *spec.Spec) { s.Compile.ClipNorm = v } }

func earlyStop(patience int) func(s *spec.Spec) {
	return func(s *spec.Spec) {
		s.Fit.EarlyStopping = &spec.EarlyStopping{Monitor: "val_loss", Patience: patience, RestoreBestWeights: true, StartFromEpoch: 6}
	}
}

func reduceLR(patience int, factor float64) func(s *spec.Spec) {
	return func(s *spec.Spec) {
		s.Fit.ReduceLROnPlateau = &spec.ReduceLROnPlateau{Patience: patience, Factor: factor}
	}
}

func weightDecay(v float64) func(s *spec.Spec) {
	return func(s *spec.Spec) { s.Compile.WeightDecay = v }
}

// sixthFaults are the sixth part's injected problems.
var sixthFaults = []Scenario{
	{Name: "six-lr-high-rmsprop-leaves", Problem: "RMSprop at lr 0.3 (300x its default)", Data: leavesData(80),
		Spec: lr("rmsprop", 0.3), Expect: []string{"lr_too_high"}, Also: lrHighAlso},
	{Name: "six-lr-high-sgd-momentum-dials", Problem: "SGD at lr 1 with momentum 0.95 (an effective step of 20)", Data: dialsData(150),
		Spec: sgd(1, 0.95, false), Expect: []string{"lr_too_high"}, Also: lrHighAlso},
	{Name: "six-lr-high-adam-clipnorm-rocks", Problem: "Adam at lr 0.3 (300x its default) with clipnorm 1, which does not bound Adam's step", Data: rocksData(100),
		Spec: all(lr("adam", 0.3), clipNorm(1)), Expect: []string{"lr_too_high"}, Also: lrHighAlso},
	{Name: "six-lr-low-sgd-boards", Problem: "plain SGD at lr 1e-5 (1/1000 of its default)", Data: boards(180, 120),
		Spec: all(sgd(1e-5, 0, false), epochs(4, batch(16))), Expect: []string{"lr_too_low"}, Also: lrLowAlso},
	{Name: "six-lr-low-adam-mobile-rocks", Problem: "a MobileNetV2-like graph model with Adam at lr 5e-7 (1/2000 of its default)", Data: rocksData(100),
		Spec: all(lr("adam", 5e-7), epochs(3, layers(mobileLike(6, 0)...))), Expect: []string{"lr_too_low"}, Also: lrLowAlso},
	{Name: "six-sigmoid-dense-rmsprop-dials", Problem: "eight sigmoid Dense(32) layers on flattened pixels, RMSprop at lr 1e-4", Data: dialsData(150),
		Spec:   all(lr("rmsprop", 1e-4), epochs(3, layers(denseStack(8, 32, "sigmoid", 10)...))),
		Expect: []string{"vanishing_gradients", "saturated_activations"}, Also: vanishingAlso},
	{Name: "six-sigmoid-conv-dense-rocks", Problem: "four sigmoid 5×5 Conv2D layers and three sigmoid Dense(32) layers, plain SGD at 0.02", Data: rocksData(100),
		Spec: all(sgd(0.02, 0, false), epochs(3, layers(sameConv5(8, "sigmoid"), sameConv5(8, "sigmoid"), pool(2), sameConv5(8, "sigmoid"),
			sameConv5(8, "sigmoid"), pool(2), flatten(), dense(32, "sigmoid"), dense(32, "sigmoid"), dense(32, "sigmoid"), dense(6, "softmax")))),
		Expect: []string{"vanishing_gradients", "saturated_activations"}, Also: vanishingAlso},
	{Name: "six-init-ones-conv-dials", Problem: "every Conv2D kernel of the basic CNN initialized to ones (the Dense layers at their default)", Data: dialsData(150),
		Spec: epochs(3, layers(initConvOnly("ones", basicLayers(10))...)), Expect: []string{"bad_initialization", "initial_loss"},
		Also: []string{"nan", "divergence", "not_learning", "dying_relu", "exploding_gradients", "saturated_activations"}},
	{Name: "six-init-zeros-mobile-leaves", Problem: "a MobileNetV2-like graph model with every kernel (plain, depthwise, dense) initialized to zeros", Data: leavesData(80),
		Spec: epochs(3, layers(initEvery("zeros", mobileLike(5, 0))...)), Expect: []string{"bad_initialization", "initial_loss"},
		Also: []string{"not_learning", "dying_relu", "vanishing_gradients", "underfitting"}},
	{Name: "six-unscaled-leaves-nesterov", Problem: "0..255 colour pixels (rescale 1) with SGD at 0.01 and Nesterov momentum 0.9", Data: leavesData(80),
		Spec: all(sgd(0.01, 0.9, true), unscaled), Expect: []string{"unnormalized_inputs"}, Also: inputsAlso},
	{Name: "six-unscaled-dials-adamw", Problem: "0..255 gray pixels (rescale 1) with AdamW at its default", Data: dialsData(150),
		Spec: all(lr("adamw", 1e-3), unscaled), Expect: []string{"unnormalized_inputs"}, Also: inputsAlso},
	{Name: "six-shuffled-dials", Problem: "labels of 1,500 10-class gauges shuffled", Data: withData(dialsData(150), func(d *Data) { d.ShuffleLabels = true }),
		Spec: epochs(4), Expect: []string{"not_learning"}, Cause: "labels", Also: labelsAlso},
	{Name: "six-shuffled-boards-300", Problem: "labels of 300 two-class boards (180 good, 120 defect) shuffled",
		Data: withData(boards(180, 120), func(d *Data) { d.ShuffleLabels = true }),
		Spec: epochs(8, batch(16)), Expect: []string{"not_learning"}, Cause: "labels", Also: labelsAlso},
	{Name: "six-label-noise-40-rocks", Problem: "40% of rock labels flipped to another class", Data: withData(rocksData(100), func(d *Data) { d.FlipLabels = 0.4 }),
		Spec: epochs(8), Expect: []string{"label_noise"}, Also: noiseAlso},
	{Name: "six-label-noise-30-leaves", Problem: "30% of leaf labels flipped to another class", Data: withData(leavesData(80), func(d *Data) { d.FlipLabels = 0.3 }),
		Spec: epochs(8), Expect: []string{"label_noise"}, Also: noiseAlso},
	{Name: "six-imbalance-94-6-boards", Problem: "320 boards at 94:6 (good vs defect), no class weights", Data: boards(301, 19),
		Spec: epochs(3), Expect: []string{"majority_class_bias"}},
	{Name: "six-imbalance-93-7-leaves", Problem: "400 leaves at 93:7 (healthy vs rust), no class weights",
		Data: Data{Source: "leaves", Classes: []string{"healthy", "rust"}, Counts: []int{372, 28}},
		Spec: epochs(2), Expect: []string{"majority_class_bias"}},
	{Name: "six-overfit-leaves-branches", Problem: "40 training leaves, a two-branch graph model with a 2.0M-parameter Dense(512) head, 30 epochs", Data: leavesData(16),
		Spec: all(valSplit(0.5), epochs(30, layers(wideBranches(5)...))), Expect: []string{"overfitting"}},
	{Name: "six-overfit-rocks-wide", Problem: "48 training rocks, Conv2D(64) then a 3.7M-parameter Dense(256) head, 30 epochs", Data: rocksData(16),
		Spec:   all(valSplit(0.5), epochs(30, layers(conv(64, "relu"), pool(2), flatten(), dense(256, "relu"), dense(6, "softmax")))),
		Expect: []string{"overfitting"}},
	{Name: "six-dropout-09-head-dials", Problem: "Dropout(0.9) after flattening and Dropout(0.9) after the Dense layer", Data: dialsData(150),
		Spec:   epochs(3, layers(conv(32, "relu"), pool(2), conv(64, "relu"), pool(2), flatten(), dropout(0.9), dense(64, "relu"), dropout(0.9), dense(10, "softmax"))),
		Expect: []string{"high_dropout"}, Also: []string{"underfitting", "val_above_train", "not_learning"}},
	{Name: "six-dropout-08-residual-rocks", Problem: "Dropout(0.8) after both residual blocks and before the output of a residual graph model", Data: rocksData(100),
		Spec:   epochs(3, layers(dropoutResidual(6)...)),
		Expect: []string{"high_dropout"}, Also: []string{"underfitting", "val_above_train", "not_learning"}},
	{Name: "six-too-small-avgpool-dials", Problem: "AveragePooling2D(14) of the input, then Dense(3): the brightness of four quadrants through 3 units", Data: dialsData(150),
		Spec:   epochs(3, layers(nn.LayerSpec{Type: "AveragePooling2D", PoolSize: nn.Pair{14, 14}}, flatten(), dense(3, "relu"), dense(10, "softmax"))),
		Expect: []string{"underfitting"}, Also: []string{"not_learning", "loss_plateau"}},
	{Name: "six-too-small-linear-gap-leaves", Problem: "one linear 3×3 Conv2D (4 filters, stride 4), then global average pooling: only mean colours", Data: leavesData(80),
		Spec: epochs(3, layers(nn.LayerSpec{Type: "Conv2D", Filters: 4, KernelSize: nn.Pair{3, 3}, Strides: nn.Pair{4, 4}, Activation: "linear"}, gap(),
			dense(5, "softmax"))),
		Expect: []string{"underfitting"}, Also: []string{"not_learning", "loss_plateau"}},
	{Name: "six-leakage-boards", Problem: "every board twice: validation copies training images", Data: withData(boards(90, 60), func(d *Data) { d.Duplicate = true }),
		Spec: epochs(12, batch(16)), Expect: []string{"leakage"}, Also: []string{"val_above_train"}},
	{Name: "six-leakage-near-rocks", Problem: "every rock image twice, the copy re-noised by ±3 levels", Data: withData(rocksData(40), func(d *Data) { d.Duplicate, d.Jitter = true, 3 }),
		Spec: epochs(3), Expect: []string{"leakage"}, Also: []string{"val_above_train"}},
	{Name: "six-gelu-output-dials", Problem: "gelu output with sparse_categorical_crossentropy (softmax missing)", Data: dialsData(150),
		Spec: layers(withOutput(basicLayers(10), dense(10, "gelu"))...), Expect: []string{"output_loss_mismatch"}, Also: outputAlso},
	{Name: "six-double-softmax-mobile-rocks", Problem: "a MobileNetV2-like graph model whose Dense softmax output feeds Activation(softmax)", Data: rocksData(100),
		Spec: epochs(3, layers(mobileLike(6, 0, dense(6, "softmax"), activation("softmax"))...)), Expect: []string{"output_loss_mismatch"}, Also: outputAlso},
	{Name: "six-selu-output-leaves", Problem: "selu output with sparse_categorical_crossentropy (softmax missing)", Data: leavesData(80),
		Spec: layers(withOutput(basicLayers(5), dense(5, "selu"))...), Expect: []string{"output_loss_mismatch"}, Also: outputAlso},
	{Name: "six-dying-relu-sgd-rocks", Problem: "three ReLU Conv2D layers and a ReLU Dense(64), SGD at lr 0.4 with momentum 0.5: the ReLUs die", Data: rocksData(100),
		Spec:   all(sgd(0.4, 0.5, false), layers(rockLayers(6)...)),
		Expect: []string{"dying_relu", "lr_too_high"}, Also: lrHighAlso},
	{Name: "six-bn-lag-mobile-leaves", Problem: "a MobileNetV2-like graph model with BatchNormalization (momentum 0.99), 15 steps in all: moving statistics lag", Data: leavesData(30),
		Spec: epochs(3, layers(mobileLike(5, 0.99)...)), Expect: []string{"batchnorm_statistics"}},
	{Name: "six-bn-0995-dense-dials", Problem: "BatchNormalization (momentum 0.995) after the convolutions and the Dense layer, batches of 64, 10 steps", Data: dialsData(30),
		Spec: epochs(2, batch(64), layers(conv(32, "relu"), bnMomentum(0.995), pool(2), conv(64, "relu"), bnMomentum(0.995), pool(2), flatten(),
			dense(64, "relu"), bnMomentum(0.995), dense(10, "softmax"))),
		Expect: []string{"batchnorm_statistics"}},
	{Name: "six-too-little-evidence-boards", Problem: "12 boards (2 for validation), 2 epochs: too little to judge", Data: boardsData(6),
		Spec: all(valSplit(0.15), epochs(2)), Expect: []string{"inconclusive"}},
}

// sixthHealthy are the sixth part's healthy configurations.
var sixthHealthy = []Scenario{
	{Name: "ok-six-leaves", Data: leavesData(80), Spec: epochs(5)},
	{Name: "ok-six-leaves-augmented", Data: leavesData(80), Spec: epochs(7, augment(data.Augment{RotationRange: 20, HorizontalFlip: true,
		VerticalFlip: true, BrightnessRange: data.Range{0.85, 1.15}}))},
	{Name: "ok-six-leaves-mobile-graph", Data: leavesData(80), Spec: epochs(8, batch(16), layers(mobileLike(5, 0.9)...))},
	{Name: "ok-six-dials", Data: dialsData(150), Spec: epochs(4)},
	{Name: "ok-six-dials-rmsprop-reduce-lr", Data: dialsData(150), Spec: epochs(6, lr("rmsprop", 1e-3), reduceLR(1, 0.5))},
	{Name: "ok-six-dials-from-logits", Data: dialsData(150), Spec: epochs(4, fromLogits, layers(withOutput(basicLayers(10), dense(10, "linear"))...))},
	{Name: "ok-six-dials-bn-dropout", Data: dialsData(150), Spec: epochs(5, batch(64), layers(sameConv(32, "relu"), bnMomentum(0.9), pool(2),
		sameConv(64, "relu"), bnMomentum(0.9), pool(2), flatten(), dropout(0.4), dense(96, "relu"), dropout(0.3), dense(10, "softmax")))},
	{Name: "ok-six-dials-sgd-clipnorm", Data: dialsData(120), Spec: epochs(6, sgd(0.05, 0.9, false), clipNorm(1))},
	{Name: "ok-six-boards", Data: boards(180, 120), Spec: epochs(15, batch(16))},
	{Name: "ok-six-boards-weighted", Data: boards(210, 90), Spec: epochs(20, batch(16), valSplit(0.2), classWeights)},
	{Name: "ok-six-boards-early-stop", Data: boards(180, 120), Spec: epochs(20, batch(16), valSplit(0.2), earlyStop(5),
		layers(sameConv(16, "relu"), pool(2), sameConv(32, "relu"), pool(2), sameConv(32, "relu"), pool(2), flatten(), dense(32, "relu"), dense(2, "softmax")))},
	{Name: "ok-six-rocks", Data: rocksData(100), Spec: epochs(5)},
	{Name: "ok-six-rocks-adamw-flips", Data: rocksData(80), Spec: epochs(6, lr("adamw", 1e-3), weightDecay(0.004),
		augment(data.Augment{HorizontalFlip: true, VerticalFlip: true}), layers(rockLayers(6)...))},
	{Name: "ok-six-rocks-residual-graph", Data: rocksData(100), Spec: epochs(6, layers(residualRocks(6)...))},
	{Name: "ok-six-rocks-sgd-nesterov", Data: rocksData(80), Spec: epochs(8, sgd(0.01, 0.9, true))},
	{Name: "ok-six-rocks-batch-8", Data: rocksData(60), Spec: epochs(3, batch(8), lr("adam", 3e-4))},
}

func init() {
	for _, l := range [][]Scenario{sixthFaults, sixthHealthy} {
		for i := range l {
			l[i].Sixth = true
		}
	}
	Faults = append(Faults, sixthFaults...)
	Healthy = append(Healthy, sixthHealthy...)
}
