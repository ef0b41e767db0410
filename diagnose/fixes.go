package diagnose

import (
	"fmt"
	"strconv"
	"strings"
)

// Fixes are phrased in the user's terms: the spec key and, where one
// exists, the `cnnscope train` flag.

// rescaleFix rescales 0..255 pixels to 0..1.
const rescaleFix = "rescale inputs by 1/255: data.preprocessing.rescale: 0.00392156862745098 (--rescale 0.00392156862745098)"

const balancedFix = "set data.class_weight: balanced (--class-weight balanced)"

const oversampleFix = "or resample: data.sampling: oversample (--sampling oversample)"

const clipFix = "clip gradients: compile.clipnorm: 1.0 (spec file)"

const patienceFix = "stop at the best epoch: fit.early_stopping {patience: 3, restore_best_weights: true} (--patience 3)"

const augmentFix = "augment the training images: data.augmentation rotation_range: 10, width_shift_range: 0.1, height_shift_range: 0.1 (--rotation-range 10 --width-shift-range 0.1 --height-shift-range 0.1)"

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
	cur := s.lr()
	target := typicalLR(s.optimizer())
	if cur <= target*1.5 {
		target = cur / 10
	}
	return fmt.Sprintf("lower compile.learning_rate from %s to %s (--lr %s)", fmtLR(cur), fmtLR(target), fmtLR(target))
}

// raiseLRFix suggests a higher learning rate.
func raiseLRFix(s *Signals) string {
	cur := s.lr()
	target := typicalLR(s.optimizer())
	if s.optimizer() == "sgd" && cur >= target {
		target = 0.1
	}
	if cur >= target*0.67 {
		target = cur * 10
	}
	return fmt.Sprintf("raise compile.learning_rate from %s to %s (--lr %s)", fmtLR(cur), fmtLR(target), fmtLR(target))
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

// epochsFix suggests training longer.
func epochsFix(s *Signals, factor int) string {
	n := len(s.Epochs)
	if s.Spec != nil && s.Spec.Fit.Epochs > 0 {
		n = s.Spec.Fit.Epochs
	}
	if n <= 0 {
		return "train for more epochs (--epochs)"
	}
	return fmt.Sprintf("train longer: fit.epochs: %d (--epochs %d)", n*factor, n*factor)
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
