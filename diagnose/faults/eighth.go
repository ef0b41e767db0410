package faults

import (
	"github.com/cnnscope/cnnscope/data"
	"github.com/cnnscope/cnnscope/nn"
)

// The eighth part of the suite (`--part eighth`, issue 10's eighth
// round). Every earlier part (dev, heldout, unseen, fresh, novel, fifth,
// sixth, seventh) was read while the diagnosis was fixed, so none of
// them measures generalization any more; this part was written and
// committed, with its own data generators (eighth_data.go: colour
// playing-card suits on a card corner at 36×36, colour chart thumbnails
// at a wide 32×48, gray n-fold rosettes in six classes at 28×28, gray
// particle-detector tracks at 32×32 used as a two-class and an
// imbalanced set), new variants of every fault kind and healthy
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

// eighthGenerators are the eighth part's data sources.
var eighthGenerators = map[string]func(GenOptions) (*data.Dataset, error){
	"suits": Suits, "charts": Charts, "rosettes": Rosettes, "tracks": Tracks,
}

var (
	suitsData    = freshData("suits", SuitClasses)
	chartsData   = freshData("charts", ChartClasses)
	rosettesData = freshData("rosettes", RosetteClasses)
	tracksData   = freshData("tracks", TrackClasses)
)

// muonOrShower is the two-class track set.
func muonOrShower(perClass int) Data { return tracksData(perClass, "muon", "shower") }

// tracks is the three-class track set with these counts of muons,
// showers and spirals.
func tracks(muon, shower, spiral int) Data {
	return Data{Source: "tracks", Classes: TrackClasses, Counts: []int{muon, shower, spiral}}
}

// chartLayers is a same-padded CNN for the wide charts.
func chartLayers(classes int) []nn.LayerSpec {
	return []nn.LayerSpec{sameConv(16, "relu"), pool(2), sameConv(32, "relu"), pool(2), sameConv(48, "relu"), pool(2), flatten(),
		dense(64, "relu"), dense(classes, "softmax")}
}

// concatNet is a DenseNet-like functional model: each block's
// convolution (of the given activation, followed by BatchNormalization
// of the given momentum when it is above 0) is concatenated with the
// block's input, then pooled; out follows the second block (default:
// global average pooling and the softmax output).
func concatNet(classes int, act string, momentum float64, out ...nn.LayerSpec) []nn.LayerSpec {
	block := func(in, p string, f int) []nn.LayerSpec {
		ls := []nn.LayerSpec{named(sameConv(f, act), p+"c", in)}
		last := p + "c"
		if momentum > 0 {
			ls = append(ls, named(bnMomentum(momentum), p+"bn"))
			last = p + "bn"
		}
		return append(ls, named(nn.LayerSpec{Type: "Concatenate"}, p+"cat", in, last), named(pool(2), p+"pool"))
	}
	ls := append([]nn.LayerSpec{named(sameConv(16, act), "stem")}, block("stem", "d1", 16)...)
	ls = append(ls, block("d1pool", "d2", 24)...)
	if len(out) == 0 {
		out = []nn.LayerSpec{gap(), dense(classes, "softmax")}
	}
	return append(ls, out...)
}

// dropoutBasic is the basic CNN with Dropout(rate) after each pooling
// and before the output.
func dropoutBasic(classes int, rate float64) []nn.LayerSpec {
	return []nn.LayerSpec{conv(32, "relu"), pool(2), dropout(rate), conv(64, "relu"), pool(2), dropout(rate), conv(64, "relu"), flatten(),
		dense(64, "relu"), dropout(rate), dense(classes, "softmax")}
}

// eighthFaults are the eighth part's injected problems.
var eighthFaults = []Scenario{
	{Name: "eig-lr-high-adam-concat-suits", Problem: "a DenseNet-like graph model with Adam at lr 0.15 (150x its default)", Data: suitsData(80),
		Spec: all(lr("adam", 0.15), epochs(4, layers(concatNet(4, "relu", 0)...))), Expect: []string{"lr_too_high"}, Also: lrHighAlso},
	{Name: "eig-lr-high-sgd-rosettes", Problem: "plain SGD at lr 4 (400x its default), no momentum", Data: rosettesData(60),
		Spec: all(lr("sgd", 4), epochs(4)), Expect: []string{"lr_too_high"}, Also: lrHighAlso},
	{Name: "eig-lr-high-rmsprop-tracks", Problem: "RMSprop at lr 0.5 (500x its default) on 250 muon and shower tracks", Data: muonOrShower(125),
		Spec: all(lr("rmsprop", 0.5), epochs(5, batch(16))), Expect: []string{"lr_too_high"}, Also: lrHighAlso},
	{Name: "eig-lr-high-adamw-batch-8-charts", Problem: "AdamW at lr 0.1 (100x its default) with batches of 8", Data: chartsData(70),
		Spec: all(lr("adamw", 0.1), epochs(3, batch(8), layers(chartLayers(4)...))), Expect: []string{"lr_too_high"}, Also: lrHighAlso},
	{Name: "eig-lr-low-rmsprop-suits", Problem: "RMSprop at lr 1e-7 (1/10000 of its default)", Data: suitsData(80),
		Spec: all(lr("rmsprop", 1e-7), epochs(4)), Expect: []string{"lr_too_low"}, Also: lrLowAlso},
	{Name: "eig-lr-low-sgd-concat-rosettes", Problem: "a DenseNet-like graph model with plain SGD at lr 1e-4 (1/100 of its default)", Data: rosettesData(60),
		Spec: all(lr("sgd", 1e-4), epochs(4, layers(concatNet(6, "relu", 0)...))), Expect: []string{"lr_too_low"}, Also: lrLowAlso},
	{Name: "eig-sigmoid-dense-sgd-charts", Problem: "eight sigmoid Dense(64) layers on flattened pixels, plain SGD at 0.1", Data: chartsData(70),
		Spec:   all(lr("sgd", 0.1), epochs(3, layers(denseStack(8, 64, "sigmoid", 4)...))),
		Expect: []string{"vanishing_gradients", "saturated_activations"}, Also: vanishingAlso},
	{Name: "eig-sigmoid-concat-suits", Problem: "a DenseNet-like graph model with sigmoid convolutions, SGD at 0.05 with momentum 0.9", Data: suitsData(80),
		Spec:   all(sgd(0.05, 0.9, false), epochs(3, layers(concatNet(4, "sigmoid", 0, flatten(), dense(32, "sigmoid"), dense(4, "softmax"))...))),
		Expect: []string{"vanishing_gradients", "saturated_activations"}, Also: vanishingAlso},
	{Name: "eig-init-ones-conv-charts", Problem: "the Conv2D kernels of a CNN initialized to ones, the Dense layers at their default", Data: chartsData(70),
		Spec: epochs(3, layers(initConvOnly("ones", chartLayers(4))...)), Expect: []string{"bad_initialization", "initial_loss"},
		Also: []string{"nan", "divergence", "not_learning", "dying_relu", "exploding_gradients", "saturated_activations"}},
	{Name: "eig-init-zeros-dense-tracks", Problem: "the Dense layers (hidden and output) of a CNN initialized to zeros", Data: tracksData(80),
		Spec: epochs(4, layers(initDense("zeros", basicLayers(3))...)), Expect: []string{"bad_initialization", "initial_loss"},
		Also: []string{"not_learning", "dying_relu", "vanishing_gradients", "underfitting"}},
	{Name: "eig-unscaled-suits-sgd", Problem: "0..255 colour pixels (rescale 1) with plain SGD at its default lr 0.01", Data: suitsData(80),
		Spec: all(lr("sgd", 0.01), unscaled, epochs(3)), Expect: []string{"unnormalized_inputs"}, Also: inputsAlso},
	{Name: "eig-unscaled-tracks-nesterov", Problem: "0..255 gray pixels (rescale 1) with SGD at 0.003 and Nesterov momentum 0.9", Data: tracksData(80),
		Spec: all(sgd(0.003, 0.9, true), unscaled, epochs(4)), Expect: []string{"unnormalized_inputs"}, Also: inputsAlso},
	{Name: "eig-shuffled-rosettes", Problem: "labels of 360 six-class rosettes shuffled", Data: withData(rosettesData(60), func(d *Data) { d.ShuffleLabels = true }),
		Spec: epochs(6), Expect: []string{"not_learning"}, Cause: "labels", Also: labelsAlso},
	{Name: "eig-shuffled-charts-180", Problem: "labels of 180 charts (4 kinds) shuffled", Data: withData(chartsData(45), func(d *Data) { d.ShuffleLabels = true }),
		Spec: epochs(10, batch(16), layers(chartLayers(4)...)), Expect: []string{"not_learning"}, Cause: "labels", Also: labelsAlso},
	{Name: "eig-label-noise-40-suits", Problem: "40% of suit labels flipped to another suit", Data: withData(suitsData(80), func(d *Data) { d.FlipLabels = 0.4 }),
		Spec: epochs(6), Expect: []string{"label_noise"}, Also: noiseAlso},
	{Name: "eig-label-noise-30-tracks", Problem: "30% of track labels flipped to another event", Data: withData(tracksData(80), func(d *Data) { d.FlipLabels = 0.3 }),
		Spec: epochs(6), Expect: []string{"label_noise"}, Also: noiseAlso},
	{Name: "eig-imbalance-96-4-tracks", Problem: "300 tracks at 96:4 (muon vs shower), no class weights",
		Data: Data{Source: "tracks", Classes: []string{"muon", "shower"}, Counts: []int{288, 12}},
		Spec: epochs(3), Expect: []string{"majority_class_bias"}},
	{Name: "eig-imbalance-92-5-3-charts", Problem: "400 charts at 92:5:3 (line, scatter, bars), no class weights",
		Data: Data{Source: "charts", Classes: []string{"line", "scatter", "bars"}, Counts: []int{368, 20, 12}},
		Spec: epochs(2, layers(chartLayers(3)...)), Expect: []string{"majority_class_bias"}},
	{Name: "eig-overfit-rosettes-dense", Problem: "36 training rosettes, a 0.8M-parameter Dense(1024) on the flattened pixels, 40 epochs", Data: rosettesData(12),
		Spec:   all(valSplit(0.5), epochs(40, layers(flatten(), dense(1024, "relu"), dense(6, "softmax")))),
		Expect: []string{"overfitting"}},
	{Name: "eig-overfit-charts-concat-wide", Problem: "24 training charts, a DenseNet-like graph with a 2.8M-parameter Dense(512) head, 40 epochs", Data: chartsData(12),
		Spec:   all(valSplit(0.5), epochs(40, layers(concatNet(4, "relu", 0, flatten(), dense(512, "relu"), dense(4, "softmax"))...))),
		Expect: []string{"overfitting"}},
	{Name: "eig-dropout-09-suits", Problem: "Dropout(0.9) after both poolings and before the output of the basic CNN", Data: suitsData(80),
		Spec: epochs(4, layers(dropoutBasic(4, 0.9)...)), Expect: []string{"high_dropout"}, Also: []string{"underfitting", "val_above_train", "not_learning"}},
	{Name: "eig-dropout-085-mobile-tracks", Problem: "a MobileNetV2-like graph model with Dropout(0.85) after the pooled features and before its output", Data: tracksData(80),
		Spec:   epochs(5, layers(mobileLike(3, 0, dropout(0.85), dense(64, "relu"), dropout(0.85), dense(3, "softmax"))...)),
		Expect: []string{"high_dropout"}, Also: []string{"underfitting", "val_above_train", "not_learning"}},
	{Name: "eig-too-small-2-filter-gap-rosettes", Problem: "one 3×3 Conv2D with 2 filters, then global average pooling: two mean responses for 6 classes", Data: rosettesData(60),
		Spec: epochs(5, layers(conv(2, "relu"), gap(), dense(6, "softmax"))), Expect: []string{"underfitting"}, Also: []string{"not_learning", "loss_plateau"}},
	{Name: "eig-too-small-1-unit-suits", Problem: "the pixels flattened through a single linear unit, then the 4-way output", Data: suitsData(80),
		Spec:   epochs(4, layers(flatten(), dense(1, "linear"), dense(4, "softmax"))),
		Expect: []string{"underfitting"}, Also: []string{"not_learning", "loss_plateau"}},
	{Name: "eig-leakage-charts", Problem: "every chart twice: validation copies training images", Data: withData(chartsData(50), func(d *Data) { d.Duplicate = true }),
		Spec: epochs(3, layers(chartLayers(4)...)), Expect: []string{"leakage"}, Also: []string{"val_above_train"}},
	{Name: "eig-leakage-near-tracks", Problem: "every track image twice, the copy re-noised by ±4 levels", Data: withData(tracksData(50), func(d *Data) { d.Duplicate, d.Jitter = true, 4 }),
		Spec: epochs(3), Expect: []string{"leakage"}, Also: []string{"val_above_train"}},
	{Name: "eig-relu-output-rosettes", Problem: "relu output with sparse_categorical_crossentropy (softmax missing)", Data: rosettesData(60),
		Spec: epochs(4, layers(withOutput(basicLayers(6), dense(6, "relu"))...)), Expect: []string{"output_loss_mismatch"}, Also: outputAlso},
	{Name: "eig-tanh-output-charts", Problem: "tanh output with sparse_categorical_crossentropy (softmax missing)", Data: chartsData(70),
		Spec: epochs(4, layers(withOutput(chartLayers(4), dense(4, "tanh"))...)), Expect: []string{"output_loss_mismatch"}, Also: outputAlso},
	{Name: "eig-linear-output-concat-suits", Problem: "a DenseNet-like graph model with a linear output, from_logits false (softmax missing)", Data: suitsData(80),
		Spec:   epochs(4, layers(concatNet(4, "relu", 0, gap(), dense(4, "linear"))...)),
		Expect: []string{"output_loss_mismatch"}, Also: outputAlso},
	{Name: "eig-dying-relu-adam-charts", Problem: "a ReLU CNN with Adam at lr 0.03 (30x its default): the ReLUs die", Data: chartsData(70),
		Spec: all(lr("adam", 0.03), epochs(3, layers(chartLayers(4)...))), Expect: []string{"dying_relu", "lr_too_high"}, Also: lrHighAlso},
	{Name: "eig-bn-lag-concat-charts", Problem: "a DenseNet-like graph model with BatchNormalization (momentum 0.99), 16 steps in all: moving statistics lag", Data: chartsData(35),
		Spec: epochs(4, layers(concatNet(4, "relu", 0.99)...)), Expect: []string{"batchnorm_statistics"}},
	{Name: "eig-bn-0999-suits", Problem: "BatchNormalization (momentum 0.999) after each convolution, 36 steps in all", Data: suitsData(80),
		Spec: epochs(4, layers(conv(32, "relu"), bnMomentum(0.999), pool(2), conv(64, "relu"), bnMomentum(0.999), pool(2), flatten(),
			dense(64, "relu"), dense(4, "softmax"))),
		Expect: []string{"batchnorm_statistics"}},
	{Name: "eig-too-little-evidence-rosettes", Problem: "12 rosettes of 6 kinds (3 for validation), 1 epoch: too little to judge", Data: rosettesData(2),
		Spec: all(valSplit(0.25), epochs(1)), Expect: []string{"inconclusive"}},
}

// eighthHealthy are the eighth part's healthy configurations.
var eighthHealthy = []Scenario{
	{Name: "ok-eig-suits", Data: suitsData(80), Spec: epochs(5)},
	{Name: "ok-eig-suits-augmented", Data: suitsData(80), Spec: epochs(8, augment(data.Augment{RotationRange: 15, WidthShiftRange: 0.1,
		HeightShiftRange: 0.1, ZoomRange: data.Range{0.9, 1.1}}))},
	{Name: "ok-eig-suits-concat-bn", Data: suitsData(80), Spec: epochs(10, batch(16), layers(concatNet(4, "relu", 0.9)...))},
	{Name: "ok-eig-suits-nesterov", Data: suitsData(80), Spec: epochs(6, sgd(0.02, 0.9, true))},
	{Name: "ok-eig-charts", Data: chartsData(70), Spec: epochs(5, layers(chartLayers(4)...))},
	{Name: "ok-eig-charts-adamw-early-stop", Data: chartsData(70), Spec: epochs(16, lr("adamw", 1e-3), weightDecay(0.004), earlyStop(3),
		layers(chartLayers(4)...))},
	{Name: "ok-eig-charts-residual-graph", Data: chartsData(70), Spec: epochs(10, batch(16), layers(residualSky(4, 0)...))},
	{Name: "ok-eig-charts-180", Data: chartsData(45), Spec: epochs(10, batch(16))},
	{Name: "ok-eig-rosettes", Data: rosettesData(100), Spec: epochs(8)},
	{Name: "ok-eig-rosettes-bn-dropout", Data: rosettesData(100), Spec: epochs(8, layers(conv(32, "relu"), bnMomentum(0.9), pool(2), conv(64, "relu"),
		bnMomentum(0.9), pool(2), flatten(), dropout(0.3), dense(64, "relu"), dense(6, "softmax")))},
	{Name: "ok-eig-rosettes-rmsprop-reduce-lr", Data: rosettesData(100), Spec: epochs(10, lr("rmsprop", 1e-3), reduceLR(2, 0.5))},
	{Name: "ok-eig-rosettes-mobile-graph", Data: rosettesData(100), Spec: epochs(12, batch(16), layers(mobileLike(6, 0.9)...))},
	{Name: "ok-eig-tracks-two-class", Data: muonOrShower(125), Spec: epochs(10, batch(16))},
	{Name: "ok-eig-tracks-weighted", Data: tracks(300, 90, 60), Spec: epochs(12, valSplit(0.2), classWeights)},
	{Name: "ok-eig-tracks-sgd-momentum", Data: tracksData(150), Spec: epochs(12, sgd(0.02, 0.9, false))},
	{Name: "ok-eig-tracks-from-logits", Data: tracksData(150), Spec: epochs(8, lr("adam", 5e-4), fromLogits,
		layers(withOutput(basicLayers(3), dense(3, "linear"))...))},
}

func init() {
	for _, l := range [][]Scenario{eighthFaults, eighthHealthy} {
		for i := range l {
			l[i].Eighth = true
		}
	}
	Faults = append(Faults, eighthFaults...)
	Healthy = append(Healthy, eighthHealthy...)
}
