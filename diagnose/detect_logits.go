package diagnose

import "fmt"

// compile.from_logits in the model + loss check (detect_pairing.go): a
// loss from logits applies softmax (sigmoid for binary_crossentropy)
// itself, so it wants a linear last layer.

// The fixes that set or clear compile.from_logits, with their spec edits
// (logitsFixes).
const (
	fromLogitsFix   = "set compile.from_logits: true (keep the linear output; the loss applies softmax itself, as Keras' from_logits=True)"
	fromLogitsFixBC = "set compile.from_logits: true (keep the linear output; the loss applies sigmoid itself, as Keras' from_logits=True)"
	noLogitsFix     = "remove compile.from_logits (the output is already a probability)"
)

// fromLogits reports whether the spec's loss takes logits.
func (s *Signals) fromLogits() bool {
	return s.Spec != nil && s.Spec.Compile.FromLogits
}

// logitsFix is the from_logits fix for a linear output under loss without
// it (none for other activations: relu or tanh outputs are not logits
// either).
func logitsFix(act, loss string) []string {
	if act != "linear" {
		return nil
	}
	if loss == "binary_crossentropy" {
		return []string{fromLogitsFixBC}
	}
	return []string{fromLogitsFix}
}

// fromLogitsMismatch checks the last activation under a loss from logits:
// a linear output is what from_logits is for (no finding); a softmax or
// sigmoid output is squashed a second time by the loss, which flattens
// the probabilities (a softmax of values in [0, 1] is nearly uniform)
// and shrinks the gradients: a warning, with the two ways out.
func fromLogitsMismatch(s *Signals, act, layer, loss string) *Finding {
	if act != "softmax" && act != "sigmoid" {
		return nil
	}
	again := "softmax"
	if loss == "binary_crossentropy" {
		again = "sigmoid"
	}
	f := &Finding{Severity: Warning, Layer: layer}
	f.Title = fmt.Sprintf("Output activation %s with compile.from_logits: the loss applies %s to probabilities", act, again)
	f.Evidence = []Evidence{{Text: fmt.Sprintf("last layer %s ends in %s; compile.loss is %s with from_logits: true", layerRef(s, layer), act, loss), Layer: layer}}
	f.Causes = []string{fmt.Sprintf("the output is already a probability; from_logits=True applies %s a second time (%s then %s): the outputs the loss sees are nearly uniform and the gradients small", again, act, again)}
	f.Fixes = []string{noLogitsFix, outputActFix(s, layer, "linear")}
	return f
}

// logitsFixes adds the spec edits of the from_logits fixes to the fix
// catalogue (actions.go).
func logitsFixes(s *Signals, c map[string][]SpecEdit) {
	c[fromLogitsFix] = []SpecEdit{setEdit("compile.from_logits", true)}
	c[fromLogitsFixBC] = []SpecEdit{setEdit("compile.from_logits", true)}
	c[noLogitsFix] = []SpecEdit{setEdit("compile.from_logits", false)}
	if _, name := s.lastActivation(); name != "" {
		c[outputActFix(s, name, "linear")] = []SpecEdit{setEdit(layerPath(s.layerIndex(name), "activation"), "linear")}
	}
}
