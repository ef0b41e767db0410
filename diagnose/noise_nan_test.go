package diagnose

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/cnnscope/cnnscope/data"
	"github.com/cnnscope/cnnscope/tensor"
	"github.com/cnnscope/cnnscope/train"
)

// A step whose outputs went NaN (the last step of a run that diverges)
// leaves no NaN in the label-noise facts: diagnosis.json, which holds
// them, could not be written (JSON has no NaN), and `cnnscope diagnose`
// of the run then lacked every live fact (TestLRTooHighFlaggedInFirstEpoch
// found more live than offline).
func TestNoiseFactsSkipNaNOutputs(t *testing.T) {
	var tr noiseTracker
	tr.reset(3, math.Log(3))
	nan := float32(math.NaN())
	for ep := range 2 {
		b := &train.StepInfo{Epoch: ep,
			Batch:     &data.Batch{Labels: []int32{0, 1, 2}, Indices: []int{0, 1, 2}},
			Output:    tensor.FromData([]float32{0.8, 0.1, 0.1, nan, nan, nan, 0.1, 0.1, 0.8}, 3, 3),
			PerSample: []float32{0.2, nan, 0.2}}
		if ep == 1 {
			b.Output.Data[0] = nan // a NaN in a row whose loss is finite
		}
		tr.observe(b)
	}
	nf := tr.facts(2, []string{"a", "b", "c"}, nil)
	if nf == nil || nf.Samples != 1 {
		t.Fatalf("facts %+v, want 1 sample seen in epoch 2 (the NaN rows skipped)", nf)
	}
	if _, err := json.Marshal(nf); err != nil {
		t.Fatal(err)
	}
	if nf.CorrectConf != float64(float32(0.8)) {
		t.Errorf("CorrectConf %v, want 0.8 (the third sample's)", nf.CorrectConf)
	}
}
