package nn

import "github.com/cnnscope/cnnscope/kernels"

// In a Sequential, a BatchNormalization right after a Conv2D or Dense
// whose activation is relu or linear writes its output over its input:
// the Conv2D or Dense keeps relu's mask as bits (outputReleaser) instead
// of reading its output again in Backward, and the BatchNormalization
// recomputes xhat from its own output, xhat = (y - beta) / gamma
// (inPlacer). This halves the activations of conv-relu-BN stacks. In a
// Graph a tensor may have several consumers, so nothing is written in
// place there.

// outputReleaser is a layer whose Backward can do without its output
// when its activation is relu (whose gradient needs only where the
// output is nonzero: kept as bits) or linear.
type outputReleaser interface {
	activationConfig() string // the configured activation's name
	setMaskOut(on bool)       // keep relu's mask: the output may be overwritten
}

// inPlacer is a layer that can write its output over its input.
type inPlacer interface{ setInPlace(on bool) }

// inPlacePairs calls fn(i) for every layer i that may write over its
// input: an inPlacer after an outputReleaser with relu or linear.
func inPlacePairs(layers []Layer, fn func(i int)) {
	for i := 1; i < len(layers); i++ {
		_, ok := layers[i].(inPlacer)
		r, ok2 := layers[i-1].(outputReleaser)
		if !ok || !ok2 {
			continue
		}
		if a, err := lookupActivation(r.activationConfig()); err == nil && (a.name == "relu" || a.name == "linear") {
			fn(i)
		}
	}
}

// pairInPlace sets up the pairs of a built model.
func pairInPlace(layers []Layer) {
	for _, l := range layers {
		if p, ok := l.(inPlacer); ok {
			p.setInPlace(false)
		}
		if r, ok := l.(outputReleaser); ok {
			r.setMaskOut(false)
		}
	}
	inPlacePairs(layers, func(i int) {
		layers[i].(inPlacer).setInPlace(true)
		layers[i-1].(outputReleaser).setMaskOut(true)
	})
}

// planInPlace takes the pairs' outputs out of the footprints: the
// inPlacer's output is its input, the releaser keeps a bit per output.
func planInPlace(layers []Layer, fps []footprint) {
	inPlacePairs(layers, func(i int) {
		fps[i].buffers -= values(fps[i].out)
		fps[i-1].buffers += values(fps[i-1].out) / 32
	})
}

func (f *affine) setMaskOut(on bool)       { f.maskOut = on }
func (l *Conv2D) activationConfig() string { return l.Activation }
func (l *Dense) activationConfig() string  { return l.Activation }

// keepReluMask sets mask bit i where relu's gradient keeps dy[i], by
// kernels.ReluGrad's rule (kernels.ReluMask).
func keepReluMask(mask []uint64, y []float32) []uint64 {
	words := (len(y) + 63) / 64
	if cap(mask) < words {
		mask = make([]uint64, words)
	}
	mask = mask[:words]
	kernels.ReluMask(mask, y)
	return mask
}

// applyReluMask zeroes dy where the mask's bit is clear
// (kernels.ApplyReluMask).
func applyReluMask(dy []float32, mask []uint64) { kernels.ApplyReluMask(dy, mask) }
