package train

import (
	"strings"
	"testing"

	"github.com/cnnscope/cnnscope/spec"
	"github.com/cnnscope/cnnscope/tensor"
)

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

// A model whose output is not one vector of class scores per image (a
// Dense on the image, without Flatten) is refused when it is built, not
// after training as "model has 7840 outputs for 10 classes"; a 1x1
// output map of one score per class is such a vector.
func TestBuildModelRefusesAnOutputThatIsNotAClassVector(t *testing.T) {
	for _, c := range []struct {
		layers string
		ok     bool
	}{
		{"    - {type: Dense, units: 10, activation: softmax}\n", false},
		{"    - {type: Conv2D, filters: 10, kernel_size: 28}\n", true},
		{"    - {type: Flatten}\n    - {type: Dense, units: 10}\n", true},
	} {
		s, err := spec.Parse("spec.yaml", strings.NewReader("data: {source: mnist}\nmodel:\n  layers:\n"+c.layers))
		if err != nil {
			t.Fatal(err)
		}
		_, err = BuildModel(s, tensor.Shape{28, 28, 1}, 10)
		if c.ok != (err == nil) || (err != nil && !strings.Contains(err.Error(), "(None, 28, 28, 10)")) {
			t.Errorf("%s: error %v", c.layers, err)
		}
	}
}

// Keras' binary classifier, one sigmoid output for two classes, is
// refused with what to write instead (evaluation and predict take one
// output per class).
func TestBuildModelExplainsASingleSigmoidOutput(t *testing.T) {
	s, err := spec.Parse("spec.yaml", strings.NewReader("data: {source: mnist}\nmodel:\n  layers:\n"+
		"    - {type: Flatten}\n    - {type: Dense, units: 1, activation: sigmoid}\ncompile: {loss: binary_crossentropy}\n"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = BuildModel(s, tensor.Shape{28, 28, 1}, 2)
	if err == nil || !strings.Contains(err.Error(), "single sigmoid output") || !strings.Contains(err.Error(), "units: 2") {
		t.Errorf("error %v, want it to explain the single sigmoid output", err)
	}
}
