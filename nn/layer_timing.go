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
// when the layer learns and the input gradient when one was asked for. In
// a Graph, a layer whose work another node does (an activation fused into
// the layer before it, a BatchNormalization folded into its convolution)
// shows no time of its own.
type LayerTime struct {
	Layer, Type                     string
	Forward, Backward               time.Duration
	ForwardSamples, BackwardSamples int
	ForwardFLOP, BackwardFLOP       float64
	KernelSize                      [2]int // Conv2D only
	InChannels, Filters             int    // Conv2D only
	forwardPerSample                int
}

// layerClock times a model's layers (TimeLayers), one entry per layer
// call in Forward's order; off, it costs one branch per layer call.
type layerClock struct {
	on    bool
	times []LayerTime
}

// reset turns the clock on (with zero totals for layers) or off.
func (c *layerClock) reset(on bool, layers []Layer) {
	c.on = on
	c.times = c.times[:0]
	if !on {
		return
	}
	for _, l := range layers {
		t := LayerTime{Layer: l.Name(), Type: l.Type(), forwardPerSample: layerFLOPs(l)}
		if cv, ok := l.(*Conv2D); ok {
			t.KernelSize, t.InChannels, t.Filters = cv.KernelSize, cv.geom.C, cv.Filters
		}
		c.times = append(c.times, t)
	}
}

// timing reports whether call i is timed; start is then its start.
func (c *layerClock) timing(i int) (start time.Time, on bool) {
	if !c.on || i >= len(c.times) {
		return time.Time{}, false
	}
	return time.Now(), true
}

// forward adds a Forward of call i on n samples that began at start.
func (c *layerClock) forward(i, n int, start time.Time) {
	t := &c.times[i]
	t.Forward += time.Since(start)
	t.ForwardSamples += n
	t.ForwardFLOP += float64(n) * float64(t.forwardPerSample)
}

// backward adds a Backward of call i (layer l) on n samples that began at
// start, with or without the input gradient.
func (c *layerClock) backward(i, n int, l Layer, needDx bool, start time.Time) {
	t := &c.times[i]
	t.Backward += time.Since(start)
	t.BackwardSamples += n
	passes := 0
	if needDx {
		passes++
	}
	if learns(l) {
		passes++
	}
	t.BackwardFLOP += float64(n) * float64(passes*t.forwardPerSample)
}

// result is a copy of the totals, nil when the clock is off.
func (c *layerClock) result() []LayerTime {
	if !c.on {
		return nil
	}
	return append([]LayerTime(nil), c.times...)
}

// TimeLayers turns per-layer timing on (clearing what was timed before)
// or off for the following Forward, Backward and Gradients calls;
// LayerTimes returns the totals. cnnscope bench --layers uses it.
func (m *Sequential) TimeLayers(on bool) {
	m.mustBeBuilt()
	m.clock.reset(on, m.Layers)
}

// LayerTimes returns a copy of the per-layer totals since TimeLayers(true),
// in layer order; nil when timing is off.
func (m *Sequential) LayerTimes() []LayerTime { return m.clock.result() }

// TimeLayers is Sequential.TimeLayers for a Graph's layer calls.
func (g *Graph) TimeLayers(on bool) {
	g.mustBeBuilt()
	g.clock.reset(on, Layers(g))
}

// LayerTimes returns a copy of the per-call totals since TimeLayers(true),
// in Nodes order; nil when timing is off.
func (g *Graph) LayerTimes() []LayerTime { return g.clock.result() }

// forwardLayer runs layer i's Forward, timed when the clock is on.
func (m *Sequential) forwardLayer(i int, x *tensor.Tensor, training bool) *tensor.Tensor {
	start, on := m.clock.timing(i)
	y := m.Layers[i].Forward(x, training)
	if on {
		m.clock.forward(i, x.Shape[0], start)
	}
	return y
}

// backwardLayer runs layer i's Backward, timed when the clock is on.
func (m *Sequential) backwardLayer(i int, dy *tensor.Tensor, needDx bool) *tensor.Tensor {
	start, on := m.clock.timing(i)
	dx := m.Layers[i].Backward(dy, needDx)
	if on {
		m.clock.backward(i, dy.Shape[0], m.Layers[i], needDx, start)
	}
	return dx
}
