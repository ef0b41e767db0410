package optim

import (
	"math"

	"github.com/cnnscope/cnnscope/nn"
)

// RMSprop is Keras 3's RMSprop (lr 1e-3, rho 0.9, epsilon 1e-7):
//
//	v = ρv + (1-ρ)g²;  Δ = lr·g/sqrt(v + ε)   (centered: v - ā² + ε)
//
// then w -= Δ, or with momentum μ: m = μm + Δ; w -= m.
type RMSprop struct {
	base
	Rho, Momentum, Epsilon float64
	Centered               bool
}

// NewRMSprop returns RMSprop with Keras' defaults.
func NewRMSprop(cfg Config) *RMSprop {
	return &RMSprop{base: newBase(cfg, 1e-3, "velocity", "average_gradient", "momentum"), Rho: 0.9, Epsilon: 1e-7}
}

func (o *RMSprop) Name() string { return "rmsprop" }

func (o *RMSprop) Step(params []nn.LayerParam) {
	ps, lr := o.prepare(params)
	rho, mu, eps := o.Rho, float32(o.Momentum), o.Epsilon
	for _, p := range ps {
		w, g := p.Value.Data, p.Grad.Data
		v := o.slot(p, "velocity")
		var avg, m []float32
		if o.Centered {
			avg = o.slot(p, "average_gradient")
		}
		if o.Momentum > 0 {
			m = o.slot(p, "momentum")
		}
		for i := range w {
			gi := float64(g[i])
			v[i] = float32(rho*float64(v[i]) + (1-rho)*gi*gi)
			den := float64(v[i])
			if avg != nil {
				avg[i] = float32(rho*float64(avg[i]) + (1-rho)*gi)
				den -= float64(avg[i]) * float64(avg[i])
			}
			inc := float32(lr * gi / math.Sqrt(den+eps))
			if m != nil {
				m[i] = mu*m[i] + inc
				w[i] -= m[i]
			} else {
				w[i] -= inc
			}
		}
	}
	o.iter++
}
