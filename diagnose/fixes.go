package diagnose

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/cnnscope/cnnscope/data"
	"github.com/cnnscope/cnnscope/spec"
)

// Fixes are phrased in the user's terms: the spec key and, where one
// exists, the `cnnscope train` flag.

// rescaleFix rescales 0..255 pixels to 0..1.
const rescaleFix = "rescale inputs by 1/255: data.preprocessing.rescale: 0.00392156862745098 (--rescale 0.00392156862745098)"

const balancedFix = "set data.class_weight: balanced (--class-weight balanced)"

const oversampleFix = "or resample: data.sampling: oversample (--sampling oversample)"

const resampleFix = "resample instead of weighting: data.class_weight: none, data.sampling: oversample (--class-weight none --sampling oversample)"

const clipFix = "clip gradients: compile.clipnorm: 1.0 (spec file)"

const patienceFix = "stop at the best epoch: fit.early_stopping {patience: 3, restore_best_weights: true} (--patience 3)"

const augmentFix = "augment the training images: data.augmentation rotation_range: 10, width_shift_range: 0.1, height_shift_range: 0.1 (--rotation-range 10 --width-shift-range 0.1 --height-shift-range 0.1)"

const rescaleOnceFix = "rescale once, by 1/255: data.preprocessing.rescale: 0.00392156862745098 (--rescale 0.00392156862745098)"

const standardizeFix = "or standardize: data.preprocessing featurewise_center and featurewise_std_normalization: true (--featurewise-center --featurewise-std-normalization)"

const reduceLRFix = "lower the rate when the loss stalls: fit.reduce_lr_on_plateau {monitor: loss, factor: 0.2, patience: 2} (spec file)"

const largerModelFix = "use a larger model: --model vgg-small (model.preset: vgg-small), or more filters/units"

const largerModelFix2 = "use a larger model: --model vgg-small"

const valSplitText = "use a larger validation split: data.validation_split: 0.2 (--val-split 0.2)"

// valSplitFix suggests a validation split of 0.2 unless the spec already
// holds out that much or more (then more images, not a larger share, is
// the fix).
func valSplitFix(s *Signals) string {
	if s.Spec != nil && s.Spec.Data.ValidationSplit != nil && *s.Spec.Data.ValidationSplit >= 0.2 {
		return ""
	}
	return valSplitText
}

const lossFix = "use compile.loss: sparse_categorical_crossentropy for one label per image"

const defaultsFix = "start from the defaults: --model basic-cnn --optimizer adam --lr 0.001"

const knownGoodFix = "start from a known-good setup: --model basic-cnn --optimizer adam --lr 0.001, then change one thing at a time"

const initFix = "use Keras' default initializers: remove kernel_initializer (glorot_uniform), or he_uniform for relu layers"

const pairFix = "check the output layer and the loss: softmax with sparse_categorical_crossentropy"

const addDropoutFix = "add Dropout(0.25-0.5) before the last Dense layer (model.layers: {type: Dropout, rate: 0.5})"

const heUniformFix = "use he_uniform initialization (model.layers[i].kernel_initializer: he_uniform)"

// typicalLR is the usual starting learning rate of an optimizer: Keras'
// default (Adam, AdamW, RMSprop 1e-3; SGD 1e-2).
func typicalLR(opt string) float64 {
	if opt == "sgd" {
		return 0.01
	}
	return 0.001
}

// fmtLR prints a learning rate as a flag value.
func fmtLR(v float64) string { return strconv.FormatFloat(v, 'g', 3, 64) }

// lowerLRFix suggests a lower learning rate: the optimizer's typical one,
// or a tenth of the current when that is already at or below it.
func lowerLRFix(s *Signals) string {
	cur, target := s.lr(), lowerLRTarget(s)
	return fmt.Sprintf("lower compile.learning_rate from %s to %s (--lr %s)", fmtLR(cur), fmtLR(target), fmtLR(target))
}

func lowerLRTarget(s *Signals) float64 {
	cur := s.lr()
	target := typicalLR(s.optimizer())
	if cur <= target*1.5 {
		target = cur / 10
	}
	return roundLR(target)
}

// raiseLRFix suggests a higher learning rate.
func raiseLRFix(s *Signals) string {
	cur, target := s.lr(), raiseLRTarget(s)
	return fmt.Sprintf("raise compile.learning_rate from %s to %s (--lr %s)", fmtLR(cur), fmtLR(target), fmtLR(target))
}

func raiseLRTarget(s *Signals) float64 {
	cur := s.lr()
	target := typicalLR(s.optimizer())
	if s.optimizer() == "sgd" && cur >= target {
		target = 0.1
	}
	if cur >= target*0.67 {
		target = cur * 10
	}
	return roundLR(target)
}

// roundLR keeps the 3 digits a fix prints.
func roundLR(v float64) float64 {
	r, _ := strconv.ParseFloat(fmtLR(v), 64)
	return r
}

// momentumFix suggests momentum for a plain SGD.
func momentumFix(s *Signals) string {
	if s.optimizer() != "sgd" || s.Spec != nil && s.Spec.Compile.Momentum > 0 {
		return ""
	}
	return "add momentum: compile.momentum: 0.9 (--momentum 0.9), or use compile.optimizer: adam (--optimizer adam)"
}

// batchNormFix suggests BatchNormalization after a layer.
func batchNormFix(layer string) string {
	return fmt.Sprintf("add BatchNormalization after %s (model.layers: {type: BatchNormalization})", layer)
}

// epochsFix suggests training longer. When fit.early_stopping ended the
// run, more fit.epochs would change nothing: the fix raises the patience.
func epochsFix(s *Signals, factor int) string {
	if es, ok := stoppedEarly(s); ok {
		p := patienceTarget(es)
		return fmt.Sprintf("the run stopped itself at epoch %d of %d (fit.early_stopping, patience %d): to train longer, raise fit.early_stopping.patience to %d (--patience %d)",
			len(s.Epochs), s.Spec.Fit.Epochs, es.Patience, p, p)
	}
	n := epochsTarget(s, factor)
	if n <= 0 {
		return "train for more epochs (--epochs)"
	}
	return fmt.Sprintf("train longer: fit.epochs: %d (--epochs %d)", n, n)
}

func epochsTarget(s *Signals, factor int) int {
	n := len(s.Epochs)
	if s.Spec != nil && s.Spec.Fit.Epochs > 0 {
		n = s.Spec.Fit.Epochs
	}
	return n * factor
}

// stoppedEarly returns the spec's early stopping when it ended the run
// before its fit.epochs.
func stoppedEarly(s *Signals) (*spec.EarlyStopping, bool) {
	if s == nil || s.Spec == nil || s.Spec.Fit.EarlyStopping == nil || !strings.HasPrefix(s.Facts.StopReason, "early stopping") {
		return nil, false
	}
	return s.Spec.Fit.EarlyStopping, true
}

// patienceTarget is the patience epochsFix suggests: at least 10 epochs,
// twice the current.
func patienceTarget(es *spec.EarlyStopping) int { return max(10, 2*es.Patience) }

// epochsEdit is the edit of epochsFix(s, factor).
func epochsEdit(s *Signals, factor int) SpecEdit {
	if es, ok := stoppedEarly(s); ok {
		return setEdit("fit.early_stopping.patience", patienceTarget(es))
	}
	return setEdit("fit.epochs", epochsTarget(s, factor))
}

// moreImagesFix suggests more training images; it names data.limit only
// when the spec sets one.
func moreImagesFix(s *Signals) string {
	if s != nil && s.Spec != nil && s.Spec.Data.Limit > 0 {
		return fmt.Sprintf("use more training images: raise or remove data.limit (now %d; --limit), or add more data", s.Spec.Data.Limit)
	}
	return "use more training images: add more data"
}

// leakyReluFix suggests leaky_relu in a layer.
func leakyReluFix(s *Signals, layer string) string {
	return fmt.Sprintf("use leaky_relu in %s (%s.activation: leaky_relu)", layer, layerRef(s, layer))
}

// reluFix suggests relu instead of a squashing activation in layers.
func reluFix(s *Signals, layers []string) string {
	if len(layers) == 1 {
		return fmt.Sprintf("use relu in %s (%s.activation: relu)", layers[0], layerRef(s, layers[0]))
	}
	return fmt.Sprintf("use relu in %s (model.layers[i].activation: relu)", joinNames(layers, 3))
}

// outputActFix sets the output layer's activation.
func outputActFix(s *Signals, layer, act string) string {
	return fmt.Sprintf("set %s.activation: %s", layerRef(s, layer), act)
}

// dropoutFix lowers every Dropout rate above 0.5: to 0.25 before the
// Flatten (after convolutions), to 0.5 after it. It returns the fix and
// its edits ("" when there is none).
func dropoutFix(s *Signals) (string, []SpecEdit) {
	if s.Model == nil {
		return "", nil
	}
	var refs []string
	var edits []SpecEdit
	conv := true
	for i, l := range s.Model.Layers {
		switch strings.ToLower(l.Type) {
		case "flatten", "globalaveragepooling2d", "globalmaxpooling2d", "dense":
			conv = false
		case "dropout":
			if l.Rate > dropoutHigh {
				rate := 0.5
				if conv {
					rate = 0.25
				}
				refs = append(refs, layerRef(s, l.Name))
				edits = append(edits, SpecEdit{Path: fmt.Sprintf("model.layers[%d].rate", i), Value: rate})
			}
		}
	}
	if len(refs) == 0 {
		return "", nil
	}
	return fmt.Sprintf("lower %s.rate to 0.5 or less (0.2-0.3 after convolutions)", strings.Join(refs, " and ")), edits
}

// layerRef names a layer by its index in the model ("model.layers[3]
// (conv2d_1)") for spec keys.
func layerRef(s *Signals, name string) string {
	if i := s.layerIndex(name); i >= 0 {
		return fmt.Sprintf("model.layers[%d] (%s)", i, name)
	}
	return name
}

// plural writes "1 layer", "3 layers".
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}

// pct writes a fraction as a percentage.
func pct(v float64) string { return strconv.FormatFloat(100*v, 'f', 1, 64) + "%" }

// joinNames lists up to n names.
func joinNames(names []string, n int) string {
	if len(names) > n {
		return strings.Join(names[:n], ", ") + fmt.Sprintf(" and %d more", len(names)-n)
	}
	return strings.Join(names, ", ")
}

// nonEmpty drops empty strings.
func nonEmpty(xs ...string) []string {
	var out []string
	for _, x := range xs {
		if x != "" {
			out = append(out, x)
		}
	}
	return out
}

// inspectCmd is the command that inspects the run's data: `cnnscope data
// inspect` on the spec's data.source, single-quoted when it holds spaces
// or shell characters; "<data>" only when the source is unknown.
func inspectCmd(s *Signals) string {
	if s == nil || s.Spec == nil || s.Spec.Data.Source == "" {
		return "cnnscope data inspect <data>"
	}
	return "cnnscope data inspect " + data.ShellArg(s.Spec.Data.Source)
}

// runCmd is a cnnscope command on the run: `cnnscope doctor DIR` with the
// run's directory, quoted when it holds spaces or shell characters;
// "<run directory>" only when the directory is unknown (a model trained
// by the library without one).
func runCmd(s *Signals, command string) string {
	if s == nil || s.Dir == "" {
		return "cnnscope " + command + " <run directory>"
	}
	return "cnnscope " + command + " " + data.ShellArg(s.Dir)
}
