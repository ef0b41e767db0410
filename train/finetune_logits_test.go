package train

import (
	"strings"
	"testing"

	"github.com/cnnscope/cnnscope/modelfile"
	"github.com/cnnscope/cnnscope/nn"
	"github.com/cnnscope/cnnscope/spec"
	"github.com/cnnscope/cnnscope/tensor"
)

// TestFineTuneFromLogitsModel: fine-tuning a model trained from logits
// (a linear head) compiles from logits too, and says so; a model trained
// from probabilities leaves compile.from_logits as the spec has it.
func TestFineTuneFromLogitsModel(t *testing.T) {
	for _, fromLogits := range []bool{true, false} {
		m := nn.NewSequential(tensor.Shape{6, 6, 1}, &nn.Flatten{}, &nn.Dense{Units: 3})
		if err := m.Build(1); err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		if err := modelfile.SaveFile(dir, m, modelfile.File{Classes: []string{"a", "b", "c"}, Loss: "sparse_categorical_crossentropy", FromLogits: fromLogits}); err != nil {
			t.Fatal(err)
		}
		s := &spec.Spec{Data: spec.Data{Source: "mnist"}, Model: spec.Model{From: dir}}
		_, notes, err := ResolvePretrained(s)
		if err != nil {
			t.Fatal(err)
		}
		said := strings.Contains(strings.Join(notes, "\n"), "compile.from_logits from the pre-trained model")
		if s.Compile.FromLogits != fromLogits || said != fromLogits {
			t.Errorf("pre-trained from_logits %v: spec from_logits %v, notes %q", fromLogits, s.Compile.FromLogits, notes)
		}
	}
}
