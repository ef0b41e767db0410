package diagnose

import (
	"fmt"
	"math"
	"strings"
)

// Bad-initialization thresholds. Random initialization must break the
// symmetry between the units of a layer and keep the signal's scale from
// layer to layer (Glorot & Bengio 2010; He et al. 2015; CS231n's "pitfall:
// all zero initialization"; Goodfellow et al., Deep Learning, 8.4).
//
//   - Setting: a Conv2D or Dense kernel with a constant initializer (zeros,
//     ones): every unit of the layer computes the same thing and gets the
//     same update, so the layer acts as one unit.
//   - Before step 1: the untrained model gives every image of a batch the
//     same output (each output's spread over the batch under 1e-6 of its
//     scale) although the inputs differ and are normalized: the signal
//     does not get through. (Unscaled 0..255 inputs can saturate the
//     softmax into the same one-hot output: that is unnormalized_inputs'.)
//     (Our measurement: 0 with kernels of ones or zeros; healthy presets
//     and custom models spread their softmax outputs by 6e-4 or more.)
//   - At step 1: a hidden layer's activations reach an RMS over 1e3 times
//     the inputs' largest value (our measurement at step 1: 0.07-2.5 for
//     healthy models on 0..1 inputs, 18 on unscaled 0..255 inputs, 4e8
//     with kernels of ones).
const (
	initSameOutput = 1e-6
	initActExplode = 1e3
)

func detectBadInitialization(s *Signals) *Finding {
	f := &Finding{Severity: Warning}
	var layers []string
	init := ""
	if s.Model != nil {
		for i, l := range s.Model.Layers {
			switch strings.ToLower(l.KernelInitializer) {
			case "zeros", "ones":
				layers = append(layers, fmt.Sprintf("model.layers[%d] (%s): %s", i, l.Name, l.KernelInitializer))
				if f.Layer == "" {
					f.Layer, init = l.Name, l.KernelInitializer
				}
			}
		}
	}
	if len(layers) > 0 {
		f.Evidence = append(f.Evidence, ev("constant kernel initializers: "+joinNames(layers, 3)))
	}
	if in := s.Facts.Init; in != nil && in.OutputSpread != nil {
		// Constant inputs give the same output anyway, and 0..255 inputs
		// saturate the softmax into the same one-hot output:
		// unnormalized_inputs' cases.
		lo, hi, std, _ := inputRange(s)
		if sp := *in.OutputSpread; sp <= initSameOutput && std != 0 && max(-lo, hi) <= inputMaxHigh {
			f.Evidence = append(f.Evidence, evm("output_spread", sp, initSameOutput,
				"before training the model gives all %d images of a batch the same output (largest spread %.2g)", in.Samples, sp))
		}
	}
	if len(s.Records) > 0 && s.Records[0].Step == 1 {
		r := s.Records[0]
		scale := 1.0
		if _, hi, _, from := inputRange(s); from != "" {
			scale = max(scale, hi)
		}
		for i, l := range r.Layers {
			a := l.Activation
			if i == len(r.Layers)-1 || a == nil {
				continue
			}
			if rms := math.Hypot(float64(a.Mean), float64(a.Std)); finite(rms) && rms > initActExplode*scale {
				e := evm("activation_rms", rms, initActExplode*scale, "step 1: activations of %s have an RMS of %.3g (inputs reach %.3g)", l.Layer, rms, scale)
				e.Step, e.Layer = 1, l.Layer
				f.Evidence = append(f.Evidence, e)
				if f.Layer == "" {
					f.Layer = l.Layer
				}
				break
			}
		}
	}
	if len(f.Evidence) == 0 {
		return nil
	}
	if init == "" && len(f.Evidence) == 1 && f.Evidence[0].Metric == "output_spread" && len(squashing(s)) >= squashStack {
		return squashedOutput(s, f)
	}
	f.Title = "Bad weight initialization"
	if init != "" {
		f.Title = fmt.Sprintf("Bad weight initialization: kernel_initializer %s in %s", init, plural(len(layers), "layer"))
	}
	f.Causes = []string{"the initial weights do not break the symmetry between units or do not keep the signal's scale from layer to layer"}
	f.Fixes = []string{initFix}
	if s.Spec != nil && s.Spec.Model.From != "" && init == "" {
		pretrainedCollapse(f, s.Spec.Model.From, s.Spec.Model.Freeze != "")
	}
	return f
}

// squashStack is the number of hidden sigmoid/tanh layers from which the
// same output for every image is put on the activations, not on the
// initializer (below).
const squashStack = 3

// squashedOutput is the finding for a model whose untrained outputs are
// the same for every image while its initializers are not constant and
// its activations did not blow up, in a stack of sigmoid/tanh layers:
// each such layer with the usual Glorot initialization passes on about a
// quarter of its input's spread (sigmoid's slope is 1/4 at most), so
// nine of them leave 4^-9 (issue 10, seventh round (d): nine sigmoid
// Dense(48) layers with Keras' default initializer were named
// bad_initialization first, though the initializer is the usual one and
// the activations are what squash the signal; vanishing_gradients and
// saturated_activations name that). Information, and not decisive
// (Detector.Decisive): it explains nothing on its own.
func squashedOutput(s *Signals, f *Finding) *Finding {
	sat := squashing(s)
	f.Severity = Info
	f.Title = fmt.Sprintf("Before training every image gets the same output: %d sigmoid/tanh layers squash the signal", len(sat))
	f.Causes = []string{fmt.Sprintf("sigmoid/tanh activations in %s shrink the signal's spread layer after layer", joinNames(sat, 3))}
	f.Fixes = []string{reluFix(s, sat)}
	return f
}

// initDecisive says whether a bad_initialization finding explains the
// symptoms it may: not squashedOutput's information.
func initDecisive(f *Finding) bool { return f.Severity != Info }

// pretrainedCollapse names the cause in a fine-tune: its weights are not
// initialized but loaded, so a model that gives every image the same
// output before step 1 got that from model.from.
func pretrainedCollapse(f *Finding, from string, frozen bool) {
	f.Title = "The pre-trained model gives every image the same output"
	f.Causes = []string{fmt.Sprintf("the weights come from model.from (%s): its layers map all these images to the same features (a model trained too little, or its BatchNormalization statistics not settled)", from)}
	f.Fixes = []string{fmt.Sprintf("start from a model that learned its task (its report: cnnscope report %s)", from)}
	if frozen {
		f.Fixes = append(f.Fixes, "train the pre-trained layers too: remove model.freeze (--freeze)")
	}
}
