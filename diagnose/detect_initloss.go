package diagnose

import (
	"fmt"
	"strings"
)

// Initial-loss thresholds. Before training a classifier should be
// uncertain: its loss near ln(classes) (Karpathy, "A Recipe for Training
// Neural Networks": verify loss @ init; TheDeepChecker's Initial_Loss
// check compares |loss - ln C| with a ratio of ln C). We flag an initial
// loss outside [0.5, 2] x ln C (the basic CNN starts at 2.295 for
// ln 10 = 2.303; unscaled 0..255 inputs or a linear output start far
// above, a sigmoid output under a categorical loss far below).
//
// A high initial loss with inputs in range and standard initializers is
// the model's own output scale, not a fault: a head initialized for its
// fan-in (he_normal, as Keras' cifar10 ResNet does) on top of a deep
// residual stack gives logits of standard deviation 2-3 and an initial
// loss of 1.6-2.6 x ln C (resnet-20, our measurement: 3.7-5.9 for
// ln 10 = 2.3), and the first steps of training scale them down. Up to
// initLossScale x ln C it is info; beyond that, or with ones/zeros
// initializers or unscaled inputs, a warning as before.
//
// A fine-tune (model.from) may start below 0.5 x ln C: its pre-trained
// features already separate the classes, even under a fresh head (a
// resnet-20 trained on shapes, a new head for two of them: 0.209 for
// ln 2 = 0.693). That is not a wrong output activation or labels.
const (
	initLossHigh  = 2.0
	initLossLow   = 0.5
	initLossScale = 4.0
)

func detectInitialLoss(s *Signals) *Finding {
	in := s.Facts.Init
	if in == nil || in.Expected <= 0 {
		return nil
	}
	l := float64(in.Loss)
	if finite(l) && l <= initLossHigh*in.Expected && l >= initLossLow*in.Expected {
		return nil
	}
	if finite(l) && l < initLossLow*in.Expected && s.Spec != nil && s.Spec.Model.From != "" {
		return nil // a fine-tune: the pre-trained features already tell the classes apart
	}
	f := &Finding{Severity: Warning}
	f.Title = fmt.Sprintf("Initial loss %.3g is far from the %.3g of a uniform guess", l, in.Expected)
	f.Evidence = []Evidence{evm("initial_loss", l, in.Expected, "loss %.4g on %d samples before training; ln(%d classes) = %.4g", l, in.Samples, s.NumClasses(), in.Expected)}
	if l < initLossLow*in.Expected {
		f.Causes = []string{"the output activation does not match the loss (e.g. sigmoid outputs with a categorical loss)", "the labels are not what the loss expects"}
		f.Fixes = []string{pairFix}
		return f
	}
	odd := oddInitializers(s)
	_, hi, _, from := inputRange(s)
	scaled := from != "" && hi <= inputMaxHigh
	if scaled && len(odd) == 0 && l <= initLossScale*in.Expected {
		f.Severity = Info
		f.Title = fmt.Sprintf("Initial loss %.3g is above the %.3g of a uniform guess: the untrained model's outputs are confident", l, in.Expected)
		f.Evidence = append(f.Evidence, ev(fmt.Sprintf("inputs are in range and the initializers are standard%s; under %.0f x ln C this is the model's output scale at initialization, which training corrects in its first steps",
			headInit(s), initLossScale)))
		f.Causes = []string{"a head initialized for its fan-in on a deep stack starts with large logits"}
		f.Fixes = []string{"nothing to change unless the loss stays above ln C after the first epoch; then " + initFix}
		return f
	}
	switch {
	case len(odd) > 0:
		f.Causes = []string{"weights are initialized too large: kernel_initializer " + strings.Join(odd, ", "), "the output activation does not match the loss"}
		f.Fixes = []string{initFix, pairFix}
	case scaled:
		f.Causes = []string{"the output activation does not match the loss", "weights are initialized too large"}
		f.Fixes = []string{pairFix, initFix}
	default:
		f.Causes = []string{"inputs are not normalized", "the output activation does not match the loss", "weights are initialized too large"}
		f.Fixes = []string{rescaleFix, pairFix, initFix}
	}
	return f
}

// oddInitializers lists layers whose kernel initializer is not a scaled
// random one ("conv2d: ones").
func oddInitializers(s *Signals) []string {
	if s.Model == nil {
		return nil
	}
	var out []string
	for _, l := range s.Model.Layers {
		switch strings.ToLower(l.KernelInitializer) {
		case "ones", "zeros":
			out = append(out, l.Name+": "+l.KernelInitializer)
		}
	}
	return out
}

// headInit describes the last layer with weights and its initializer
// (", head dense_1: he_normal"; "" without a model).
func headInit(s *Signals) string {
	if s.Model == nil {
		return ""
	}
	for i := len(s.Model.Layers) - 1; i >= 0; i-- {
		l := s.Model.Layers[i]
		if strings.EqualFold(l.Type, "dense") || strings.EqualFold(l.Type, "conv2d") {
			init := l.KernelInitializer
			if init == "" {
				init = "glorot_uniform"
			}
			return fmt.Sprintf(" (head %s: %s)", l.Name, init)
		}
	}
	return ""
}
