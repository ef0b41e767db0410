package modelfile

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cnnscope/cnnscope/nn"
	"github.com/cnnscope/cnnscope/tensor"
)

// TestFromLogitsRecorded: a model trained from logits says so in both
// halves of the pair and loads with a loss from logits whose outputs
// Probabilities turns into rows that sum to 1; a file without the field
// (every file written before it existed) loads as from_logits false with
// its outputs untouched; a model.json that disagrees with the weights
// file about it is refused as a mixed pair.
func TestFromLogitsRecorded(t *testing.T) {
	linear := func() nn.Model {
		m := nn.NewSequential(tensor.Shape{4, 4, 1}, &nn.Flatten{}, &nn.Dense{Units: 3})
		if err := m.Build(1); err != nil {
			t.Fatal(err)
		}
		return m
	}
	dir, old := t.TempDir(), t.TempDir()
	if err := SaveFile(dir, linear(), File{Classes: []string{"a", "b", "c"}, Loss: "sparse_categorical_crossentropy", FromLogits: true}); err != nil {
		t.Fatal(err)
	}
	if err := SaveFile(old, tinyModel(t), File{Classes: []string{"a", "b", "c"}, Loss: "sparse_categorical_crossentropy"}); err != nil {
		t.Fatal(err)
	}
	js, _ := os.ReadFile(filepath.Join(dir, ConfigFile))
	if !bytes.Contains(js, []byte(`"from_logits": true`)) {
		t.Errorf("model.json lacks from_logits:\n%s", js)
	}
	if js, _ := os.ReadFile(filepath.Join(old, ConfigFile)); bytes.Contains(js, []byte("from_logits")) {
		t.Errorf("a model from probabilities writes from_logits:\n%s", js)
	}
	x := tensor.New(2, 4, 4, 1)
	for i := range x.Data {
		x.Data[i] = float32(i%7) - 3
	}
	m, mf, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	l, err := mf.NewLoss()
	if err != nil || !mf.FromLogits || !nn.TakesLogits(l) {
		t.Fatalf("loaded: from_logits %v, loss %v (%v)", mf.FromLogits, l, err)
	}
	out := m.Forward(x, false)
	p := mf.Probabilities(out, nil)
	for i := 0; i < 2; i++ {
		s := float64(p.Data[3*i]) + float64(p.Data[3*i+1]) + float64(p.Data[3*i+2])
		if math.Abs(s-1) > 1e-6 {
			t.Errorf("row %d: probabilities %v sum to %v (logits %v)", i, p.Data[3*i:3*i+3], s, out.Data[3*i:3*i+3])
		}
	}
	m, mf, err = Load(old)
	if err != nil {
		t.Fatal(err)
	}
	if l, _ := mf.NewLoss(); mf.FromLogits || nn.TakesLogits(l) {
		t.Errorf("a file without the field: from_logits %v", mf.FromLogits)
	}
	if out := m.Forward(x, false); mf.Probabilities(out, nil) != out {
		t.Error("a model from probabilities: Probabilities changed its output")
	}
	// model.json edited to say from_logits: the weights file disagrees.
	js = bytes.Replace(js, []byte(`"from_logits": true,`), nil, 1)
	if err := os.WriteFile(filepath.Join(dir, ConfigFile), js, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "does not describe") {
		t.Errorf("model.json without from_logits beside weights with it: %v", err)
	}
}
