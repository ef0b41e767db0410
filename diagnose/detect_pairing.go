package diagnose

import (
	"fmt"
	"strings"
)

// detectOutputLossMismatch checks the model's last activation against the
// loss and compile.from_logits, by Keras' contracts: a categorical
// cross-entropy wants a softmax, a binary one a sigmoid, unless the loss
// takes logits (from_logits=True), which wants a linear output.
// TheDeepChecker's buggy programs (missing_softmax, wrong_activation,
// wrong_loss_selection) and DeepDiagnosis' range check cover the same
// mistakes.
//
//   - categorical loss on outputs that are not probabilities (linear,
//     relu, tanh, ...) without from_logits: the loss clips them into
//     [1e-7, 1 - 1e-7] and most gradients vanish: critical (a linear
//     output is fixed by a softmax or by from_logits);
//   - categorical loss on sigmoid outputs (they do not sum to 1), or a
//     binary loss on a softmax over more than two classes: warning;
//   - from_logits on a softmax or sigmoid output: the loss squashes the
//     probabilities a second time: warning (see fromLogitsMismatch);
//     from_logits on a linear output is what it is for: no finding.
func detectOutputLossMismatch(s *Signals) *Finding {
	if f := doubleSquash(s); f != nil {
		return f
	}
	act, layer := s.lastActivation()
	loss := s.lossName()
	if act == "" || loss == "" {
		return nil
	}
	if s.fromLogits() {
		return fromLogitsMismatch(s, act, layer, loss)
	}
	f := &Finding{Layer: layer}
	switch loss {
	case "sparse_categorical_crossentropy", "categorical_crossentropy":
		switch act {
		case "softmax":
			return nil
		case "sigmoid":
			f.Severity = Warning
			f.Causes = []string{"sigmoid outputs do not sum to 1: the loss raises the true class's output but never lowers the others"}
		default:
			f.Severity = Critical
			f.Causes = []string{fmt.Sprintf("%s outputs are not probabilities: %s expects softmax outputs (it would need from_logits=True)", act, loss)}
		}
		f.Fixes = append([]string{outputActFix(s, layer, "softmax")}, logitsFix(act, loss)...)
	case "binary_crossentropy":
		switch {
		case act == "sigmoid":
			return nil
		case act == "softmax" && s.NumClasses() > 2:
			f.Severity = Warning
			f.Causes = []string{"binary_crossentropy treats each of the softmax outputs as a separate yes/no question"}
			f.Fixes = []string{lossFix}
		case act == "softmax":
			return nil
		default:
			f.Severity = Critical
			f.Causes = []string{fmt.Sprintf("%s outputs are not probabilities: binary_crossentropy expects sigmoid outputs (or from_logits=True)", act)}
			f.Fixes = append([]string{outputActFix(s, layer, "sigmoid")}, logitsFix(act, loss)...)
		}
	default:
		return nil
	}
	f.Title = fmt.Sprintf("Output activation %s does not match the loss %s", act, loss)
	f.Evidence = []Evidence{{Text: fmt.Sprintf("last layer %s ends in %s; compile.loss is %s", layer, act, loss), Layer: layer}}
	return f
}

// doubleSquash checks the model's output as a whole: after the last layer
// with weights, the probabilities are squashed a second time (softmax or
// sigmoid in that layer and again in an Activation layer after it). A
// softmax of probabilities is nearly uniform (its inputs lie in [0, 1]),
// so the loss barely moves and its gradients are tiny: a warning.
func doubleSquash(s *Signals) *Finding {
	if s.Model == nil {
		return nil
	}
	var acts, layers []string
	outer := ""
	for _, i := range outputPath(s.Model) { // back from the output along its inputs
		l := s.Model.Layers[i]
		typ := strings.ToLower(l.Type)
		if typ != "dense" && typ != "conv2d" && typ != "activation" {
			continue
		}
		if a := strings.ToLower(l.Activation); a == "softmax" || a == "sigmoid" {
			acts, layers = append(acts, a), append(layers, layerRef(s, l.Name))
			if outer == "" {
				outer = l.Name
			}
		}
		if typ != "activation" {
			break
		}
	}
	if len(acts) < 2 {
		return nil
	}
	f := &Finding{Severity: Warning, Layer: outer}
	f.Title = fmt.Sprintf("Output squashed twice: %s", strings.Join(reversed(acts), " then "))
	f.Evidence = []Evidence{ev(fmt.Sprintf("%s after the last layer with weights: %s", strings.Join(reversed(acts), " then "), strings.Join(reversed(layers), ", ")))}
	f.Causes = []string{"a second softmax/sigmoid squashes probabilities again: the outputs are nearly uniform and the gradients tiny"}
	f.Fixes = []string{fmt.Sprintf("remove the second activation: delete %s or set it to linear", layers[0])}
	return f
}

func reversed(xs []string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[len(xs)-1-i] = x
	}
	return out
}
