package faults

import (
	"github.com/cnnscope/cnnscope/data"
	"github.com/cnnscope/cnnscope/nn"
	"github.com/cnnscope/cnnscope/spec"
)

// The fifth part of the suite (`--part fifth`, issue 10's fifth round).
// Every earlier part (dev, heldout, unseen, fresh, novel) was read while
// the diagnosis was fixed, so none of them measures generalization any
// more; this part was written and committed, with its own data
// generators (fifth_data.go: gray concrete cracks at 40×40, colour road
// signs told by their outline at 40×40, gray spectrograms of ten sounds
// at a wide 24×32, colour galaxies at 48×48), new variants of every
// fault kind and healthy configurations as users run them, before any
// detector or threshold of that round was changed, by a helper that had
// not worked on the diagnosis.
//
// Honesty rules, kept while it was written: the expected causes were
// decided from the injected fault alone, as a careful expert would name
// it. Only the evaluation's own measures of single runs were looked at
// (validation accuracy, its chance check, validation size and steps,
// filtered out of `diagnose eval --json` with one seed, stderr thrown
// away), to make sure that a healthy configuration learns and that a
// fault is one; the diagnosis' findings, top finding, verdict and the
// aggregate rates of no run were read, and no scenario was tuned so that
// the diagnosis passes or fails. No file of package diagnose was changed
// with it. The bars are judged on it when a report holds it and not the
// newer sixth part (sixth.go).

// fifthGenerators are the fifth part's data sources.
var fifthGenerators = map[string]func(GenOptions) (*data.Dataset, error){
	"cracks": Cracks, "signs": Signs, "spectro": Spectro, "galaxy": Galaxy,
}

var (
	cracksData  = freshData("cracks", CrackClasses)
	signsData   = freshData("signs", SignClasses)
	spectroData = freshData("spectro", SpectroClasses)
	galaxyData  = freshData("galaxy", GalaxyClasses)
)

// residualTwo is a functional model with two plain residual blocks (no
// normalization) after a stem, each block at half the size of the one
// before.
func residualTwo(classes int) []nn.LayerSpec {
	stem := sameConv(24, "relu")
	stem.Name = "stem"
	a1, b1, a2, b2 := sameConv(24, "relu"), sameConv(24, "linear"), sameConv(24, "relu"), sameConv(24, "linear")
	a1.Name, b1.Name, a2.Name, b2.Name = "a1", "b1", "a2", "b2"
	relu1, p0 := activation("relu"), pool(2)
	relu1.Name, p0.Name = "r1", "p0"
	return []nn.LayerSpec{stem, p0, a1, b1, {Type: "Add", Name: "s1", Inputs: []string{"p0", "b1"}}, relu1, pool(2),
		{Type: "Conv2D", Filters: 24, KernelSize: nn.Pair{3, 3}, Activation: "relu", Padding: nn.PaddingArg("same"), Name: "mid"},
		a2, b2, {Type: "Add", Name: "s2", Inputs: []string{"mid", "b2"}}, activation("relu"), pool(2), flatten(), dense(32, "relu"), dense(classes, "softmax")}
}

// spectroSeparable is a depthwise-separable model for the spectrograms.
func spectroSeparable(classes int) []nn.LayerSpec {
	return []nn.LayerSpec{sameConv(16, "relu"), separable(32), pool(2), separable(64), pool(2), flatten(), dense(64, "relu"), dense(classes, "softmax")}
}

func denseStack(n, units int, act string, classes int) []nn.LayerSpec {
	ls := []nn.LayerSpec{flatten()}
	for i := 0; i < n; i++ {
		ls = append(ls, dense(units, act))
	}
	return append(ls, dense(classes, "softmax"))
}

func strided(f, k, stride int, act string) nn.LayerSpec {
	return nn.LayerSpec{Type: "Conv2D", Filters: f, KernelSize: nn.Pair{k, k}, Strides: nn.Pair{stride, stride}, Activation: act}
}

func classWeights(s *spec.Spec) {
	s.Data.ClassWeight = spec.ClassWeight{Mode: "balanced"}
}

// fifthFaults are the fifth part's injected problems.
var fifthFaults = []Scenario{
	{Name: "v-lr-high-sgd-galaxy", Problem: "plain SGD at lr 3 (300x its default)", Data: galaxyData(100),
		Spec: sgd(3, 0, false), Expect: []string{"lr_too_high"}, Also: lrHighAlso},
	{Name: "v-lr-high-adamw-signs", Problem: "AdamW at lr 0.2 (200x its default)", Data: signsData(100),
		Spec: lr("adamw", 0.2), Expect: []string{"lr_too_high"}, Also: lrHighAlso},
	{Name: "v-lr-high-adam-batch-8-spectro", Problem: "Adam at lr 0.05 (50x its default) with batches of 8", Data: spectroData(60),
		Spec: all(lr("adam", 0.05), batch(8)), Expect: []string{"lr_too_high"}, Also: lrHighAlso},
	{Name: "v-lr-low-adam-spectro", Problem: "Adam at lr 1e-7 (1/10000 of its default)", Data: spectroData(150),
		Spec: all(lr("adam", 1e-7), epochs(3)), Expect: []string{"lr_too_low"}, Also: lrLowAlso},
	{Name: "v-lr-low-rmsprop-cracks", Problem: "RMSprop at lr 2e-7 (1/5000 of its default)", Data: cracksData(120),
		Spec: all(lr("rmsprop", 2e-7), epochs(3)), Expect: []string{"lr_too_low"}, Also: lrLowAlso},
	{Name: "v-sigmoid-dense-sgd-spectro", Problem: "seven sigmoid Dense(64) layers on flattened pixels, plain SGD at 0.01", Data: spectroData(150),
		Spec:   all(sgd(0.01, 0, false), epochs(3, layers(denseStack(7, 64, "sigmoid", 10)...))),
		Expect: []string{"vanishing_gradients", "saturated_activations"}, Also: vanishingAlso},
	{Name: "v-sigmoid-conv-galaxy", Problem: "five sigmoid Conv2D layers and a sigmoid Dense layer, SGD at 0.05", Data: galaxyData(100),
		Spec: all(sgd(0.05, 0, false), epochs(3, layers(sameConv(16, "sigmoid"), sameConv(16, "sigmoid"), pool(2), sameConv(16, "sigmoid"),
			sameConv(16, "sigmoid"), pool(2), sameConv(16, "sigmoid"), pool(2), flatten(), dense(32, "sigmoid"), dense(5, "softmax")))),
		Expect: []string{"vanishing_gradients", "saturated_activations"}, Also: vanishingAlso},
	{Name: "v-init-ones-galaxy", Problem: "the basic CNN with every kernel initialized to ones on 48×48 colour images", Data: galaxyData(100),
		Spec: epochs(3, layers(initAll("ones", basicLayers(5))...)), Expect: []string{"bad_initialization", "initial_loss"},
		Also: []string{"nan", "divergence", "not_learning", "dying_relu", "exploding_gradients", "saturated_activations"}},
	{Name: "v-init-zeros-dense-cracks", Problem: "a CNN whose Dense layers (hidden and output) are initialized to zeros", Data: cracksData(120),
		Spec: epochs(3, layers(initDense("zeros", basicLayers(4))...)), Expect: []string{"bad_initialization", "initial_loss"},
		Also: []string{"not_learning", "dying_relu", "vanishing_gradients", "underfitting"}},
	{Name: "v-unscaled-galaxy", Problem: "0..255 colour pixels (rescale 1) with Adam at its default", Data: galaxyData(100),
		Spec: unscaled, Expect: []string{"unnormalized_inputs"}, Also: inputsAlso},
	{Name: "v-unscaled-cracks-rmsprop", Problem: "0..255 gray pixels (rescale 1) with RMSprop at its default", Data: cracksData(120),
		Spec: all(lr("rmsprop", 1e-3), unscaled), Expect: []string{"unnormalized_inputs"}, Also: inputsAlso},
	{Name: "v-shuffled-spectro", Problem: "labels of 1,500 10-class spectrograms shuffled", Data: withData(spectroData(150), func(d *Data) { d.ShuffleLabels = true }),
		Spec: epochs(4), Expect: []string{"not_learning"}, Cause: "labels", Also: labelsAlso},
	{Name: "v-shuffled-cracks-300", Problem: "labels of 300 two-class cracks (crazed, star) shuffled",
		Data: withData(cracksData(150, "crazed", "star"), func(d *Data) { d.ShuffleLabels = true }),
		Spec: epochs(6, batch(16)), Expect: []string{"not_learning"}, Cause: "labels", Also: labelsAlso},
	{Name: "v-label-noise-45-signs", Problem: "45% of sign labels flipped to another class", Data: withData(signsData(100), func(d *Data) { d.FlipLabels = 0.45 }),
		Spec: epochs(10), Expect: []string{"label_noise"}, Also: noiseAlso},
	{Name: "v-label-noise-35-spectro", Problem: "35% of spectrogram labels flipped to another class", Data: withData(spectroData(150), func(d *Data) { d.FlipLabels = 0.35 }),
		Spec: epochs(5), Expect: []string{"label_noise"}, Also: noiseAlso},
	{Name: "v-imbalance-95-5-cracks", Problem: "300 cracks at 95:5 (single vs forked), no class weights",
		Data: Data{Source: "cracks", Classes: []string{"single", "forked"}, Counts: []int{285, 15}},
		Spec: epochs(3), Expect: []string{"majority_class_bias"}},
	{Name: "v-imbalance-92-8-galaxy", Problem: "400 galaxies at 92:8 (elliptical vs spiral), no class weights",
		Data: Data{Source: "galaxy", Classes: []string{"elliptical", "spiral"}, Counts: []int{368, 32}},
		Spec: epochs(2), Expect: []string{"majority_class_bias"}},
	{Name: "v-overfit-signs-wide", Problem: "50 training signs, a CNN with a 2.1M-parameter Dense(512) head, 30 epochs", Data: signsData(20),
		Spec:   all(valSplit(0.5), epochs(30, layers(conv(32, "relu"), pool(2), conv(64, "relu"), pool(2), flatten(), dense(512, "relu"), dense(5, "softmax")))),
		Expect: []string{"overfitting"}},
	{Name: "v-overfit-galaxy-dense", Problem: "40 training galaxies, a 7.3M-parameter dense model, 30 epochs", Data: galaxyData(16),
		Spec:   all(valSplit(0.5), epochs(30, layers(flatten(), dense(1024, "relu"), dense(256, "relu"), dense(5, "softmax")))),
		Expect: []string{"overfitting"}},
	{Name: "v-dropout-everywhere-spectro", Problem: "Dropout(0.85) after every convolution and before both Dense layers", Data: spectroData(150),
		Spec: epochs(3, layers(conv(32, "relu"), dropout(0.85), pool(2), conv(64, "relu"), dropout(0.85), pool(2), flatten(), dropout(0.85),
			dense(64, "relu"), dropout(0.85), dense(10, "softmax"))),
		Expect: []string{"high_dropout"}, Also: []string{"underfitting", "val_above_train", "not_learning"}},
	{Name: "v-too-small-gap-spectro", Problem: "GlobalAveragePooling2D of the input, then Dense(10): only the mean level is seen", Data: spectroData(150),
		Spec: epochs(3, layers(gap(), dense(10, "softmax"))), Expect: []string{"underfitting"}, Also: []string{"not_learning", "loss_plateau"}},
	{Name: "v-too-small-strided-galaxy", Problem: "one 8×8 Conv2D with 1 filter at stride 8, then Dense(2): a 6×6 gray thumbnail through 2 units", Data: galaxyData(100),
		Spec:   epochs(3, layers(strided(1, 8, 8, "relu"), flatten(), dense(2, "relu"), dense(5, "softmax"))),
		Expect: []string{"underfitting"}, Also: []string{"not_learning", "loss_plateau"}},
	{Name: "v-leakage-signs", Problem: "every sign twice: validation copies training images", Data: withData(signsData(50), func(d *Data) { d.Duplicate = true }),
		Spec: epochs(2), Expect: []string{"leakage"}, Also: []string{"val_above_train"}},
	{Name: "v-leakage-near-cracks", Problem: "every crack image twice, the copy re-noised by ±6 levels", Data: withData(cracksData(60), func(d *Data) { d.Duplicate, d.Jitter = true, 6 }),
		Spec: epochs(5), Expect: []string{"leakage"}, Also: []string{"val_above_train"}},
	{Name: "v-sigmoid-output-signs", Problem: "sigmoid output with sparse_categorical_crossentropy (softmax missing)", Data: signsData(100),
		Spec: layers(withOutput(basicLayers(5), dense(5, "sigmoid"))...), Expect: []string{"output_loss_mismatch"}, Also: outputAlso},
	{Name: "v-linear-output-spectro", Problem: "a linear output with sparse_categorical_crossentropy and from_logits false (softmax missing)", Data: spectroData(150),
		Spec: layers(withOutput(basicLayers(10), dense(10, "linear"))...), Expect: []string{"output_loss_mismatch"}, Also: outputAlso},
	{Name: "v-binary-loss-galaxy", Problem: "binary_crossentropy on a 5-class softmax output (the multi-class loss was meant)", Data: galaxyData(100),
		Spec: loss("binary_crossentropy"), Expect: []string{"output_loss_mismatch"}, Also: outputAlso, RefuseOK: true},
	{Name: "v-dying-relu-dense-signs", Problem: "six ReLU Dense(128) layers on flattened pixels, plain SGD at lr 0.3: the ReLUs die", Data: signsData(100),
		Spec: all(sgd(0.3, 0, false), layers(denseStack(6, 128, "relu", 5)...)), Expect: []string{"dying_relu", "lr_too_high"}, Also: lrHighAlso},
	{Name: "v-bn-lag-galaxy", Problem: "BatchNormalization (momentum 0.99) after both convolutions, 18 steps in all: moving statistics lag", Data: galaxyData(40),
		Spec:   epochs(3, layers(conv(32, "relu"), bnMomentum(0.99), pool(2), conv(64, "relu"), bnMomentum(0.99), pool(2), flatten(), dense(64, "relu"), dense(5, "softmax"))),
		Expect: []string{"batchnorm_statistics"}},
	{Name: "v-bn-0999-separable-spectro", Problem: "a separable model with BatchNormalization at momentum 0.999 after each block, 3 epochs", Data: spectroData(40),
		Spec: epochs(3, layers(sameConv(16, "relu"), bnMomentum(0.999), separable(32), bnMomentum(0.999), pool(2), separable(64), bnMomentum(0.999), pool(2),
			flatten(), dense(64, "relu"), dense(10, "softmax"))),
		Expect: []string{"batchnorm_statistics"}},
	{Name: "v-too-little-evidence-signs", Problem: "16 signs (2 for validation), 3 epochs: too little to judge", Data: signsData(8, "octagon", "round"),
		Spec: all(valSplit(0.1), epochs(3)), Expect: []string{"inconclusive"}},
}

// fifthHealthy are the fifth part's healthy configurations.
var fifthHealthy = []Scenario{
	{Name: "ok-v-cracks", Data: cracksData(120), Spec: epochs(6)},
	{Name: "ok-v-cracks-rmsprop-early-stop", Data: cracksData(120), Spec: epochs(12, lr("rmsprop", 5e-4), func(s *spec.Spec) {
		s.Fit.EarlyStopping = &spec.EarlyStopping{Monitor: "val_loss", Patience: 3, RestoreBestWeights: true}
	})},
	{Name: "ok-v-cracks-bn-dropout", Data: cracksData(120), Spec: epochs(8, batch(16), layers(conv(32, "relu"), bnMomentum(0.9), pool(2), conv(64, "relu"), bnMomentum(0.9), pool(2),
		flatten(), dropout(0.3), dense(64, "relu"), dropout(0.3), dense(4, "softmax")))},
	{Name: "ok-v-signs", Data: signsData(100), Spec: epochs(6)},
	{Name: "ok-v-signs-weighted-90-10", Data: Data{Source: "signs", Classes: []string{"octagon", "yield"}, Counts: []int{270, 30}},
		Spec: epochs(10, valSplit(0.2), classWeights)},
	{Name: "ok-v-signs-augmented", Data: signsData(100), Spec: epochs(8, augment(data.Augment{RotationRange: 10, WidthShiftRange: 0.1, HeightShiftRange: 0.1,
		ZoomRange: data.Range{0.9, 1.1}, BrightnessRange: data.Range{0.8, 1.2}}))},
	{Name: "ok-v-signs-batch-8", Data: signsData(80), Spec: epochs(5, batch(8), lr("adam", 3e-4))},
	{Name: "ok-v-signs-long-small", Data: signsData(40), Spec: epochs(25, layers(conv(16, "relu"), pool(2), conv(32, "relu"), pool(2), flatten(),
		dropout(0.4), dense(32, "relu"), dense(5, "softmax")))},
	{Name: "ok-v-spectro", Data: spectroData(150), Spec: epochs(4)},
	{Name: "ok-v-spectro-sgd-reduce-lr", Data: spectroData(150), Spec: epochs(6, sgd(0.03, 0.9, false),
		func(s *spec.Spec) { s.Fit.ReduceLROnPlateau = &spec.ReduceLROnPlateau{Patience: 1, Factor: 0.3} })},
	{Name: "ok-v-spectro-separable", Data: spectroData(150), Spec: epochs(5, layers(spectroSeparable(10)...))},
	{Name: "ok-v-spectro-batch-16-he", Data: spectroData(100), Spec: epochs(4, batch(16), layers(initializer("he_uniform", basicLayers(10))...))},
	{Name: "ok-v-galaxy", Data: galaxyData(100), Spec: epochs(5)},
	{Name: "ok-v-galaxy-residual-graph", Data: galaxyData(100), Spec: epochs(8, layers(residualTwo(5)...))},
	{Name: "ok-v-galaxy-adamw-flips", Data: galaxyData(100), Spec: epochs(6, lr("adamw", 1e-3), func(s *spec.Spec) { s.Compile.WeightDecay = 0.004 },
		augment(data.Augment{HorizontalFlip: true, VerticalFlip: true}))},
	{Name: "ok-v-galaxy-batch-4", Data: galaxyData(60), Spec: epochs(3, batch(4), lr("adam", 2e-4))},
}

func init() {
	for _, l := range [][]Scenario{fifthFaults, fifthHealthy} {
		for i := range l {
			l[i].Fifth = true
		}
	}
	Faults = append(Faults, fifthFaults...)
	Healthy = append(Healthy, fifthHealthy...)
}
