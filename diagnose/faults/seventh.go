package faults

import (
	"github.com/cnnscope/cnnscope/data"
	"github.com/cnnscope/cnnscope/nn"
)

// The seventh part of the suite (`--part seventh`, issue 10's seventh
// round). Every earlier part (dev, heldout, unseen, fresh, novel, fifth,
// sixth) was read while the diagnosis was fixed, so none of them
// measures generalization any more; this part was written and committed,
// with its own data generators (seventh_data.go: colour skies over a
// skyline at 64×64 in five kinds of weather, gray hand-cut runes in
// sixteen classes at 24×24, colour pills on a tray at 40×40 in three
// kinds, mostly at 70:20:10, colour bottles on a shelf at a tall 48×32 by
// fill level), new variants of every fault kind and healthy
// configurations as users run them, before any detector or threshold of
// that round was changed, by a helper that had not worked on the
// diagnosis.
//
// Honesty rules, kept while it was written: the expected causes were
// decided from the injected fault alone, as a careful expert would name
// it. Only the evaluation's own measures of single runs were looked at
// (validation accuracy, its chance check, validation size, steps and
// seconds, filtered out of `diagnose eval --json` with one seed, stderr
// thrown away), to make sure that a healthy configuration learns and
// that a fault is one; the diagnosis' findings, top finding, verdict and
// the aggregate rates of no run were read, seeds 4 and 5 were not run,
// and no scenario was tuned so that the diagnosis passes or fails. No
// file of package diagnose was changed with it. The bars are judged on
// it when a report holds it.

// seventhGenerators are the seventh part's data sources.
var seventhGenerators = map[string]func(GenOptions) (*data.Dataset, error){
	"skies": Skies, "runes": Runes, "pills": Pills, "bottles": Bottles,
}

var (
	skiesData   = freshData("skies", SkyClasses)
	runesData   = freshData("runes", RuneClasses)
	pillsData   = freshData("pills", PillClasses)
	bottlesData = freshData("bottles", BottleClasses)
)

// pills is the pill set with these counts of tablets, capsules and
// softgels.
func pills(tablet, capsule, softgel int) Data {
	return Data{Source: "pills", Classes: PillClasses, Counts: []int{tablet, capsule, softgel}}
}

// fullOrLow is the two-class bottle set.
func fullOrLow(perClass int) Data { return bottlesData(perClass, "full", "low") }

// residualSky is a functional model for larger images: a strided stem,
// a residual block, pooling, a wider convolution and a second residual
// block (each block's second convolution followed by BatchNormalization
// of the given momentum when it is above 0); out follows the second
// block (default: global average pooling and the softmax output).
func residualSky(classes int, momentum float64, out ...nn.LayerSpec) []nn.LayerSpec {
	block := func(in, p string, f int) []nn.LayerSpec {
		ls := []nn.LayerSpec{named(sameConv(f, "relu"), p+"a", in), named(sameConv(f, "linear"), p+"b")}
		last := p + "b"
		if momentum > 0 {
			ls = append(ls, named(bnMomentum(momentum), p+"bn"))
			last = p + "bn"
		}
		return append(ls, named(nn.LayerSpec{Type: "Add"}, p+"sum", in, last), activation("relu"))
	}
	ls := append([]nn.LayerSpec{named(stridedSame(16, 2, "relu"), "stem")}, block("stem", "r1", 16)...)
	ls = append(ls, pool(2), named(sameConv(32, "relu"), "mid"))
	ls = append(ls, block("mid", "r2", 32)...)
	if len(out) == 0 {
		out = []nn.LayerSpec{gap(), dense(classes, "softmax")}
	}
	return append(ls, out...)
}

// runeLayers is a small same-padded CNN for the runes.
func runeLayers(classes int, mid ...nn.LayerSpec) []nn.LayerSpec {
	ls := []nn.LayerSpec{sameConv(32, "relu"), pool(2), sameConv(64, "relu"), pool(2), flatten()}
	return append(append(ls, mid...), dense(96, "relu"), dense(classes, "softmax"))
}

// withDropout puts Dropout(rate) after the two-branch model's
// concatenation and before its output.
func withDropout(ls []nn.LayerSpec, rate float64) []nn.LayerSpec {
	out := append([]nn.LayerSpec{}, ls[:3]...)
	out = append(append(out, dropout(rate)), ls[3:len(ls)-1]...)
	return append(out, dropout(rate), ls[len(ls)-1])
}

// seventhFaults are the seventh part's injected problems.
var seventhFaults = []Scenario{
	{Name: "sev-lr-high-adamw-skies", Problem: "AdamW at lr 0.3 (300x its default)", Data: skiesData(60),
		Spec: all(lr("adamw", 0.3), epochs(3)), Expect: []string{"lr_too_high"}, Also: lrHighAlso},
	{Name: "sev-lr-high-rmsprop-batch-64-runes", Problem: "RMSprop at lr 0.2 (200x its default) with batches of 64", Data: runesData(60),
		Spec: all(lr("rmsprop", 0.2), epochs(4, batch(64))), Expect: []string{"lr_too_high"}, Also: lrHighAlso},
	{Name: "sev-lr-high-sgd-momentum-bottles", Problem: "SGD at lr 2 with momentum 0.9 (an effective step of 20) on 200 two-class bottles", Data: fullOrLow(100),
		Spec: all(sgd(2, 0.9, false), epochs(6, batch(16))), Expect: []string{"lr_too_high"}, Also: lrHighAlso},
	{Name: "sev-lr-high-adam-mobile-pills", Problem: "a MobileNetV2-like graph model with Adam at lr 0.2 (200x its default)", Data: pills(210, 60, 30),
		Spec: all(lr("adam", 0.2), epochs(4, layers(mobileLike(3, 0)...))), Expect: []string{"lr_too_high"}, Also: lrHighAlso},
	{Name: "sev-lr-low-adam-residual-skies", Problem: "a residual graph model with Adam at lr 3e-7 (1/3000 of its default)", Data: skiesData(60),
		Spec: all(lr("adam", 3e-7), epochs(3, layers(residualSky(5, 0)...))), Expect: []string{"lr_too_low"}, Also: lrLowAlso},
	{Name: "sev-lr-low-sgd-nesterov-runes", Problem: "SGD at lr 2e-5 with Nesterov momentum 0.9 (an effective step of 2e-4, 1/50 of the default)", Data: runesData(60),
		Spec: all(sgd(2e-5, 0.9, true), epochs(4)), Expect: []string{"lr_too_low"}, Also: lrLowAlso},
	{Name: "sev-sigmoid-dense-sgd-runes", Problem: "nine sigmoid Dense(48) layers on flattened pixels, SGD at 0.05 with momentum 0.9", Data: runesData(60),
		Spec:   all(sgd(0.05, 0.9, false), epochs(3, layers(denseStack(9, 48, "sigmoid", 16)...))),
		Expect: []string{"vanishing_gradients", "saturated_activations"}, Also: vanishingAlso},
	{Name: "sev-sigmoid-conv-skies", Problem: "five sigmoid Conv2D layers and a sigmoid Dense(32), SGD at 0.02 with momentum 0.5", Data: skiesData(60),
		Spec: all(sgd(0.02, 0.5, false), epochs(3, layers(stridedSame(16, 2, "sigmoid"), sameConv(16, "sigmoid"), pool(2), sameConv(16, "sigmoid"),
			sameConv(16, "sigmoid"), pool(2), sameConv(16, "sigmoid"), pool(2), flatten(), dense(32, "sigmoid"), dense(5, "softmax")))),
		Expect: []string{"vanishing_gradients", "saturated_activations"}, Also: vanishingAlso},
	{Name: "sev-init-ones-dense-runes", Problem: "the Dense layers (hidden and output) of a CNN initialized to ones, the convolutions at their default", Data: runesData(60),
		Spec: epochs(3, layers(initDense("ones", runeLayers(16))...)), Expect: []string{"bad_initialization", "initial_loss"},
		Also: []string{"nan", "divergence", "not_learning", "dying_relu", "exploding_gradients", "saturated_activations"}},
	{Name: "sev-init-zeros-residual-bottles", Problem: "a residual graph model with every kernel initialized to zeros", Data: fullOrLow(100),
		Spec: epochs(4, batch(16), layers(initAll("zeros", residualSky(2, 0))...)), Expect: []string{"bad_initialization", "initial_loss"},
		Also: []string{"not_learning", "dying_relu", "vanishing_gradients", "underfitting"}},
	{Name: "sev-unscaled-skies-sgd-momentum", Problem: "0..255 colour pixels (rescale 1) with SGD at 0.01 and momentum 0.9", Data: skiesData(60),
		Spec: all(sgd(0.01, 0.9, false), unscaled, epochs(3)), Expect: []string{"unnormalized_inputs"}, Also: inputsAlso},
	{Name: "sev-unscaled-runes-batch-16", Problem: "0..255 gray pixels (rescale 1) with SGD at 0.005 and momentum 0.5, batches of 16", Data: runesData(60),
		Spec: all(sgd(0.005, 0.5, false), unscaled, epochs(3, batch(16))), Expect: []string{"unnormalized_inputs"}, Also: inputsAlso},
	{Name: "sev-shuffled-runes", Problem: "labels of 960 16-class runes shuffled", Data: withData(runesData(60), func(d *Data) { d.ShuffleLabels = true }),
		Spec: epochs(5), Expect: []string{"not_learning"}, Cause: "labels", Also: labelsAlso},
	{Name: "sev-shuffled-bottles-200", Problem: "labels of 200 two-class bottles (full, low) shuffled", Data: withData(fullOrLow(100), func(d *Data) { d.ShuffleLabels = true }),
		Spec: epochs(8, batch(16)), Expect: []string{"not_learning"}, Cause: "labels", Also: labelsAlso},
	{Name: "sev-label-noise-35-skies", Problem: "35% of sky labels flipped to another class", Data: withData(skiesData(60), func(d *Data) { d.FlipLabels = 0.35 }),
		Spec: epochs(5), Expect: []string{"label_noise"}, Also: noiseAlso},
	{Name: "sev-label-noise-45-runes", Problem: "45% of rune labels flipped to another class", Data: withData(runesData(60), func(d *Data) { d.FlipLabels = 0.45 }),
		Spec: epochs(6), Expect: []string{"label_noise"}, Also: noiseAlso},
	{Name: "sev-imbalance-95-5-bottles", Problem: "300 bottles at 95:5 (low vs empty), no class weights",
		Data: Data{Source: "bottles", Classes: []string{"low", "empty"}, Counts: []int{285, 15}},
		Spec: epochs(3), Expect: []string{"majority_class_bias"}},
	{Name: "sev-imbalance-90-7-3-pills", Problem: "400 pills at 90:7:3 (tablet, capsule, softgel), no class weights", Data: pills(360, 28, 12),
		Spec: epochs(2), Expect: []string{"majority_class_bias"}},
	{Name: "sev-overfit-skies-dense", Problem: "40 training skies at 64×64, a 3.1M-parameter Dense(256) on the flattened pixels, 30 epochs", Data: skiesData(16),
		Spec:   all(valSplit(0.5), epochs(30, layers(flatten(), dense(256, "relu"), dense(5, "softmax")))),
		Expect: []string{"overfitting"}},
	{Name: "sev-overfit-pills-residual-wide", Problem: "24 training pills, a residual graph model with a 1.6M-parameter Dense(512) head, 40 epochs", Data: pills(16, 16, 16),
		Spec:   all(valSplit(0.5), epochs(40, layers(residualSky(3, 0, pool(2), flatten(), dense(512, "relu"), dense(3, "softmax"))...))),
		Expect: []string{"overfitting"}},
	{Name: "sev-dropout-085-residual-skies", Problem: "Dropout(0.85) after the pooled features of a residual graph model and Dropout(0.85) before its output", Data: skiesData(60),
		Spec:   epochs(4, layers(residualSky(5, 0, gap(), dropout(0.85), dense(32, "relu"), dropout(0.85), dense(5, "softmax"))...)),
		Expect: []string{"high_dropout"}, Also: []string{"underfitting", "val_above_train", "not_learning"}},
	{Name: "sev-dropout-09-branches-runes", Problem: "Dropout(0.9) after the two-branch graph's concatenation and Dropout(0.9) before its output", Data: runesData(60),
		Spec:   epochs(4, layers(withDropout(branches(16), 0.9)...)),
		Expect: []string{"high_dropout"}, Also: []string{"underfitting", "val_above_train", "not_learning"}},
	{Name: "sev-too-small-maxpool-runes", Problem: "MaxPooling2D(6) of the input, then Dense(2): a 4×4 thumbnail through 2 units for 16 classes", Data: runesData(60),
		Spec:   epochs(4, layers(pool(6), flatten(), dense(2, "linear"), dense(16, "softmax"))),
		Expect: []string{"underfitting"}, Also: []string{"not_learning", "loss_plateau"}},
	{Name: "sev-too-small-1x1-gap-bottles", Problem: "one 1×1 Conv2D with 1 filter, then global average pooling: one mean colour mixture", Data: fullOrLow(100),
		Spec: epochs(8, batch(16), layers(nn.LayerSpec{Type: "Conv2D", Filters: 1, KernelSize: nn.Pair{1, 1}, Activation: "relu"}, gap(),
			dense(2, "softmax"))),
		Expect: []string{"underfitting"}, Also: []string{"not_learning", "loss_plateau"}},
	{Name: "sev-leakage-pills", Problem: "every pill twice: validation copies training images", Data: withData(pills(105, 30, 15), func(d *Data) { d.Duplicate = true }),
		Spec: epochs(3), Expect: []string{"leakage"}, Also: []string{"val_above_train"}},
	{Name: "sev-leakage-near-runes", Problem: "every rune twice, the copy re-noised by ±5 levels", Data: withData(runesData(30), func(d *Data) { d.Duplicate, d.Jitter = true, 5 }),
		Spec: epochs(3), Expect: []string{"leakage"}, Also: []string{"val_above_train"}},
	{Name: "sev-elu-output-skies", Problem: "elu output with sparse_categorical_crossentropy (softmax missing)", Data: skiesData(60),
		Spec: epochs(3, layers(withOutput(basicLayers(5), dense(5, "elu"))...)), Expect: []string{"output_loss_mismatch"}, Also: outputAlso},
	{Name: "sev-swish-output-runes", Problem: "swish output with sparse_categorical_crossentropy (softmax missing)", Data: runesData(60),
		Spec: epochs(3, layers(withOutput(runeLayers(16), dense(16, "swish"))...)), Expect: []string{"output_loss_mismatch"}, Also: outputAlso},
	{Name: "sev-linear-output-mobile-bottles", Problem: "a MobileNetV2-like graph model with a linear two-class output, from_logits false (softmax missing)", Data: fullOrLow(100),
		Spec:   epochs(4, batch(16), layers(mobileLike(2, 0, dense(2, "linear"))...)),
		Expect: []string{"output_loss_mismatch"}, Also: outputAlso},
	{Name: "sev-dying-relu-rmsprop-pills", Problem: "three ReLU Conv2D layers and a ReLU Dense(64), RMSprop at lr 0.03 (30x its default): the ReLUs die", Data: pills(210, 60, 30),
		Spec:   all(lr("rmsprop", 0.03), epochs(3, layers(rockLayers(3)...))),
		Expect: []string{"dying_relu", "lr_too_high"}, Also: lrHighAlso},
	{Name: "sev-bn-lag-residual-skies", Problem: "a residual graph model with BatchNormalization (momentum 0.99), 12 steps in all: moving statistics lag", Data: skiesData(20),
		Spec: epochs(4, layers(residualSky(5, 0.99)...)), Expect: []string{"batchnorm_statistics"}},
	{Name: "sev-bn-099-batch-16-runes", Problem: "BatchNormalization (momentum 0.99) after both convolutions, batches of 16, 18 steps in all", Data: runesData(6),
		Spec: epochs(3, batch(16), layers(sameConv(32, "relu"), bnMomentum(0.99), pool(2), sameConv(64, "relu"), bnMomentum(0.99), pool(2), flatten(),
			dense(96, "relu"), dense(16, "softmax"))),
		Expect: []string{"batchnorm_statistics"}},
	{Name: "sev-too-little-evidence-pills", Problem: "15 pills (2 for validation), 2 epochs: too little to judge", Data: pills(5, 5, 5),
		Spec: all(valSplit(0.1), epochs(2)), Expect: []string{"inconclusive"}},
}

// seventhHealthy are the seventh part's healthy configurations.
var seventhHealthy = []Scenario{
	{Name: "ok-sev-skies", Data: skiesData(60), Spec: epochs(4)},
	{Name: "ok-sev-skies-augmented", Data: skiesData(60), Spec: epochs(6, augment(data.Augment{HorizontalFlip: true, ZoomRange: data.Range{0.9, 1.1},
		BrightnessRange: data.Range{0.85, 1.15}}))},
	{Name: "ok-sev-skies-residual-bn", Data: skiesData(60), Spec: epochs(6, batch(16), layers(residualSky(5, 0.9)...))},
	{Name: "ok-sev-skies-adamw-reduce-lr", Data: skiesData(60), Spec: epochs(6, lr("adamw", 1e-3), weightDecay(0.004), reduceLR(1, 0.5))},
	{Name: "ok-sev-runes", Data: runesData(60), Spec: epochs(5)},
	{Name: "ok-sev-runes-sgd-momentum", Data: runesData(60), Spec: epochs(6, sgd(0.05, 0.9, false))},
	{Name: "ok-sev-runes-bn-dropout", Data: runesData(60), Spec: epochs(6, layers(sameConv(32, "relu"), bnMomentum(0.9), pool(2), sameConv(64, "relu"),
		bnMomentum(0.9), pool(2), flatten(), dropout(0.3), dense(96, "relu"), dense(16, "softmax")))},
	{Name: "ok-sev-runes-branches-graph", Data: runesData(60), Spec: epochs(5, layers(branches(16)...))},
	{Name: "ok-sev-pills", Data: pills(350, 100, 50), Spec: epochs(6, valSplit(0.2))},
	{Name: "ok-sev-pills-weighted", Data: pills(350, 100, 50), Spec: epochs(8, valSplit(0.2), classWeights)},
	{Name: "ok-sev-pills-mobile-graph", Data: pills(350, 100, 50), Spec: epochs(16, batch(16), valSplit(0.2), layers(mobileLike(3, 0.9)...))},
	{Name: "ok-sev-pills-early-stop", Data: pills(140, 40, 20), Spec: epochs(20, valSplit(0.2), earlyStop(4))},
	{Name: "ok-sev-bottles", Data: fullOrLow(100), Spec: epochs(10, batch(16))},
	{Name: "ok-sev-bottles-rmsprop", Data: fullOrLow(100), Spec: epochs(10, batch(16), lr("rmsprop", 5e-4))},
	{Name: "ok-sev-bottles-nesterov-3-class", Data: bottlesData(100), Spec: epochs(10, batch(16), sgd(0.02, 0.9, true))},
	{Name: "ok-sev-bottles-from-logits-batch-8", Data: fullOrLow(100), Spec: epochs(6, batch(8), lr("adam", 3e-4), fromLogits,
		layers(withOutput(basicLayers(2), dense(2, "linear"))...))},
}

func init() {
	for _, l := range [][]Scenario{seventhFaults, seventhHealthy} {
		for i := range l {
			l[i].Seventh = true
		}
	}
	Faults = append(Faults, seventhFaults...)
	Healthy = append(Healthy, seventhHealthy...)
}
