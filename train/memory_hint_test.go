package train

import (
	"strings"
	"testing"

	"github.com/cnnscope/cnnscope/nn"
	"github.com/cnnscope/cnnscope/spec"
	"github.com/cnnscope/cnnscope/tensor"
)

// A model too large for the machine's memory is refused naming its
// input and what makes it smaller: a stranger's folder of phone photos
// (1500-4000 px, every size different) got the largest as its target
// size, 2881x3604, and basic-cnn was refused with "training needs about
// 239.4 GiB ... more than the 21.7 GiB of memory available" and no word
// of the input size or of --target-size.
func TestMemoryRefusalNamesTheInputAndTheFix(t *testing.T) {
	input := tensor.Shape{8000, 8000, 3}
	s := &spec.Spec{}
	s.Defaults()
	s.Model.Preset = "basic-cnn"
	m, err := nn.NewPreset("basic-cnn", input, 2)
	if err != nil {
		t.Fatal(err)
	}
	e, err := m.EstimateMemory(s.Fit.BatchSize, spec.OptimizerSlots(s.Compile))
	if err != nil {
		t.Fatal(err)
	}
	if e.Fits() == nil {
		t.Skipf("this machine has the memory for %s", e)
	}
	_, err = BuildModel(s, input, 2)
	if err == nil {
		t.Fatal("BuildModel: no error")
	}
	for _, want := range []string{"more than the", "input 8000x8000x3", "--target-size", "--batch"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}
