package nn

import (
	"time"

	"github.com/cnnscope/cnnscope/tensor"
)

// LayerTime is one layer's wall time and work over the calls made since
// TimeLayers(true): its Forward and Backward calls separately, each with
// the samples it ran and their FLOPs counted as ForwardFLOPs does
// (direct-method multiply-adds ×2, whatever algorithm ran: Winograd's
// saving shows as a higher rate). A Backward counts the kernel gradient
// when the layer learns and the input gradient when one was asked for.
type LayerTime struct {
	Layer, Type                     string
	Forward, Backward               time.Duration
	ForwardSamples, BackwardSamples int
	ForwardFLOP, BackwardFLOP       float64
	KernelSize                      [2]int // Conv2D only
	InChannels, Filters             int    // Conv2D only
	forwardPerSample                int
}

// layerClock times a Sequential's layers (TimeLayers); off, it costs one
// branch per layer call.
type layerClock struct {
	on    bool
	times []LayerTime
}

// TimeLayers turns per-layer timing on (clearing what was timed before)
// or off for the following Forward, Backward and Gradients calls;
// LayerTimes returns the totals. cnnscope bench --layers uses it.
func (m *Sequential) TimeLayers(on bool) {
	m.mustBeBuilt()
	m.clock.on = on
	m.clock.times = m.clock.times[:0]
	if !on {
		return
	}
	for _, l := range m.Layers {
		t := LayerTime{Layer: l.Name(), Type: l.Type(), forwardPerSample: layerFLOPs(l)}
		if c, ok := l.(*Conv2D); ok {
			t.KernelSize, t.InChannels, t.Filters = c.KernelSize, c.geom.C, c.Filters
		}
		m.clock.times = append(m.clock.times, t)
	}
}

// LayerTimes returns a copy of the per-layer totals since TimeLayers(true),
// in layer order; nil when timing is off.
func (m *Sequential) LayerTimes() []LayerTime {
	if !m.clock.on {
		return nil
	}
	return append([]LayerTime(nil), m.clock.times...)
}

// forwardLayer runs layer i's Forward, timed when the clock is on.
func (m *Sequential) forwardLayer(i int, x *tensor.Tensor, training bool) *tensor.Tensor {
	if !m.clock.on || i >= len(m.clock.times) {
		return m.Layers[i].Forward(x, training)
	}
	start := time.Now()
	y := m.Layers[i].Forward(x, training)
	t := &m.clock.times[i]
	t.Forward += time.Since(start)
	t.ForwardSamples += x.Shape[0]
	t.ForwardFLOP += float64(x.Shape[0]) * float64(t.forwardPerSample)
	return y
}

// backwardLayer runs layer i's Backward, timed when the clock is on.
func (m *Sequential) backwardLayer(i int, dy *tensor.Tensor, needDx bool) *tensor.Tensor {
	l := m.Layers[i]
	if !m.clock.on || i >= len(m.clock.times) {
		return l.Backward(dy, needDx)
	}
	start := time.Now()
	dx := l.Backward(dy, needDx)
	t := &m.clock.times[i]
	t.Backward += time.Since(start)
	n := dy.Shape[0]
	t.BackwardSamples += n
	passes := 0
	if needDx {
		passes++
	}
	if learns(l) {
		passes++
	}
	t.BackwardFLOP += float64(n) * float64(passes*t.forwardPerSample)
	return dx
}
