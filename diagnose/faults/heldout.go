package faults

import (
	"github.com/cnnscope/cnnscope/data"
	"github.com/cnnscope/cnnscope/nn"
	"github.com/cnnscope/cnnscope/spec"
)

// The held-out part of the suite (issue 10). It was written, and run once
// on the code as it was, before any detector or threshold was changed
// for that issue: new data (colour textures, colour scenes, seven-segment
// glyphs, two-class sets of 300 images at 95:5), new variants of every
// fault kind and new healthy configurations. Thresholds are set on the
// dev part (Faults and Healthy without HeldOut); the bars are
// judged on this part. Its failures are fixed by class, never case by
// case.

// Two findings the held-out scenarios expect did not exist when they were
// written (batchnorm_statistics, inconclusive: issue 10 asks for them);
// the baseline run counted those scenarios as missed.

func textures(perClass int, classes ...string) Data {
	if len(classes) == 0 {
		classes = []string{"hstripes", "vstripes", "checker", "rings"}
	}
	return Data{Source: "textures", Classes: classes, PerClass: perClass}
}

func glyphs(perClass int) Data {
	return Data{Source: "glyphs", Classes: GlyphClasses, PerClass: perClass}
}

func scenes(perClass int, classes ...string) Data {
	if len(classes) == 0 {
		classes = []string{"ball", "ring", "bar", "frame"}
	}
	return Data{Source: "scenes", Classes: classes, PerClass: perClass}
}

func bnMomentum(m float64) nn.LayerSpec {
	return nn.LayerSpec{Type: "BatchNormalization", Momentum: m}
}

func withData(d Data, f func(d *Data)) Data {
	f(&d)
	return d
}

func loss(name string) func(s *spec.Spec) { return func(s *spec.Spec) { s.Compile.Loss = name } }

func activation(act string) nn.LayerSpec { return nn.LayerSpec{Type: "Activation", Activation: act} }

// heldOutFaults are the held-out injected problems.
var heldOutFaults = []Scenario{
	{Name: "h-lr-high-adam-textures", Problem: "Adam at lr 0.2 (200x its default)", Data: textures(200),
		Spec: lr("adam", 0.2), Expect: []string{"lr_too_high"},
		Also: []string{"divergence", "nan", "dying_relu", "exploding_gradients", "not_learning"}},
	{Name: "h-lr-high-rmsprop-glyphs", Problem: "RMSprop at lr 0.3 (300x its default)", Data: glyphs(150),
		Spec: lr("rmsprop", 0.3), Expect: []string{"lr_too_high"},
		Also: []string{"divergence", "nan", "dying_relu", "exploding_gradients", "not_learning"}},
	{Name: "h-lr-high-sgd-scenes", Problem: "SGD at lr 1.5 with momentum 0.5", Data: scenes(200),
		Spec:   func(s *spec.Spec) { s.Compile.Optimizer, s.Compile.LearningRate, s.Compile.Momentum = "sgd", 1.5, 0.5 },
		Expect: []string{"lr_too_high"}, Also: []string{"divergence", "nan", "dying_relu", "exploding_gradients", "not_learning"}},
	{Name: "h-lr-1e-6-glyphs", Problem: "Adam at lr 1e-6 on 10-class glyphs", Data: glyphs(150),
		Spec: all(lr("adam", 1e-6), epochs(3)), Expect: []string{"lr_too_low"}, Also: []string{"not_learning", "underfitting", "loss_plateau"}},
	{Name: "h-sgd-slow-scenes", Problem: "plain SGD at lr 2e-4, no momentum (50x under its default)", Data: scenes(200),
		Spec: all(lr("sgd", 2e-4), epochs(3)), Expect: []string{"lr_too_low"}, Also: []string{"not_learning", "underfitting", "loss_plateau"}},
	{Name: "h-sigmoid-deep-textures", Problem: "five sigmoid Dense(48) layers, no normalization", Data: textures(200),
		Spec: epochs(3, layers(flatten(), dense(48, "sigmoid"), dense(48, "sigmoid"), dense(48, "sigmoid"), dense(48, "sigmoid"),
			dense(48, "sigmoid"), dense(4, "softmax"))),
		Expect: []string{"vanishing_gradients", "saturated_activations"}, Also: []string{"not_learning", "underfitting"}},
	{Name: "h-bad-init-ones-glyphs", Problem: "every kernel initialized to ones", Data: glyphs(150),
		Spec: layers(initializer("ones", basicLayers(10))...), Expect: []string{"bad_initialization", "initial_loss"},
		Also: []string{"nan", "divergence", "not_learning", "dying_relu", "exploding_gradients", "saturated_activations"}},
	{Name: "h-bad-init-zeros-scenes", Problem: "every kernel initialized to zeros", Data: scenes(200),
		Spec: layers(initializer("zeros", basicLayers(4))...), Expect: []string{"bad_initialization", "initial_loss"},
		Also: []string{"not_learning", "dying_relu", "vanishing_gradients", "underfitting"}},
	{Name: "h-unnormalized-scenes", Problem: "0..255 colour pixels (rescale 1)", Data: scenes(200),
		Spec: func(s *spec.Spec) { s.Data.Preprocessing = &data.Preprocess{Rescale: 1} }, Expect: []string{"unnormalized_inputs"},
		Also: []string{"initial_loss", "nan", "divergence", "dying_relu", "exploding_gradients", "lr_too_high"}},
	{Name: "h-unnormalized-glyphs-rmsprop", Problem: "0..255 pixels with RMSprop", Data: glyphs(150),
		Spec: func(s *spec.Spec) {
			s.Data.Preprocessing = &data.Preprocess{Rescale: 1}
			s.Compile.Optimizer = "rmsprop"
		}, Expect: []string{"unnormalized_inputs"},
		Also: []string{"initial_loss", "nan", "divergence", "dying_relu", "exploding_gradients", "lr_too_high", "not_learning"}},
	{Name: "h-shuffled-glyphs", Problem: "labels of 1,500 10-class glyphs shuffled", Data: withData(glyphs(150), func(d *Data) { d.ShuffleLabels = true }),
		Spec: epochs(3), Expect: []string{"not_learning"}, Cause: "labels", Also: []string{"label_noise", "underfitting"}},
	{Name: "h-shuffled-textures-300", Problem: "labels of 300 two-class textures shuffled", Data: withData(textures(150, "vstripes", "dots"), func(d *Data) { d.ShuffleLabels = true }),
		Spec: epochs(4), Expect: []string{"not_learning"}, Cause: "labels", Also: []string{"label_noise", "underfitting"}},
	{Name: "h-label-noise-40-glyphs", Problem: "40% of glyph labels flipped to another class", Data: withData(glyphs(150), func(d *Data) { d.FlipLabels = 0.4 }),
		Spec: epochs(3), Expect: []string{"label_noise"}, Also: []string{"underfitting", "val_above_train"}},
	{Name: "h-label-noise-30-scenes", Problem: "30% of scene labels flipped to another class", Data: withData(scenes(200), func(d *Data) { d.FlipLabels = 0.3 }),
		Spec: epochs(3), Expect: []string{"label_noise"}, Also: []string{"underfitting", "val_above_train"}},
	{Name: "h-imbalance-95-5-textures", Problem: "300 textures at 95:5 (dots vs checker), no class weights",
		Data: Data{Source: "textures", Classes: []string{"dots", "checker"}, Counts: []int{285, 15}, Noise: 0.15},
		Spec: epochs(3), Expect: []string{"majority_class_bias"}},
	{Name: "h-imbalance-95-5-scenes", Problem: "300 scenes at 95:5 (ball vs block), no class weights",
		Data: Data{Source: "scenes", Classes: []string{"ball", "block"}, Counts: []int{285, 15}},
		Spec: epochs(3), Expect: []string{"majority_class_bias"}},
	{Name: "h-overfit-glyphs-dense", Problem: "75 training glyphs, a 470k-parameter dense model, 20 epochs", Data: glyphs(15),
		Spec:   all(valSplit(0.5), epochs(20, layers(flatten(), dense(512, "relu"), dense(512, "relu"), dense(10, "softmax")))),
		Expect: []string{"overfitting"}},
	{Name: "h-dropout-085-textures", Problem: "Dropout(0.85) after the convolutions and the dense layer", Data: textures(200),
		Spec:   layers(conv(32, "relu"), pool(2), conv(64, "relu"), pool(2), dropout(0.85), flatten(), dense(64, "relu"), dropout(0.85), dense(4, "softmax")),
		Expect: []string{"high_dropout"}, Also: []string{"underfitting", "val_above_train", "not_learning"}},
	{Name: "h-too-small-glyphs", Problem: "a 1-unit bottleneck: MaxPool(4), Dense(1)", Data: glyphs(150),
		Spec:   epochs(3, layers(pool(4), flatten(), dense(1, "linear"), dense(10, "softmax"))),
		Expect: []string{"underfitting"}, Also: []string{"not_learning", "loss_plateau"}},
	{Name: "h-leakage-near-copies-scenes", Problem: "every scene twice, the copy re-noised by ±3 levels", Data: withData(scenes(125), func(d *Data) { d.Duplicate, d.Jitter = true, 3 }),
		Spec: epochs(2), Expect: []string{"leakage"}, Also: []string{"val_above_train"}},
	{Name: "h-leakage-textures", Problem: "every texture twice: validation copies training images", Data: withData(textures(125), func(d *Data) { d.Duplicate = true }),
		Spec: epochs(2), Expect: []string{"leakage"}, Also: []string{"val_above_train"}},
	{Name: "h-double-softmax-glyphs", Problem: "softmax applied twice (Dense softmax + Activation softmax)", Data: glyphs(150),
		Spec:   layers(append(basicLayers(10), activation("softmax"))...),
		Expect: []string{"output_loss_mismatch"}, Also: []string{"initial_loss", "not_learning"}},
	{Name: "h-sigmoid-10-glyphs", Problem: "sigmoid output over 10 classes with sparse_categorical_crossentropy", Data: glyphs(150),
		Spec:   layers(append(basicLayers(10)[:7], dense(10, "sigmoid"))...),
		Expect: []string{"output_loss_mismatch"}, Also: []string{"initial_loss", "not_learning"}},
	{Name: "h-bce-softmax-glyphs", Problem: "binary_crossentropy with a 10-way softmax and integer labels", Data: glyphs(150),
		Spec: loss("binary_crossentropy"), Expect: []string{"output_loss_mismatch"}, Also: []string{"initial_loss", "not_learning"}, RefuseOK: true},
	// h-cce-int-labels-textures retired (issue 10, third round): labels are
	// now one-hot encoded for categorical_crossentropy, nothing is injected.
	{Name: "h-bn-lag-glyphs", Problem: "BatchNormalization (momentum 0.99) trained for 18 steps: moving statistics lag", Data: glyphs(30),
		Spec: all(epochs(2), layers(conv(32, "relu"), batchNorm(), pool(2), conv(64, "relu"), batchNorm(), pool(2), flatten(),
			dense(64, "relu"), dense(10, "softmax"))),
		Expect: []string{"batchnorm_statistics"}},
	{Name: "h-too-little-evidence", Problem: "10 images (1 for validation), 1 epoch: too little to judge", Data: textures(5, "hstripes", "vstripes"),
		Spec: epochs(1), Expect: []string{"inconclusive"}},
}

// heldOutHealthy are the held-out healthy configurations.
var heldOutHealthy = []Scenario{
	{Name: "ok-h-textures", Data: textures(200)},
	{Name: "ok-h-textures-6-batch-64", Data: textures(150, TextureClasses...), Spec: all(epochs(3), batch(64))},
	{Name: "ok-h-scenes", Data: scenes(200), Spec: epochs(3)},
	{Name: "ok-h-glyphs", Data: glyphs(150), Spec: epochs(3)},
	{Name: "ok-h-glyphs-sgd-momentum", Data: glyphs(150), Spec: all(epochs(3), func(s *spec.Spec) {
		s.Compile.Optimizer, s.Compile.LearningRate, s.Compile.Momentum = "sgd", 0.03, 0.9
	})},
	{Name: "ok-h-textures-rmsprop", Data: textures(200), Spec: lr("rmsprop", 1e-3)},
	{Name: "ok-h-scenes-augmented", Data: scenes(200), Spec: epochs(3, func(s *spec.Spec) {
		s.Data.Augmentation = &data.Augment{RotationRange: 10, WidthShiftRange: 0.1, HeightShiftRange: 0.1, HorizontalFlip: true}
	})},
	{Name: "ok-h-glyphs-bn", Data: glyphs(150), Spec: epochs(4, layers(conv(32, "relu"), bnMomentum(0.9), pool(2), conv(64, "relu"), bnMomentum(0.9), pool(2),
		flatten(), dense(64, "relu"), dense(10, "softmax")))},
	{Name: "ok-h-scenes-two-class-300", Data: scenes(150, "ball", "ring"), Spec: epochs(8)},
	{Name: "ok-h-textures-weighted-80-20", Data: Data{Source: "textures", Classes: []string{"vstripes", "rings"}, Counts: []int{240, 60}},
		Spec: epochs(3, func(s *spec.Spec) { s.Data.ClassWeight = spec.ClassWeight{Mode: "balanced"} })},
	{Name: "ok-h-glyphs-adamw-dropout", Data: glyphs(150), Spec: all(lr("adamw", 2e-3), epochs(3, layers(conv(32, "relu"), pool(2), conv(64, "relu"), pool(2),
		flatten(), dropout(0.3), dense(64, "relu"), dense(10, "softmax"))))},
	{Name: "ok-h-scenes-low-contrast", Data: withData(scenes(200), func(d *Data) { d.Contrast = 0.6 }), Spec: epochs(3)},
	{Name: "ok-h-textures-batch-8", Data: textures(200), Spec: batch(8)},
}

func init() {
	for _, l := range [][]Scenario{heldOutFaults, heldOutHealthy} {
		for i := range l {
			l[i].HeldOut = true
		}
	}
	Faults = append(Faults, heldOutFaults...)
	Healthy = append(Healthy, heldOutHealthy...)
}
