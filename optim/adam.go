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
// as in PyTorch.
type Adam struct {
	base
	Beta1, Beta2, Epsilon float64
	AMSGrad               bool
	name                  string
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
	t := float64(o.iter + 1)
	b1, b2 := float32(o.Beta1), float32(o.Beta2)
	alpha := float32(lr * math.Sqrt(1-math.Pow(o.Beta2, t)) / (1 - math.Pow(o.Beta1, t)))
	eps := float32(o.Epsilon)
	for _, p := range ps {
		w, g := p.Value.Data, p.Grad.Data
		m, v := o.slot(p, "m"), o.slot(p, "v")
		if !o.AMSGrad { // the same loop as below, vectorized
			kernels.Adam(w, g, m, v, alpha, 1-b1, 1-b2, eps)
			continue
		}
		vh := o.slot(p, "vhat")
		for i := range w {
			gi := g[i]
			m[i] += (gi - m[i]) * (1 - b1)
			v[i] += (gi*gi - v[i]) * (1 - b2)
			vh[i] = max(vh[i], v[i])
			w[i] -= alpha * m[i] / (float32(math.Sqrt(float64(vh[i]))) + eps)
		}
	}
	o.iter++
}
