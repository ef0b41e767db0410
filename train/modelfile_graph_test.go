package train

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cnnscope/cnnscope/nn"
	"github.com/cnnscope/cnnscope/spec"
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
	if err := SaveModel(dir, m, classes, nil, "sparse_categorical_crossentropy", ""); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, ModelConfigFile))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"format": "cnnscope.model/v2"`) || !strings.Contains(string(b), `"inputs": [`) {
		t.Errorf("model.json of a graph is not version 2 with inputs:\n%.400s", b)
	}
	m2, _, err := LoadModel(dir)
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
	if err := os.WriteFile(filepath.Join(dir, ModelConfigFile), []byte(v1), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := LoadModel(dir); err == nil || !strings.Contains(err.Error(), "name inputs") {
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
	if err := SaveModel(dir, m, []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}, nil, "sparse_categorical_crossentropy", ""); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(filepath.Join(dir, ModelConfigFile))
	if !strings.Contains(string(b), `"format": "cnnscope.model/v1"`) {
		t.Errorf("sequential model.json is not version 1")
	}
	if _, _, err := LoadModel(dir); err != nil {
		t.Fatal(err)
	}
}

// The functional spec form goes through the strict YAML decoder:
// inputs, padding amounts and Rescaling's numeric scale.
func TestFunctionalYAMLSpec(t *testing.T) {
	src := `data: {source: mnist}
model:
  layers:
    - {type: Rescaling, scale: 0.5, offset: -1}
    - {type: ZeroPadding2D, padding: [[0, 1], [0, 1]]}
    - {type: Conv2D, filters: 4, kernel_size: 3, padding: same}
    - {type: BatchNormalization, scale: false, trainable: false}
    - {type: Activation, activation: hard_swish}
    - {name: sum, type: Add, inputs: [conv2d, activation]}
    - {type: GlobalMaxPooling2D}
    - {type: Dense, units: 10, activation: softmax}
`
	s, err := spec.Parse("spec.yaml", strings.NewReader(src))
	if err != nil {
		t.Fatal(err)
	}
	m, err := BuildModel(s, tensor.Shape{28, 28, 1}, 10)
	if err != nil {
		t.Fatal(err)
	}
	nodes := m.Nodes()
	if got := strings.Join(nodes[5].Inputs, ","); nodes[5].Layer.Name() != "sum" || got != "conv2d,activation" {
		t.Errorf("node 5 %s on %s", nodes[5].Layer.Name(), got)
	}
	if out := nodes[1].Output; !out.Equal(tensor.Shape{29, 29, 1}) {
		t.Errorf("zero padding output %v", out)
	}
}
