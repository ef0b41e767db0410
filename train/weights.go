package train

import (
	"math"

	"github.com/cnnscope/cnnscope/nn"
)

// snapshot holds copies of the values of a list of params, reusing its
// buffers from one take to the next.
type snapshot struct {
	data  [][]float32
	taken bool
}

// take copies the value of every param in ps.
func (s *snapshot) take(ps []nn.LayerParam) {
	if len(s.data) != len(ps) {
		s.data = make([][]float32, len(ps))
	}
	for i, p := range ps {
		if len(s.data[i]) != len(p.Value.Data) {
			s.data[i] = make([]float32, len(p.Value.Data))
		}
		copy(s.data[i], p.Value.Data)
	}
	s.taken = true
}

// restore copies the snapshot back into ps (the list it was taken from).
func (s *snapshot) restore(ps []nn.LayerParam) {
	if !s.taken {
		return
	}
	if len(s.data) != len(ps) {
		panic("train: restoring a weight snapshot into a different model")
	}
	for i, p := range ps {
		copy(p.Value.Data, s.data[i])
	}
}

// splitParams returns the trainable params (with a gradient) and the
// others (BatchNormalization's moving statistics), in layer order.
func splitParams(ps []nn.LayerParam) (trainable, other []nn.LayerParam) {
	for _, p := range ps {
		if p.Trainable && p.Grad != nil {
			trainable = append(trainable, p)
		} else {
			other = append(other, p)
		}
	}
	return trainable, other
}

// allFinite reports whether v holds no NaN or ±Inf. x*0 is ±0 for a
// finite x and NaN for NaN and ±Inf, and NaN sticks in a sum, so the loop
// has no branch; four sums let the additions overlap.
func allFinite(v []float32) bool {
	var a0, a1, a2, a3 float32
	n := len(v) &^ 3
	for i := 0; i < n; i += 4 {
		w := v[i : i+4 : i+4]
		a0 += w[0] * 0
		a1 += w[1] * 0
		a2 += w[2] * 0
		a3 += w[3] * 0
	}
	for _, x := range v[n:] {
		a0 += x * 0
	}
	return a0+a1+a2+a3 == 0
}

// finite reports whether v is neither NaN nor ±Inf.
func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
