package faults

import (
	"github.com/cnnscope/cnnscope/data"
	"github.com/cnnscope/cnnscope/nn"
	"github.com/cnnscope/cnnscope/spec"
)

// The novel part of the suite (`--part novel`, issue 10's fourth round).
// Every earlier part (dev, heldout, unseen, fresh) was read while the
// diagnosis was fixed, so none of them measures generalization any more;
// this part was written and committed, with its own data generators
// (novel_data.go: colour woven fabrics at 32×32, gray domino pips in ten
// classes at 24×24, colour fruit on cluttered tables at 48×48, colour
// oscilloscope traces at a wide 24×48), new variants of every fault kind
// and healthy configurations as users run them, before any detector or
// threshold of that round was changed.
//
// Honesty rules, kept while it was written: the expected causes were
// decided from the injected fault alone, as a careful expert would name
// it. Only the evaluation's own measures of single runs were looked at
// (validation accuracy, its chance check, validation size, steps and
// seconds, filtered out of `diagnose eval --json` with one or two seeds),
// to make sure that a healthy configuration learns and that a fault is
// one: where a healthy run did not learn clearly above chance it got more
// epochs, data or a model that suits the images, never a change chosen by
// the diagnosis. The diagnosis' findings, top finding and verdict of no
// run were read, and no scenario was tuned so that the diagnosis passes
// or fails. (Once, the command's closing line on stderr, the aggregate
// rates against the bars of a one-seed check, was seen; nothing was
// changed for it.) No file of package diagnose was changed with it. It is run twice: once on
// the code as it was (the baseline) and once on the final code; its
// failures are not tuned on. The bars are judged on it when a report
// holds it and not the newer fifth part (fifth.go).

// novelGenerators are the novel part's data sources.
var novelGenerators = map[string]func(GenOptions) (*data.Dataset, error){
	"weave": Weave, "pips": Pips, "fruit": Fruit, "scope": Scope,
}

var (
	weaveData = freshData("weave", WeaveClasses)
	pipsData  = freshData("pips", PipClasses)
	fruitData = freshData("fruit", FruitClasses)
	scopeData = freshData("scope", ScopeClasses)
)

func sameConv(f int, act string) nn.LayerSpec {
	l := conv(f, act)
	l.Padding = nn.PaddingArg("same")
	return l
}

// weaveLayers is a small CNN with same padding, kept for fine textures.
func weaveLayers(classes int) []nn.LayerSpec {
	return []nn.LayerSpec{sameConv(32, "relu"), pool(2), sameConv(64, "relu"), pool(2), sameConv(64, "relu"), pool(2), flatten(),
		dense(64, "relu"), dense(classes, "softmax")}
}

func separable(f int) nn.LayerSpec {
	return nn.LayerSpec{Type: "SeparableConv2D", Filters: f, KernelSize: nn.Pair{3, 3}, Activation: "relu", Padding: nn.PaddingArg("same")}
}

func gap() nn.LayerSpec { return nn.LayerSpec{Type: "GlobalAveragePooling2D"} }

// separableFruit is a depthwise-separable model for the 48×48 fruit: one
// plain convolution, then two separable ones.
func separableFruit(classes int) []nn.LayerSpec {
	return []nn.LayerSpec{conv(24, "relu"), pool(2), separable(48), pool(2), separable(64), pool(2), flatten(), dense(64, "relu"), dense(classes, "softmax")}
}

// branches is a functional model: a 3×3 and a 1×1 convolution of the
// input side by side, concatenated, then a plain CNN; out is the output
// layer (more layers may follow it).
func branches(classes int, out ...nn.LayerSpec) []nn.LayerSpec {
	wide := sameConv(16, "relu")
	wide.Name, wide.Inputs = "wide", []string{"input_layer"}
	narrow := nn.LayerSpec{Type: "Conv2D", Filters: 8, KernelSize: nn.Pair{1, 1}, Activation: "relu", Name: "narrow", Inputs: []string{"input_layer"}}
	ls := []nn.LayerSpec{wide, narrow, {Type: "Concatenate", Name: "cat", Inputs: []string{"wide", "narrow"}},
		pool(2), conv(32, "relu"), pool(2), flatten(), dense(64, "relu")}
	if len(out) == 0 {
		out = []nn.LayerSpec{dense(classes, "softmax")}
	}
	return append(ls, out...)
}

// residualBN is a functional model with one residual block whose second
// convolution is followed by BatchNormalization of the given momentum.
func residualBN(classes int, momentum float64) []nn.LayerSpec {
	stem := sameConv(16, "relu")
	stem.Name = "stem"
	a, b := sameConv(16, "relu"), sameConv(16, "linear")
	a.Name, b.Name = "ra", "rb"
	bn := bnMomentum(momentum)
	bn.Name = "rbn"
	return []nn.LayerSpec{stem, a, b, bn, {Type: "Add", Name: "sum", Inputs: []string{"stem", "rbn"}}, activation("relu"),
		pool(2), conv(32, "relu"), pool(2), flatten(), dense(64, "relu"), dense(classes, "softmax")}
}

// initAll sets every kernel initializer of the layers (plain, depthwise
// and pointwise) to name.
func initAll(name string, ls []nn.LayerSpec) []nn.LayerSpec {
	for i := range ls {
		switch ls[i].Type {
		case "Conv2D", "Dense":
			ls[i].KernelInitializer = name
		case "SeparableConv2D":
			ls[i].DepthwiseInit, ls[i].PointwiseInit = name, name
		}
	}
	return ls
}

func preprocess(p data.Preprocess) func(s *spec.Spec) {
	return func(s *spec.Spec) { s.Data.Preprocessing = &p }
}

func withOutput(ls []nn.LayerSpec, out ...nn.LayerSpec) []nn.LayerSpec {
	return append(ls[:len(ls)-1:len(ls)-1], out...)
}

var vanishingAlso = []string{"not_learning", "underfitting"}

// novelFaults are the novel part's injected problems.
var novelFaults = []Scenario{
	{Name: "n-lr-high-adam-fruit", Problem: "Adam at lr 0.1 (100x its default)", Data: fruitData(120),
		Spec: lr("adam", 0.1), Expect: []string{"lr_too_high"}, Also: lrHighAlso},
	{Name: "n-lr-high-nesterov-pips", Problem: "SGD at lr 0.6 with Nesterov momentum 0.9 (an effective step of 6)", Data: pipsData(150),
		Spec: sgd(0.6, 0.9, true), Expect: []string{"lr_too_high"}, Also: lrHighAlso},
	{Name: "n-lr-high-rmsprop-scope", Problem: "RMSprop at lr 0.1 (100x its default)", Data: scopeData(120),
		Spec: lr("rmsprop", 0.1), Expect: []string{"lr_too_high"}, Also: lrHighAlso},
	{Name: "n-lr-low-adamw-weave", Problem: "AdamW at lr 3e-7 (1/3000 of its default)", Data: weaveData(150),
		Spec: all(lr("adamw", 3e-7), epochs(3)), Expect: []string{"lr_too_low"}, Also: lrLowAlso},
	{Name: "n-lr-low-sgd-momentum-fruit", Problem: "SGD at lr 5e-5 with momentum 0.5 (an effective step of 1e-4, 1/100 of the default)", Data: fruitData(120),
		Spec: all(sgd(5e-5, 0.5, false), epochs(3)), Expect: []string{"lr_too_low"}, Also: lrLowAlso},
	{Name: "n-sigmoid-conv-sgd-weave", Problem: "six sigmoid Conv2D layers and a sigmoid Dense layer, SGD at 0.01 with momentum 0.9", Data: weaveData(150),
		Spec: all(sgd(0.01, 0.9, false), epochs(3, layers(sameConv(16, "sigmoid"), sameConv(16, "sigmoid"), sameConv(16, "sigmoid"), pool(2),
			sameConv(32, "sigmoid"), sameConv(32, "sigmoid"), sameConv(32, "sigmoid"), pool(2), flatten(), dense(32, "sigmoid"), dense(5, "softmax")))),
		Expect: []string{"vanishing_gradients", "saturated_activations"}, Also: vanishingAlso},
	{Name: "n-hard-sigmoid-dense-scope", Problem: "eight hard_sigmoid Dense(32) layers on flattened pixels", Data: scopeData(120),
		Spec: epochs(3, layers(flatten(), dense(32, "hard_sigmoid"), dense(32, "hard_sigmoid"), dense(32, "hard_sigmoid"), dense(32, "hard_sigmoid"),
			dense(32, "hard_sigmoid"), dense(32, "hard_sigmoid"), dense(32, "hard_sigmoid"), dense(32, "hard_sigmoid"), dense(6, "softmax"))),
		Expect: []string{"vanishing_gradients", "saturated_activations"}, Also: vanishingAlso},
	{Name: "n-init-ones-separable-fruit", Problem: "a separable CNN with every kernel (plain, depthwise, pointwise, dense) initialized to ones", Data: fruitData(120),
		Spec: epochs(3, layers(initAll("ones", separableFruit(5))...)), Expect: []string{"bad_initialization", "initial_loss"},
		Also: []string{"nan", "divergence", "not_learning", "dying_relu", "exploding_gradients", "saturated_activations"}},
	{Name: "n-init-zeros-branches-pips", Problem: "a two-branch functional model with every kernel initialized to zeros", Data: pipsData(150),
		Spec: layers(initAll("zeros", branches(10))...), Expect: []string{"bad_initialization", "initial_loss"},
		Also: []string{"not_learning", "dying_relu", "vanishing_gradients", "underfitting"}},
	{Name: "n-unscaled-centered-weave", Problem: "0..255 colour pixels only centred (featurewise_center, rescale 1): inputs span about ±128", Data: weaveData(150),
		Spec: preprocess(data.Preprocess{Rescale: 1, FeaturewiseCenter: true}), Expect: []string{"unnormalized_inputs"}, Also: inputsAlso},
	{Name: "n-unscaled-scope-sgd", Problem: "0..255 colour pixels (rescale 1) with plain SGD at its default 0.01", Data: scopeData(120),
		Spec: all(sgd(0.01, 0, false), unscaled), Expect: []string{"unnormalized_inputs"}, Also: inputsAlso},
	{Name: "n-shuffled-pips", Problem: "labels of 1,500 10-class domino pips shuffled", Data: withData(pipsData(150), func(d *Data) { d.ShuffleLabels = true }),
		Spec: epochs(4), Expect: []string{"not_learning"}, Cause: "labels", Also: labelsAlso},
	{Name: "n-shuffled-fruit-300", Problem: "labels of 300 two-class fruit (apple, cherries) shuffled",
		Data: withData(fruitData(150, "apple", "cherries"), func(d *Data) { d.ShuffleLabels = true }),
		Spec: epochs(6, batch(16)), Expect: []string{"not_learning"}, Cause: "labels", Also: labelsAlso},
	{Name: "n-label-noise-50-pips", Problem: "50% of pip labels flipped to another class", Data: withData(pipsData(150), func(d *Data) { d.FlipLabels = 0.5 }),
		Spec: epochs(4), Expect: []string{"label_noise"}, Also: noiseAlso},
	{Name: "n-label-noise-40-weave", Problem: "40% of weave labels flipped to another class", Data: withData(weaveData(150), func(d *Data) { d.FlipLabels = 0.4 }),
		Spec: epochs(8, layers(weaveLayers(5)...)), Expect: []string{"label_noise"}, Also: noiseAlso},
	{Name: "n-imbalance-96-4-weave", Problem: "300 weaves at 96:4 (twill vs herringbone), no class weights",
		Data: Data{Source: "weave", Classes: []string{"twill", "herringbone"}, Counts: []int{288, 12}},
		Spec: epochs(3), Expect: []string{"majority_class_bias"}},
	{Name: "n-imbalance-93-7-scope", Problem: "600 traces at 93:7 (sine vs triangle), no class weights",
		Data: Data{Source: "scope", Classes: []string{"sine", "triangle"}, Counts: []int{558, 42}, Noise: 0.12},
		Spec: epochs(2), Expect: []string{"majority_class_bias"}},
	{Name: "n-overfit-fruit-wide", Problem: "60 training fruit, a CNN with a 1.6M-parameter Dense(256) head, 30 epochs", Data: fruitData(24),
		Spec:   all(valSplit(0.5), epochs(30, layers(conv(32, "relu"), pool(2), conv(64, "relu"), pool(2), flatten(), dense(256, "relu"), dense(5, "softmax")))),
		Expect: []string{"overfitting"}},
	{Name: "n-overfit-scope-dense", Problem: "36 training traces, a 4M-parameter dense model, 30 epochs", Data: scopeData(12),
		Spec:   all(valSplit(0.5), epochs(30, layers(flatten(), dense(1024, "relu"), dense(512, "relu"), dense(6, "softmax")))),
		Expect: []string{"overfitting"}},
	{Name: "n-dropout-input-pips", Problem: "Dropout(0.8) on the input pixels and Dropout(0.8) before the output", Data: pipsData(150),
		Spec:   epochs(3, layers(dropout(0.8), conv(32, "relu"), pool(2), conv(64, "relu"), pool(2), flatten(), dense(64, "relu"), dropout(0.8), dense(10, "softmax"))),
		Expect: []string{"high_dropout"}, Also: []string{"underfitting", "val_above_train", "not_learning"}},
	{Name: "n-too-small-avgpool-pips", Problem: "AveragePooling2D(6) of the input, then Dense(4): a 4×4 thumbnail through 4 units", Data: pipsData(150),
		Spec:   epochs(3, layers(nn.LayerSpec{Type: "AveragePooling2D", PoolSize: nn.Pair{6, 6}}, flatten(), dense(4, "relu"), dense(10, "softmax"))),
		Expect: []string{"underfitting"}, Also: []string{"not_learning", "loss_plateau"}},
	{Name: "n-too-small-1x1-fruit", Problem: "one 1×1 Conv2D with 2 filters, then global max pooling: two colour mixtures' peaks", Data: fruitData(120),
		Spec: epochs(3, layers(nn.LayerSpec{Type: "Conv2D", Filters: 2, KernelSize: nn.Pair{1, 1}, Activation: "relu"}, nn.LayerSpec{Type: "GlobalMaxPooling2D"},
			dense(5, "softmax"))),
		Expect: []string{"underfitting"}, Also: []string{"not_learning", "loss_plateau"}},
	{Name: "n-leakage-near-fruit", Problem: "every fruit image twice, the copy re-noised by ±4 levels", Data: withData(fruitData(50), func(d *Data) { d.Duplicate, d.Jitter = true, 4 }),
		Spec: epochs(2), Expect: []string{"leakage"}, Also: []string{"val_above_train"}},
	{Name: "n-leakage-scope", Problem: "every trace twice: validation copies training images", Data: withData(scopeData(40), func(d *Data) { d.Duplicate = true }),
		Spec: epochs(2), Expect: []string{"leakage"}, Also: []string{"val_above_train"}},
	{Name: "n-tanh-output-pips", Problem: "tanh output with sparse_categorical_crossentropy (softmax missing)", Data: pipsData(150),
		Spec: layers(withOutput(basicLayers(10), dense(10, "tanh"))...), Expect: []string{"output_loss_mismatch"}, Also: outputAlso},
	{Name: "n-softmax-from-logits-weave", Problem: "a softmax output with from_logits: true (softmax applied twice)", Data: weaveData(150),
		Spec: func(s *spec.Spec) { s.Compile.FromLogits = true }, Expect: []string{"output_loss_mismatch"}, Also: outputAlso, RefuseOK: true},
	{Name: "n-double-softmax-graph-fruit", Problem: "a functional model whose Dense softmax output feeds Activation(softmax)", Data: fruitData(120),
		Spec: layers(branches(5, dense(5, "softmax"), activation("softmax"))...), Expect: []string{"output_loss_mismatch"}, Also: outputAlso},
	{Name: "n-relu6-output-scope", Problem: "relu6 output with sparse_categorical_crossentropy (softmax missing)", Data: scopeData(120),
		Spec: layers(withOutput(basicLayers(6), dense(6, "relu6"))...), Expect: []string{"output_loss_mismatch"}, Also: outputAlso},
	{Name: "n-dying-relu-conv-weave", Problem: "five ReLU Conv2D layers, plain SGD at lr 0.5: the ReLUs die", Data: weaveData(150),
		Spec: all(sgd(0.5, 0, false), layers(sameConv(32, "relu"), sameConv(32, "relu"), pool(2), sameConv(32, "relu"), sameConv(32, "relu"), pool(2),
			sameConv(32, "relu"), gap(), dense(5, "softmax"))),
		Expect: []string{"dying_relu", "lr_too_high"}, Also: lrHighAlso},
	{Name: "n-bn-momentum-0999-fruit", Problem: "BatchNormalization at momentum 0.999 trained for 36 steps: moving statistics lag", Data: fruitData(60),
		Spec:   epochs(4, layers(conv(32, "relu"), bnMomentum(0.999), pool(2), conv(64, "relu"), bnMomentum(0.999), pool(2), flatten(), dense(64, "relu"), dense(5, "softmax"))),
		Expect: []string{"batchnorm_statistics"}},
	{Name: "n-bn-lag-residual-pips", Problem: "a residual model with BatchNormalization (momentum 0.99) trained for 27 steps of 16: moving statistics lag", Data: pipsData(16),
		Spec: all(epochs(3), batch(16), layers(residualBN(10, 0.99)...)), Expect: []string{"batchnorm_statistics"}},
	{Name: "n-too-little-evidence-scope", Problem: "20 traces (1 for validation), 4 epochs: too little to judge", Data: scopeData(10, "sine", "square"),
		Spec: all(valSplit(0.05), epochs(4)), Expect: []string{"inconclusive"}},
}

// novelHealthy are the novel part's healthy configurations.
var novelHealthy = []Scenario{
	{Name: "ok-n-weave", Data: weaveData(150), Spec: epochs(10)},
	{Name: "ok-n-weave-weighted-85-15", Data: Data{Source: "weave", Classes: []string{"plain", "satin"}, Counts: []int{255, 45}},
		Spec: epochs(10, valSplit(0.2), func(s *spec.Spec) { s.Data.ClassWeight = spec.ClassWeight{Mode: "balanced"} })},
	{Name: "ok-n-weave-batch-4-lr-3e-4", Data: weaveData(100), Spec: epochs(4, batch(4), lr("adam", 3e-4), layers(weaveLayers(5)...))},
	{Name: "ok-n-weave-bn-he-dropout", Data: weaveData(150), Spec: epochs(6, layers(initializer("he_normal", []nn.LayerSpec{conv(32, "relu"),
		bnMomentum(0.9), pool(2), conv(64, "relu"), bnMomentum(0.9), pool(2), flatten(), dropout(0.25), dense(64, "relu"), dense(5, "softmax")})...))},
	{Name: "ok-n-pips", Data: pipsData(150), Spec: epochs(4)},
	{Name: "ok-n-pips-branches-graph", Data: pipsData(150), Spec: epochs(4, layers(branches(10)...))},
	{Name: "ok-n-pips-sgd-reduce-lr", Data: pipsData(150), Spec: epochs(5, sgd(0.05, 0.9, false),
		func(s *spec.Spec) { s.Fit.ReduceLROnPlateau = &spec.ReduceLROnPlateau{Patience: 1, Factor: 0.5} })},
	{Name: "ok-n-pips-two-class-300", Data: pipsData(150, "2", "5"), Spec: epochs(6, batch(16))},
	{Name: "ok-n-fruit", Data: fruitData(120), Spec: epochs(3)},
	{Name: "ok-n-fruit-separable", Data: fruitData(120), Spec: epochs(8, layers(separableFruit(5)...))},
	{Name: "ok-n-fruit-augmented", Data: fruitData(120), Spec: epochs(5, augment(data.Augment{RotationRange: 20, HorizontalFlip: true,
		ZoomRange: data.Range{0.85, 1.15}, BrightnessRange: data.Range{0.8, 1.2}}))},
	{Name: "ok-n-fruit-adamw-decay", Data: fruitData(120), Spec: epochs(5, lr("adamw", 1e-3), func(s *spec.Spec) { s.Compile.WeightDecay = 0.01 },
		layers(conv(16, "relu"), pool(2), conv(32, "relu"), pool(2), conv(64, "relu"), pool(2), flatten(), dense(48, "relu"), dense(5, "softmax")))},
	{Name: "ok-n-scope", Data: scopeData(120), Spec: epochs(5)},
	{Name: "ok-n-scope-rmsprop-early-stop", Data: scopeData(120), Spec: epochs(10, lr("rmsprop", 5e-4), func(s *spec.Spec) {
		s.Fit.EarlyStopping = &spec.EarlyStopping{Monitor: "val_loss", Patience: 2, RestoreBestWeights: true}
	})},
	{Name: "ok-n-scope-standardized", Data: scopeData(120), Spec: epochs(5, preprocess(data.Preprocess{Rescale: 1.0 / 255,
		FeaturewiseCenter: true, FeaturewiseStdNormalization: true}))},
}

func init() {
	for _, l := range [][]Scenario{novelFaults, novelHealthy} {
		for i := range l {
			l[i].Novel = true
		}
	}
	Faults = append(Faults, novelFaults...)
	Healthy = append(Healthy, novelHealthy...)
}
