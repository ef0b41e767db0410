package diagnose

import (
	"strings"
	"testing"
)

// Detectors of the per-layer records: vanishing and exploding gradients,
// dying ReLU, saturated activations.

func TestDetectVanishingGradients(t *testing.T) {
	s := healthySignals(t, 3)
	wantNone(t, "vanishing_gradients", s)
	// Six sigmoid layers: the gradient shrinks ~4x per layer.
	s.Model.Layers[0].Activation = "sigmoid"
	setLayers(s, func(int) []synthLayer {
		l := healthyLayers()
		l[0].act, l[0].grad, l[0].dead = "sigmoid", 4e-4, 0
		return l
	})
	f := wantFinding(t, "vanishing_gradients", s, Warning)
	if f.Layer != "conv2d" || f.Step != 50 || !strings.Contains(f.Fixes[0], "use relu in conv2d") {
		t.Errorf("layer %q step %d fixes %v", f.Layer, f.Step, f.Fixes)
	}
	// One record is not enough.
	wantNone(t, "vanishing_gradients", prefix(s, 99))
	// A first layer with zero gradients because its ReLUs died is not
	// vanishing.
	s = healthySignals(t, 3)
	setLayers(s, func(int) []synthLayer {
		l := healthyLayers()
		l[0].grad, l[0].zero = 0, 1
		return l
	})
	wantNone(t, "vanishing_gradients", s)
}

func TestDetectExplodingGradients(t *testing.T) {
	s := healthySignals(t, 3)
	wantNone(t, "exploding_gradients", s)
	setLayers(s, func(st int) []synthLayer {
		l := healthyLayers()
		if st >= 100 {
			l[2].grad = 2e4
		}
		return l
	})
	f := wantFinding(t, "exploding_gradients", s, Warning)
	if f.Step != 100 || f.Layer != "conv2d_1" {
		t.Errorf("step %d layer %q", f.Step, f.Layer)
	}
	// AUTOTRAINER's first/last ratio over 70, in the two latest records.
	s = healthySignals(t, 3)
	setLayers(s, func(int) []synthLayer {
		l := healthyLayers()
		l[0].grad, l[len(l)-1].grad = 50, 0.5
		return l
	})
	s.Records[0] = record(1, 1, 2.3, func() []synthLayer { l := healthyLayers(); l[0].grad = 50; return l }())
	// (with the loss still near its start: once it has halved, a norm of
	// 50 is a model leaving its flat start; see classes_test.go)
	setLoss(s, func(int) float64 { return 2.2 }, func(int) float64 { return 0.2 })
	wantFinding(t, "exploding_gradients", s, Warning)
}

func TestDetectDyingReLU(t *testing.T) {
	s := healthySignals(t, 3)
	wantNone(t, "dying_relu", s)
	// Most of dense's units dead in two records in a row: warning.
	setLayers(s, func(st int) []synthLayer {
		l := healthyLayers()
		if st >= 200 {
			l[6].dead, l[6].zero = 0.85, 0.9
		}
		return l
	})
	// (in a run that does not learn: validation at chance; in one that
	// learns, a partly dead layer is information, see falsealarm_test.go)
	valAt(s, 10, 0.1)
	f := wantFinding(t, "dying_relu", s, Warning)
	if f.Layer != "dense" || !strings.Contains(f.Fixes[1], "leaky_relu") {
		t.Errorf("layer %q fixes %v", f.Layer, f.Fixes)
	}
	wantNone(t, "dying_relu", prefix(s, 200))
	// Every hidden layer's gradient exactly zero: critical from the first
	// such record (a dead network does not come back).
	s = healthySignals(t, 3)
	setLayers(s, func(st int) []synthLayer {
		l := healthyLayers()
		for i := range l[:len(l)-1] {
			l[i].grad, l[i].zero, l[i].dead = 0, 1, 1
		}
		return l
	})
	f = wantFinding(t, "dying_relu", prefix(s, 50), Critical)
	if f.Step != 50 {
		t.Errorf("step %d, want 50", f.Step)
	}
}

func TestDetectSaturatedActivations(t *testing.T) {
	s := healthySignals(t, 3)
	wantNone(t, "saturated_activations", s)
	setLayers(s, func(st int) []synthLayer {
		l := healthyLayers()
		l[6].act, l[6].saturated, l[6].dead = "tanh", 0.8, 0
		return l
	})
	if f := wantFinding(t, "saturated_activations", s, Warning); f.Layer != "dense" {
		t.Errorf("layer %q", f.Layer)
	}
	// The softmax output layer being confident is not saturation.
	s = healthySignals(t, 3)
	setLayers(s, func(st int) []synthLayer {
		l := healthyLayers()
		l[len(l)-1].saturated = 0.95
		return l
	})
	wantNone(t, "saturated_activations", s)
}
