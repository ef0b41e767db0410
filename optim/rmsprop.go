package optim

import "github.com/cnnscope/cnnscope/nn"

// RMSprop is Keras 3's RMSprop (lr 1e-3, rho 0.9, epsilon 1e-7):
//
//	v = ρv + (1-ρ)g²;  Δ = lr·g/sqrt(v + ε)   (centered: v - ā² + ε)
//
// then w -= Δ, or with momentum μ: m = μm + Δ; w -= m; in float32,
// operation for operation as Keras (1-ρ is rounded from float64 once).
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
	ps, lr64 := o.prepare(params)
	// In float32 as Keras computes it; 1 - rho is a Python float, computed
	// in float64 and rounded once.
	lr, rho, rho1 := float32(lr64), float32(o.Rho), float32(1-o.Rho)
	mu, eps := float32(o.Momentum), float32(o.Epsilon)
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
			gi := g[i]
			v[i] = float32(rho*v[i]) + float32(rho1*float32(gi*gi))
			var den float32
			if avg != nil {
				avg[i] = float32(rho*avg[i]) + float32(rho1*gi)
				den = v[i] - float32(avg[i]*avg[i]) + eps
			} else {
				den = v[i] + eps
			}
			inc := float32(lr*gi) / sqrt32(den)
			if m != nil {
				m[i] = float32(mu*m[i]) + inc
				w[i] -= m[i]
			} else {
				w[i] -= inc
			}
		}
	}
	o.iter++
}
