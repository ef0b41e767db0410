package modelfile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cnnscope/cnnscope/nn"
	"github.com/cnnscope/cnnscope/tensor"
)

// A functional model saves as model.json version 2 with Keras' weight
// names and loads back with the same weights; a version-1 file that names
// inputs is refused.
func TestGraphModelFileRoundTrip(t *testing.T) {
	m := nn.ResNet20(tensor.Shape{16, 16, 3}, 3)
	if err := m.Build(4); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	classes := []string{"a", "b", "c"}
	if err := Save(dir, m, classes, nil, "sparse_categorical_crossentropy", ""); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, ConfigFile))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"format": "cnnscope.model/v2"`) || !strings.Contains(string(b), `"inputs": [`) {
		t.Errorf("model.json of a graph is not version 2 with inputs:\n%.400s", b)
	}
	m2, _, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := m2.(*nn.Graph); !ok {
		t.Fatalf("loaded a %T", m2)
	}
	p1, p2 := m.Params(), m2.Params()
	if len(p1) != len(p2) {
		t.Fatalf("%d params, loaded %d", len(p1), len(p2))
	}
	for i := range p1 {
		if p1[i].FullName() != p2[i].FullName() || p1[i].Value.Data[0] != p2[i].Value.Data[0] {
			t.Fatalf("param %d: %s vs %s", i, p1[i].FullName(), p2[i].FullName())
		}
	}
	if p1[len(p1)-1].FullName() != "dense/bias" || p1[2].FullName() != "batch_normalization/gamma" {
		t.Errorf("weight names are not Keras': %s, %s", p1[2].FullName(), p1[len(p1)-1].FullName())
	}
	v1 := strings.Replace(string(b), "cnnscope.model/v2", "cnnscope.model/v1", 1)
	if err := os.WriteFile(filepath.Join(dir, ConfigFile), []byte(v1), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "name inputs") {
		t.Errorf("a version-1 file with inputs: err = %v", err)
	}
}

// A sequential model still writes version 1.
func TestSequentialModelFileStaysVersion1(t *testing.T) {
	m := nn.BasicCNN(tensor.Shape{28, 28, 1}, 10)
	if err := m.Build(1); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := Save(dir, m, []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}, nil, "sparse_categorical_crossentropy", ""); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(filepath.Join(dir, ConfigFile))
	if !strings.Contains(string(b), `"format": "cnnscope.model/v1"`) {
		t.Errorf("sequential model.json is not version 1")
	}
	if _, _, err := Load(dir); err != nil {
		t.Fatal(err)
	}
}
