package diagnose

import (
	"math"
	"strings"
	"testing"
)

// Detectors of the loss trace: NaN, divergence, learning rate too high or
// too low, not learning. Each is checked on the healthy trace (silent) and
// on a faulty one, at step granularity.

func flat(v float64) func(int) float64 { return func(int) float64 { return v } }

func TestDetectNaN(t *testing.T) {
	s := healthySignals(t, 2)
	wantNone(t, "nan", s)
	setLoss(s, func(st int) float64 {
		if st >= 37 {
			return math.Inf(1)
		}
		return 2.3
	}, flat(0.1))
	f := wantFinding(t, "nan", s, Critical)
	if f.Step != 37 || f.Epoch != 1 {
		t.Errorf("step %d epoch %d, want 37 and 1", f.Step, f.Epoch)
	}
	// TerminateOnNaN's localization wins over the trace's.
	s.Facts.NaN = &NaNFacts{Step: 37, Epoch: 1, Phase: "forward", Layer: "conv2d_1", Reason: "terminated on NaN: ..."}
	f = wantFinding(t, "nan", s, Critical)
	if f.Layer != "conv2d_1" || !strings.Contains(f.Title, "forward pass in layer conv2d_1") {
		t.Errorf("localization lost: %q layer %q", f.Title, f.Layer)
	}
	// A non-finite gradient norm in a record localizes to layer and phase.
	s = healthySignals(t, 2)
	s.Records[3].Layers[4].Weights.GradNorm = jsonNaN()
	f = wantFinding(t, "nan", s, Critical)
	if f.Layer != "conv2d_2" || !strings.Contains(f.Title, "backward") {
		t.Errorf("got %q in %q", f.Title, f.Layer)
	}
}

func TestDetectDivergence(t *testing.T) {
	s := healthySignals(t, 2)
	wantNone(t, "divergence", s)
	// Adam at lr 1.0: 6x the initial loss from step 2 on.
	setLoss(s, func(st int) float64 {
		if st == 1 {
			return 2.3
		}
		return 14
	}, flat(0.1))
	f := wantFinding(t, "divergence", s, Critical)
	if f.Step > 8 || !unmistakable(Finding{ID: "divergence", Evidence: f.Evidence}) {
		t.Errorf("detected at step %d (%v), want within the first 8 steps and printed at once", f.Step, f.Evidence)
	}
	// BatchNormalization can start the training loss high (6.9 for
	// vgg-small against 2.6 in inference mode): falling from there is not
	// a divergence.
	s = healthySignals(t, 2)
	s.Facts.Init.Loss = 2.64
	setLoss(s, func(st int) float64 { return 0.1 + 6.8*math.Exp(-float64(st)/10) }, flat(0.5))
	wantNone(t, "divergence", s)
	wantNone(t, "lr_too_high", s)
	// One bad batch is not a divergence.
	s = healthySignals(t, 2)
	s.Facts.Loss.Loss[50] = 30
	wantNone(t, "divergence", s)
	// A relapse: learned down to 0.1, then back up to 2, and the model at
	// chance (one that stays clearly above chance is a warning:
	// TestRelapseUnderItsStartIsAWarning).
	s = healthySignals(t, 2)
	valAt(s, 100, 0.1)
	setLoss(s, func(st int) float64 {
		switch {
		case st < 5:
			return 2.3
		case st < 120:
			return 0.1
		}
		return 2
	}, flat(0.5))
	if f := wantFinding(t, "divergence", s, Critical); !strings.Contains(f.Title, "relapsed") || unmistakable(Finding{ID: "divergence", Evidence: f.Evidence}) {
		t.Errorf("title %q, evidence %v: want a relapse confirmed live like a judgement", f.Title, f.Evidence)
	}
	// A spike that recovers is a warning.
	s = healthySignals(t, 2)
	setLoss(s, func(st int) float64 {
		if st > 10 && st < 30 {
			return 12
		}
		return 2.3 * math.Exp(-float64(st)/30)
	}, flat(0.9))
	wantFinding(t, "divergence", s, Warning)
}

func TestDetectLRTooHigh(t *testing.T) {
	s := healthySignals(t, 2)
	wantNone(t, "lr_too_high", s)
	// The setting alone.
	s.Spec.Compile.LearningRate = 0.1
	f := wantFinding(t, "lr_too_high", s, Warning)
	if !strings.Contains(f.Fixes[0], "--lr 0.001") {
		t.Errorf("fix %q", f.Fixes[0])
	}
	// Update-to-weight ratio at step 1 (Adam at 1.0 gives about 14).
	s = healthySignals(t, 2)
	layers := healthyLayers()
	for i := range layers {
		layers[i].ratio = 14
	}
	s.Records[0] = record(1, 1, 2.3, layers)
	if f := wantFinding(t, "lr_too_high", s, Warning); f.Step != 1 {
		t.Errorf("step %d, want 1", f.Step)
	}
	// Batch loss spikes of 4x the initial loss (two: one the run recovers
	// from is a hard batch, see classes_test.go).
	s = healthySignals(t, 2)
	s.Facts.Loss.Max[27], s.Facts.Loss.Max[60] = 9.4, 9.4
	if f := wantFinding(t, "lr_too_high", s, Warning); f.Step != 28 {
		t.Errorf("step %d, want 28", f.Step)
	}
	// Validation accuracy oscillating (AUTOTRAINER's unstable loss), on
	// a validation split of 6,000 images.
	s = healthySignals(t, 8)
	setEpochs(s, "val_accuracy", 0.9, 0.8, 0.92, 0.78, 0.93, 0.8, 0.94, 0.81)
	for i := range s.Facts.Val {
		for k := range s.Facts.Val[i].Support {
			s.Facts.Val[i].Support[k] = 600
		}
	}
	wantFinding(t, "lr_too_high", s, Warning)
	// On 100 images swings of 0.14 are chance (3 standard errors: 0.17).
	for i := range s.Facts.Val {
		for k := range s.Facts.Val[i].Support {
			s.Facts.Val[i].Support[k] = 10
		}
	}
	wantNone(t, "lr_too_high", s)
}

func TestDetectLRTooLow(t *testing.T) {
	s := healthySignals(t, 3)
	wantNone(t, "lr_too_low", s)
	s.Spec.Compile.LearningRate = 1e-6
	wantFinding(t, "lr_too_low", s, Warning)
	// Plain SGD at 0.01: 93% of the initial loss at step 200, tiny updates.
	s = healthySignals(t, 3)
	s.Spec.Compile.Optimizer = "sgd"
	setLoss(s, func(st int) float64 { return 2.3 - 0.0008*float64(st) }, func(st int) float64 { return 0.1 + 0.0005*float64(st) })
	slow := healthyLayers()
	for i := range slow {
		slow[i].ratio = 4e-4
	}
	setLayers(s, func(int) []synthLayer { return slow })
	f := wantFinding(t, "lr_too_low", s, Warning)
	if f.Step != slowHorizon || !strings.Contains(strings.Join(f.Fixes, "; "), "--momentum 0.9") {
		t.Errorf("step %d fixes %v", f.Step, f.Fixes)
	}
	// Not before the horizon while the run goes on; a run that ended
	// before it is judged at its end.
	p := prefix(s, slowHorizon-1)
	p.Live = true
	wantNone(t, "lr_too_low", p)
	p.Final = true
	if f := wantFinding(t, "lr_too_low", p, Warning); f.Step != slowHorizon-1 {
		t.Errorf("judged at step %d, want %d", f.Step, slowHorizon-1)
	}
	// Slow because the gradients vanish: that is not the learning rate.
	setLayers(s, func(int) []synthLayer {
		l := healthyLayers()
		l[0].grad = 1e-5
		for i := range l {
			l[i].ratio = 4e-4
		}
		return l
	})
	wantNone(t, "lr_too_low", s)
}

func TestDetectNotLearning(t *testing.T) {
	s := healthySignals(t, 3)
	wantNone(t, "not_learning", s)
	// Stuck at chance with dead hidden layers: found from step 100.
	setLoss(s, flat(2.31), flat(0.1))
	dead := healthyLayers()
	for i := range dead[:len(dead)-1] {
		dead[i].grad, dead[i].zero, dead[i].dead = 0, 1, 1
	}
	setLayers(s, func(int) []synthLayer { return dead })
	f := wantFinding(t, "not_learning", s, Critical)
	if f.Step != stuckEarly {
		t.Errorf("step %d, want %d", f.Step, stuckEarly)
	}
	if !strings.Contains(f.Fixes[0], "--lr") {
		t.Errorf("first fix %q, want the learning rate", f.Fixes[0])
	}
	// Stuck with healthy updates (shuffled labels): from step 300.
	s = healthySignals(t, 4)
	setLoss(s, flat(2.302), flat(0.1))
	f = wantFinding(t, "not_learning", s, Critical)
	if f.Step != stuckMoving || !strings.Contains(f.Causes[0], "labels") {
		t.Errorf("step %d, causes %v", f.Step, f.Causes)
	}
	// Slowly learning with tiny updates is lr_too_low's, not this.
	s = healthySignals(t, 2)
	setLoss(s, func(st int) float64 { return 2.3 - 0.0002*float64(st) }, flat(0.12))
	setLayers(s, func(int) []synthLayer {
		l := healthyLayers()
		for i := range l {
			l[i].ratio = 3e-4
		}
		return l
	})
	wantNone(t, "not_learning", s)
	// A run that got going later is not reported.
	s = healthySignals(t, 4)
	setLoss(s, func(st int) float64 {
		if st < 320 {
			return 2.302
		}
		return 0.3
	}, func(st int) float64 {
		if st < 320 {
			return 0.1
		}
		return 0.9
	})
	wantNone(t, "not_learning", s)
}
