package diagnose

import (
	"fmt"

	"github.com/cnnscope/cnnscope/train"
)

// detectNaN: NaN or ±Inf anywhere, localized to a layer and a phase.
//
// Thresholds: any non-finite loss, gradient norm, weight norm or
// activation is critical (Keras' TerminateOnNaN; SageMaker Debugger's
// ExplodingTensor rule). A validation loss of 1e5 or more counts as
// exploded too (AUTOTRAINER's nan_loss check uses test_loss >= 1e+5).
func detectNaN(s *Signals) *Finding {
	f := &Finding{Severity: Critical}
	switch nf := s.Facts.NaN; {
	case nf != nil:
		f.Step, f.Epoch, f.Layer = nf.Step, nf.Epoch, nf.Layer
		where := ""
		if nf.Layer != "" {
			where = " in layer " + nf.Layer
		}
		f.Title = fmt.Sprintf("NaN/Inf in the %s%s at step %d (epoch %d)", phaseWords(nf.Phase), where, nf.Step, nf.Epoch)
		f.Evidence = append(f.Evidence, Evidence{Text: nf.Reason, Step: nf.Step, Epoch: nf.Epoch, Layer: nf.Layer})
		if nf.Param != "" {
			f.Evidence = append(f.Evidence, Evidence{Text: "first non-finite param: " + nf.Param, Step: nf.Step, Layer: nf.Layer})
		}
	default:
		step, epoch, what, layer := firstNonFinite(s)
		if step == 0 {
			return nil
		}
		f.Step, f.Epoch, f.Layer = step, epoch, layer
		f.Title = fmt.Sprintf("NaN/Inf in the %s at step %d (epoch %d)", what, step, epoch)
		f.Evidence = append(f.Evidence, Evidence{Text: what + " is not finite", Step: step, Epoch: epoch, Layer: layer})
	}
	f.Causes = []string{"the learning rate is too high: an update overflowed"}
	if _, hi, _, from := inputRange(s); from == "" || hi > inputMaxHigh {
		f.Causes = append(f.Causes, "inputs are not normalized (large values overflow the first layers)")
	}
	f.Causes = append(f.Causes, "the output activation does not match the loss (log of 0)", "gradients explode without clipping")
	f.Fixes = nonEmpty(lowerLRFix(s), clipFix)
	if pp := s.Spec; pp != nil && pp.Data.Preprocessing != nil && (pp.Data.Preprocessing.Rescale == 0 || pp.Data.Preprocessing.Rescale == 1) &&
		!pp.Data.Preprocessing.FeaturewiseStdNormalization && !pp.Data.Preprocessing.SamplewiseStdNormalization {
		f.Fixes = append(f.Fixes, rescaleFix)
	}
	return f
}

func phaseWords(p string) string {
	switch p {
	case "forward":
		return "forward pass"
	case "backward":
		return "gradients (backward pass)"
	case "update":
		return "weights after an update"
	case "input":
		return "input batch"
	}
	return "loss"
}

// firstNonFinite finds the first step whose loss, or whose record's
// norms or activations, are not finite; or an epoch whose losses are.
func firstNonFinite(s *Signals) (step, epoch int, what, layer string) {
	t := &s.Facts.Loss
	for i := 0; i < t.Len(); i++ {
		if !finite(float64(t.Loss[i])) || !finite(float64(t.Max[i])) {
			step, epoch, what = t.Step[i], t.Epoch[i], "training loss"
			break
		}
	}
	for _, r := range s.Records {
		if step > 0 && r.Step >= step {
			break
		}
		if what, layer := nonFiniteLayer(&r); what != "" {
			return r.Step, r.Epoch, what, layer
		}
		if !finite(float64(r.Loss)) {
			return r.Step, r.Epoch, "training loss", ""
		}
	}
	if step > 0 {
		return step, epoch, what, ""
	}
	for i, l := range s.Epochs {
		for _, k := range []string{"loss", "val_loss"} {
			if v, ok := l[k]; ok && (!finite(v) || k == "val_loss" && v >= 1e5) {
				st := int(l["step"])
				if st == 0 {
					st = max(1, (i+1)*s.Facts.StepsPerEpoch)
				}
				return st, i + 1, map[string]string{"loss": "training loss", "val_loss": "validation loss"}[k], ""
			}
		}
	}
	return 0, 0, "", ""
}

// nonFiniteLayer finds where a record's statistics first went non-finite,
// in the order the step computes them: the forward pass (the first
// layer in topological order: the others inherit its NaN), the backward
// pass (the last layer in topological order, the first the gradient
// reaches: the layers below inherit it, through every path), then the
// update.
func nonFiniteLayer(r *train.StepRecord) (what, layer string) {
	for _, l := range r.Layers {
		if l.Activation != nil && l.Activation.NonFinite > 0 {
			return "forward pass", l.Layer
		}
	}
	for i := len(r.Layers) - 1; i >= 0; i-- {
		if l := r.Layers[i]; l.Weights != nil && !finite(float64(l.Weights.GradNorm)) {
			return "gradients (backward pass)", l.Layer
		}
	}
	for _, l := range r.Layers {
		if l.Weights != nil && !finite(float64(l.Weights.WeightNorm)) {
			return "weights after an update", l.Layer
		}
	}
	return "", ""
}
