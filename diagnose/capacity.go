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
// with no such layer (or none read). Raw marks a global pooling of the
// raw input (no convolution before it): its width is the input's
// channels, and the features are fixed statistics of the image (a mean
// colour) that no training can improve.
type bottleneck struct {
	Layer     string
	Width     int
	Raw       bool
	Pointwise bool // Raw because only 1×1 or linear convolutions come before
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
	filters, raw := 0, false
	for i, l := range layers {
		w, pw := 0, false
		switch {
		case layerIs(l.Type, "conv2d") || layerIs(l.Type, "separableconv2d"):
			filters = l.Filters
		case layerIs(l.Type, "globalaveragepooling2d") || layerIs(l.Type, "globalmaxpooling2d"):
			w, raw = filters, false
			if s.poolsInput(i) {
				w, raw = s.inputChannels(), true
			}
			pw = !raw && s.poolsPixels(i)
			raw = raw || pw
		case layerIs(l.Type, "dense") && i != last:
			w, raw = l.Units, false
		}
		// A raw-input pooling is the bottleneck whatever comes after it.
		if w > 0 && (!ok || raw && !b.Raw || !b.Raw && w < b.Width) {
			b, ok = bottleneck{Layer: l.Name, Width: w, Raw: raw, Pointwise: pw}, true
		}
	}
	return b, ok
}

// poolsInput reports whether layer i, a global pooling layer, pools the
// raw input: it names the model's input, or, in a chain, no layer with a
// spatial kernel comes before it.
func (s *Signals) poolsInput(i int) bool {
	ls := s.Model.Layers
	if in := ls[i].Inputs; len(in) > 0 {
		name := s.Model.InputName
		if name == "" {
			name = "input_layer"
		}
		return len(in) == 1 && in[0] == name
	}
	for _, l := range ls[:i] {
		if len(l.Inputs) > 0 || strings.Contains(strings.ToLower(l.Type), "conv") {
			return false
		}
	}
	return true
}

// poolsPixels reports whether layer i, a global pooling layer in a
// chain, pools features that see no shape: computed by 1×1 convolutions
// only (each a function of one pixel's colour), or by linear
// convolutions only (global averaging commutes with them: the pooled
// features are linear mixtures of the input's channel means, up to the
// borders), as when the raw input is pooled. Issue 10, seventh round
// (d): one 1×1 Conv2D with one filter before global average pooling sat
// at chance on two classes, and one linear 3×3 Conv2D (4 filters,
// stride 4) before it on five classes (sixth part), both named
// not_learning with their size never blamed. A linear convolution
// followed by a nonlinear one sees texture (an edge filter, rectified):
// mixed, it is not pixel-only.
func (s *Signals) poolsPixels(i int) bool {
	pointwise, linear, convs := true, true, 0
	for _, l := range s.Model.Layers[:i] {
		t := strings.ToLower(l.Type)
		switch {
		case len(l.Inputs) > 0 || strings.Contains(t, "pool"):
			return false
		case strings.Contains(t, "conv"):
			convs++
			pointwise = pointwise && len(l.KernelSize) == 2 && l.KernelSize[0] == 1 && l.KernelSize[1] == 1
			a := strings.ToLower(l.Activation)
			linear = linear && (a == "" || a == "linear")
		default:
			linear = false // an activation or normalization layer
		}
	}
	return convs > 0 && (pointwise || linear)
}

// inputChannels is the model input's channel count (0 when unknown).
func (s *Signals) inputChannels() int {
	if in := s.Model.Input; len(in) > 0 {
		return in[len(in)-1]
	}
	return 0
}

// tooNarrow is the evidence that the model's bottleneck is narrower than
// half the number of classes, or that the model pools the raw input
// (nil: neither, or the model is unknown).
func tooNarrow(s *Signals) *Evidence {
	b, ok := s.bottleneck()
	c := s.NumClasses()
	name := b.Layer
	if name == "" {
		name = "a layer"
	}
	var e Evidence
	switch {
	case !ok:
		return nil
	case b.Raw && !b.Pointwise && c >= 2:
		e = evm("bottleneck_width", float64(b.Width), float64(c),
			"%s pools the raw input: the model sees only %d number(s) per image (each channel's %s), no shape or texture, for %d classes",
			name, b.Width, poolWord(s, b.Layer), c)
	case c >= 3 && 2*b.Width < c:
		e = evm("bottleneck_width", float64(b.Width), float64(c)/2,
			"%s passes only %d feature(s) on toward the %d-class output: too few to separate the classes", name, b.Width, c)
	case b.Pointwise && c >= 2:
		e = evm("bottleneck_width", float64(b.Width), float64(c),
			"%s pools features of 1×1 or linear convolutions only: the model sees %d colour mixture(s) averaged over the image, no shape or texture, for %d classes",
			name, b.Width, c)
	default:
		return nil
	}
	e.Layer = b.Layer
	return &e
}

// poolWord is "mean" or "maximum" for a global pooling layer.
func poolWord(s *Signals, layer string) string {
	if i := s.layerIndex(layer); i >= 0 && strings.Contains(strings.ToLower(s.Model.Layers[i].Type), "max") {
		return "maximum"
	}
	return "mean"
}

// tooSmallModel reports whether an underfitting finding rests on the
// model's wiring (too narrow, or pooling the raw input): only that
// explains a run that does not learn at all (Detector.Decisive).
func tooSmallModel(f *Finding) bool {
	return len(f.Evidence) > 0 && f.Evidence[0].Metric == "bottleneck_width"
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
	if b, ok := s.bottleneck(); ok && b.Raw {
		f.Causes = []string{"global pooling right after the input (or after 1×1 or linear convolutions only) throws away every spatial pattern: nothing before it learns features"}
		f.Fixes = []string{fmt.Sprintf("add Conv2D layers before %s (model.layers: {type: Conv2D, filters: 32, kernel_size: 3, activation: relu}), or start from --model basic-cnn", b.Layer), largerModelFix}
	}
	return f
}
