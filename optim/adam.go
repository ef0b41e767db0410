package optim

import (
	"math"

	"github.com/cnnscope/cnnscope/kernels"
	"github.com/cnnscope/cnnscope/nn"
)

// Adam is Keras 3's Adam (lr 1e-3, beta_1 0.9, beta_2 0.999, epsilon 1e-7):
//
//	m += (g - m)(1-β1);  v += (g² - v)(1-β2)
//	α = lr·sqrt(1-β2^t)/(1-β1^t);  w -= α·m/(sqrt(v)+ε)
//
// Note that ε is added to sqrt(v), not to the bias-corrected sqrt(v̂)
// as in PyTorch. The arithmetic is Keras' for a float32 model, operation
// for operation: 1-β is computed in float64 and rounded once (Keras
// multiplies by the Python float), α in float32 from float32(lr) and
// float32(β)^t (testdata/keras_formula.py is the reference).
type Adam struct {
	base
	Beta1, Beta2, Epsilon float64
	AMSGrad               bool
	name                  string

	pieces [][3]int    // update's tasks: param index, first and end value
	mv     [][]float32 // update's m and v slots, two per param
}

// NewAdam returns Adam with Keras' defaults.
func NewAdam(cfg Config) *Adam {
	return &Adam{base: newBase(cfg, 1e-3, "m", "v", "vhat"), Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-7, name: "adam"}
}

// NewAdamW returns AdamW: Adam with decoupled weight decay, by default
// 0.004 as in Keras.
func NewAdamW(cfg Config) *Adam {
	if cfg.WeightDecay == 0 {
		cfg.WeightDecay = 0.004
	}
	a := NewAdam(cfg)
	a.name = "adamw"
	return a
}

func (o *Adam) Name() string { return o.name }

func (o *Adam) Step(params []nn.LayerParam) {
	ps, lr := o.prepare(params)
	alpha := o.alpha(lr)
	// Keras multiplies by the Python floats 1 - beta: computed in float64,
	// then rounded to float32 once.
	c1, c2 := float32(1-o.Beta1), float32(1-o.Beta2)
	eps := float32(o.Epsilon)
	if !o.AMSGrad { // the loop below without vhat, vectorized
		o.update(ps, alpha, c1, c2, eps)
		o.iter++
		return
	}
	for _, p := range ps {
		w, g := p.Value.Data, p.Grad.Data
		m, v := o.slot(p, "m"), o.slot(p, "v")
		vh := o.slot(p, "vhat")
		for i := range w {
			gi := g[i]
			m[i] += float32((gi - m[i]) * c1)
			v[i] += float32((float32(gi*gi) - v[i]) * c2)
			vh[i] = max(vh[i], v[i])
			w[i] -= float32(alpha*m[i]) / (sqrt32(vh[i]) + eps)
		}
	}
	o.iter++
}

// adamPiece is the most values one task of update runs.
const adamPiece = 16 << 10

// update runs kernels.Adam on every param of ps, cut into pieces of at
// most adamPiece values that run as the tasks of one parallel region
// (each value's update is its own: the same bits however it is cut).
func (o *Adam) update(ps []nn.LayerParam, alpha, c1, c2, eps float32) {
	o.pieces = o.pieces[:0]
	o.mv = o.mv[:0]
	for j, p := range ps {
		o.mv = append(o.mv, o.slot(p, "m"), o.slot(p, "v")) // slots are made here, not in the tasks
		for lo := 0; lo < p.Value.Len(); lo += adamPiece {
			o.pieces = append(o.pieces, [3]int{j, lo, min(p.Value.Len(), lo+adamPiece)})
		}
	}
	kernels.ForEachTask(len(o.pieces), func(t int, _ *kernels.TaskScratch) {
		j, lo, hi := o.pieces[t][0], o.pieces[t][1], o.pieces[t][2]
		w, g, m, v := ps[j].Value.Data, ps[j].Grad.Data, o.mv[2*j], o.mv[2*j+1]
		kernels.Adam(w[lo:hi], g[lo:hi], m[lo:hi], v[lo:hi], alpha, c1, c2, eps)
	})
}

// alpha is Keras' bias-corrected step size, in float32 as Keras computes
// it: lr·sqrt(1 - β2^t) / (1 - β1^t) with β^t = float32(β)^float32(t).
func (o *Adam) alpha(lr float64) float32 {
	t := float64(o.iter + 1)
	p1 := float32(math.Pow(float64(float32(o.Beta1)), t))
	p2 := float32(math.Pow(float64(float32(o.Beta2)), t))
	return float32(float32(lr)*sqrt32(1-p2)) / (1 - p1)
}

// sqrt32 is float32's correctly rounded square root.
func sqrt32(x float32) float32 { return float32(math.Sqrt(float64(x))) }
