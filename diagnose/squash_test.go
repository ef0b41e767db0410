package diagnose

import (
	"math"
	"testing"

	"github.com/cnnscope/cnnscope/train"
)

// A stuck run of sigmoid layers whose gradients grow layer by layer
// toward the loss (first over last 0.076, over the 1e-2 stuck bound):
// vanishing_gradients is named first, on a run of 24 steps too, and
// lr_too_low is not at SGD 0.05 with momentum 0.9 (effective 0.5). The
// same norms through ReLU layers, or not rising layer by layer, are not
// vanishing gradients.
func TestSquashDecayNamesVanishing(t *testing.T) {
	grads := []float64{0.056, 0.085, 0.13, 2.9, 0.74}
	build := func(g []float64, act string) *Signals {
		s := stuckAtChance(t, 3)
		m, ls := sigmoidDeep(g)
		for i := range m.Layers {
			if m.Layers[i].Activation == "sigmoid" {
				m.Layers[i].Activation, ls[i].act = act, act
			}
			ls[i].ratio = 1e-4
		}
		s.Model = m
		s.Records = []train.StepRecord{record(1, 1, math.Log(10), ls)}
		s.Spec.Compile.Optimizer, s.Spec.Compile.LearningRate, s.Spec.Compile.Momentum = "sgd", 0.05, 0.9
		s.Facts.Loss.Truncate(24)
		return s
	}
	s := build(grads, "sigmoid")
	d := Analyze(s)
	if len(d.Findings) == 0 || d.Findings[0].ID != "vanishing_gradients" {
		t.Fatalf("first finding: %v", ids(d.Findings))
	}
	if f := find(d, "lr_too_low"); f != nil {
		t.Errorf("lr_too_low at SGD 0.05, momentum 0.9: %s", f.Title)
	}
	wantNone(t, "vanishing_gradients", build(grads, "relu"))
	wantNone(t, "vanishing_gradients", build([]float64{0.085, 0.056, 0.13, 2.9, 0.74}, "sigmoid"))
}

// Slow progress is put on SGD's rate only at or under its usual
// effective rate (0.01): plain SGD at 1e-3 is blamed, 0.05 with momentum
// 0.9 is not.
func TestSlowSGDBlamedOnlyAtALowRate(t *testing.T) {
	s := healthySignals(t, 3)
	s.Spec.Compile.Optimizer, s.Spec.Compile.LearningRate = "sgd", 1e-3
	if !rateCanBeBlamed(s) {
		t.Error("plain SGD at 1e-3")
	}
	s.Spec.Compile.LearningRate, s.Spec.Compile.Momentum = 0.05, 0.9
	if rateCanBeBlamed(s) {
		t.Error("SGD at 0.05 with momentum 0.9")
	}
}
