package faults

import (
	"slices"

	"github.com/cnnscope/cnnscope/nn"
	"github.com/cnnscope/cnnscope/spec"
)

// Predicates on a scenario's spec, shared by the parts' per-scenario
// checks (seventhSpecChecks, eighthSpecChecks).

// layerCount counts the layers of type typ (with activation act, when
// act is not "").
func layerCount(s *spec.Spec, typ, act string) int {
	return countLayers(s, func(t, a string, _ float64) bool { return t == typ && (act == "" || a == act) })
}

// dropoutCount counts the Dropout layers at rate r.
func dropoutCount(s *spec.Spec, r float64) int {
	return countLayers(s, func(t, _ string, v float64) bool { return t == "Dropout" && v == r })
}

// lastLayer is the last layer's "type:activation".
func lastLayer(s *spec.Spec) string {
	l := s.Model.Layers[len(s.Model.Layers)-1]
	return l.Type + ":" + l.Activation
}

// everyInit reports whether every layer of type typ has kernel
// initializer init.
func everyInit(s *spec.Spec, typ, init string) bool {
	return !slices.ContainsFunc(s.Model.Layers, func(l nn.LayerSpec) bool { return l.Type == typ && l.KernelInitializer != init })
}

// bnCount counts the BatchNormalization layers at momentum m.
func bnCount(s *spec.Spec, m float64) int {
	n := 0
	for _, l := range s.Model.Layers {
		if l.Type == "BatchNormalization" && l.Momentum == m {
			n++
		}
	}
	return n
}

// usesOptimizer reports whether the spec compiles optimizer name at
// learning rate lr.
func usesOptimizer(s *spec.Spec, name string, lr float64) bool {
	return s.Compile.Optimizer == name && s.Compile.LearningRate == lr
}
