package nn

import (
	"math"

	"github.com/cnnscope/cnnscope/tensor"
)

// ActivationStats summarizes one layer's output on one batch, for
// diagnosis (dying ReLU, saturation, exploding activations, NaN).
type ActivationStats struct {
	Layer      string
	Activation string // the layer's activation function, "" when it has none
	Mean, Std  float64
	// ZeroFrac is the share of outputs that are exactly zero.
	ZeroFrac float64
	// SaturatedFrac is the share of outputs in the flat part of a
	// sigmoid (< 0.01 or > 0.99), tanh (|y| > 0.99) or softmax (> 0.99).
	SaturatedFrac float64
	// DeadFrac is the share of units (last-axis channels) that are zero
	// for every sample and position of the batch: dead ReLUs.
	DeadFrac float64
	// NonFinite counts NaN and ±Inf outputs.
	NonFinite int
}

// CollectStats turns activation statistics on or off for the following
// Forward calls. Off (the default) costs one branch per layer.
func (m *Sequential) CollectStats(on bool) { m.stats.on = on }

// Stats returns the statistics of the last Forward made with collection
// on, one per layer; nil when none was made. The slice is reused.
func (m *Sequential) Stats() []ActivationStats { return m.stats.last }

type statsCollector struct {
	on    bool
	last  []ActivationStats
	alive []bool
}

func (s *statsCollector) begin() {
	if s.on {
		s.last = s.last[:0]
	}
}

func (s *statsCollector) observe(i int, l Layer, y *tensor.Tensor) {
	if !s.on {
		return
	}
	st := ActivationStats{Layer: l.Name()}
	var lo, hi float32 = 1, -1 // saturated: y < lo or y > hi; none when lo > hi
	if a, ok := l.(activated); ok {
		st.Activation = a.activationName()
		switch st.Activation {
		case "sigmoid":
			lo, hi = 0.01, 0.99
		case "tanh":
			lo, hi = -0.99, 0.99
		case "softmax":
			lo, hi = float32(math.Inf(-1)), 0.99
		}
	}
	checkSat := lo <= hi
	c := y.Shape[len(y.Shape)-1]
	if cap(s.alive) < c {
		s.alive = make([]bool, c)
	}
	alive := s.alive[:c]
	clear(alive)
	var sum, sq float64
	var zeros, satur, finite int
	for r := 0; r+c <= len(y.Data); r += c {
		var rs, rq float32 // per-row partial sums in float32, folded into float64
		for j, v := range y.Data[r : r+c] {
			if v != v || v > math.MaxFloat32 || v < -math.MaxFloat32 {
				st.NonFinite++
				continue
			}
			finite++
			rs += v
			rq += v * v
			if v == 0 {
				zeros++
			} else {
				alive[j] = true
			}
			if checkSat && (v < lo || v > hi) {
				satur++
			}
		}
		sum += float64(rs)
		sq += float64(rq)
	}
	if finite > 0 {
		st.Mean = sum / float64(finite)
		st.Std = math.Sqrt(max(sq/float64(finite)-st.Mean*st.Mean, 0))
	}
	if n := len(y.Data); n > 0 {
		st.ZeroFrac = float64(zeros) / float64(n)
		st.SaturatedFrac = float64(satur) / float64(n)
	}
	dead := 0
	for _, a := range alive {
		if !a {
			dead++
		}
	}
	st.DeadFrac = float64(dead) / float64(c)
	s.last = append(s.last, st)
}
