package diagnose

import (
	"slices"
	"strings"
	"testing"
)

// TestPairingFromLogits: the model + loss check with compile.from_logits,
// one case each: a linear output without from_logits is critical and its
// fixes offer a softmax (sigmoid) or from_logits (not for a tanh output);
// a linear output with from_logits is healthy; a softmax or sigmoid
// output with from_logits is a warning that the loss squashes twice,
// fixed by removing from_logits or the activation. Every fix the check
// offers changes the spec, and its action applies.
func TestPairingFromLogits(t *testing.T) {
	s := healthySignals(t, 1)
	last := &s.Model.Layers[len(s.Model.Layers)-1]
	ref := "model.layers[7] (dense_1)"

	last.Activation = ""
	f := wantFinding(t, "output_loss_mismatch", s, Critical)
	if want := []string{"set " + ref + ".activation: softmax", fromLogitsFix}; !slices.Equal(f.Fixes, want) {
		t.Errorf("linear, no from_logits: fixes %q, want %q", f.Fixes, want)
	}
	checkActions(t, s, "compile.from_logits: true")

	s.Spec.Compile.FromLogits = true
	wantNone(t, "output_loss_mismatch", s)
	if d := Analyze(s); find(d, "output_loss_mismatch") != nil {
		t.Errorf("linear with from_logits: %+v", find(d, "output_loss_mismatch"))
	}

	last.Activation = "softmax"
	f = wantFinding(t, "output_loss_mismatch", s, Warning)
	if !strings.Contains(f.Causes[0], "already a probability; from_logits=True applies softmax a second time") {
		t.Errorf("softmax with from_logits: causes %q", f.Causes)
	}
	if want := []string{noLogitsFix, "set " + ref + ".activation: linear"}; !slices.Equal(f.Fixes, want) {
		t.Errorf("softmax with from_logits: fixes %q, want %q", f.Fixes, want)
	}
	checkActions(t, s, "compile.from_logits: false", "model.layers[7].activation: linear")

	s.Spec.Compile.Loss = "binary_crossentropy"
	last.Activation = "sigmoid"
	if f := wantFinding(t, "output_loss_mismatch", s, Warning); !strings.Contains(f.Title, "applies sigmoid") {
		t.Errorf("sigmoid with binary from_logits: title %q", f.Title)
	}
	last.Activation = "linear"
	wantNone(t, "output_loss_mismatch", s)
	s.Spec.Compile.FromLogits = false
	if f := wantFinding(t, "output_loss_mismatch", s, Critical); !slices.Contains(f.Fixes, fromLogitsFixBC) {
		t.Errorf("binary, linear, no from_logits: fixes %q", f.Fixes)
	}

	s.Spec.Compile.Loss = "sparse_categorical_crossentropy"
	last.Activation = "tanh"
	if f := wantFinding(t, "output_loss_mismatch", s, Critical); slices.Contains(f.Fixes, fromLogitsFix) {
		t.Errorf("tanh output: fixes %q offer from_logits", f.Fixes)
	}
}

// checkActions: Analyze's output_loss_mismatch carries an action for each
// fix (every fix grounded in the spec), and each action applies and
// changes what it describes.
func checkActions(t *testing.T, s *Signals, want ...string) {
	t.Helper()
	s.grounded = nil
	f := find(Analyze(s), "output_loss_mismatch")
	if f == nil {
		t.Fatal("Analyze: no output_loss_mismatch")
	}
	var got []string
	for _, a := range f.Actions {
		got = append(got, a.Describe())
		sp, err := ApplyEdits(s.Spec, a.Edits, s.Model.Layers)
		if err != nil {
			t.Errorf("%s: %v", a.Describe(), err)
			continue
		}
		if strings.HasPrefix(a.Describe(), "compile.from_logits") && sp.Compile.FromLogits == s.Spec.Compile.FromLogits {
			t.Errorf("%s leaves from_logits %v", a.Describe(), sp.Compile.FromLogits)
		}
	}
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Errorf("actions %q lack %q (fixes %q)", got, w, f.Fixes)
		}
	}
}
