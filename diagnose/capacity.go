package diagnose

import (
	"fmt"
	"strings"
)

// A model too small for its task shows in its wiring: a layer that passes
// fewer than half as many features as there are classes to the layers
// after it (a Dense layer of 1-2 units before a 10-way output, or two
// convolution filters averaged by global pooling) cannot separate the
// classes whatever the learning rate: its updates are small because the
// model is (issue 10, third round: a 2-filter global-average-pooling
// model on 10 classes sat at chance with Adam at 1e-3 and was blamed on
// the learning rate).

// bottleneck is the narrowest feature width a chain model passes toward
// its output: the units of a Dense layer other than the last, or the
// filters a global pooling layer averages over. ok is false for a model
// with no such layer (or none read).
type bottleneck struct {
	Layer string
	Width int
}

func (s *Signals) bottleneck() (b bottleneck, ok bool) {
	if s.Model == nil {
		return b, false
	}
	layers := s.Model.Layers
	last := -1
	for i, l := range layers {
		if layerIs(l.Type, "dense") {
			last = i
		}
	}
	filters := 0
	for i, l := range layers {
		w := 0
		switch {
		case layerIs(l.Type, "conv2d") || layerIs(l.Type, "separableconv2d"):
			filters = l.Filters
		case layerIs(l.Type, "globalaveragepooling2d") || layerIs(l.Type, "globalmaxpooling2d"):
			w = filters
		case layerIs(l.Type, "dense") && i != last:
			w = l.Units
		}
		if w > 0 && (!ok || w < b.Width) {
			b, ok = bottleneck{Layer: l.Name, Width: w}, true
		}
	}
	return b, ok
}

// tooNarrow is the evidence that the model's bottleneck is narrower than
// half the number of classes (nil: it is not, or the model is unknown).
func tooNarrow(s *Signals) *Evidence {
	b, ok := s.bottleneck()
	c := s.NumClasses()
	if !ok || c < 3 || 2*b.Width >= c {
		return nil
	}
	name := b.Layer
	if name == "" {
		name = "a layer"
	}
	e := evm("bottleneck_width", float64(b.Width), float64(c)/2,
		"%s passes only %d feature(s) on toward the %d-class output: too few to separate the classes", name, b.Width, c)
	e.Layer = b.Layer
	return &e
}

// layerIs compares a layer type with a lower-case name without
// underscores (Conv2D, conv2d and conv_2d all match "conv2d").
func layerIs(typ, name string) bool {
	return strings.ReplaceAll(strings.ToLower(typ), "_", "") == name
}

// tooSmallFinding is underfitting's finding for a run whose model is too
// narrow to separate the classes (a warning: linked under not_learning it
// rises to critical).
func tooSmallFinding(s *Signals, e Evidence, best float64) *Finding {
	n := len(s.Epochs)
	f := &Finding{Severity: Warning, Epoch: n, Layer: e.Layer}
	if n > 0 {
		f.Step = int(s.Epochs[n-1]["step"])
	}
	f.Title = fmt.Sprintf("Underfitting: the model is too small for %d classes (accuracy %.3f)", s.NumClasses(), best)
	f.Evidence = []Evidence{e}
	f.Causes = []string{"the model is too small for the task"}
	f.Fixes = []string{largerModelFix}
	return f
}
