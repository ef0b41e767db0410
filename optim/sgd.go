package optim

import "github.com/cnnscope/cnnscope/nn"

// SGD is Keras' SGD (default learning rate 0.01). With momentum μ it keeps
// a velocity m = μ·m - lr·g and applies w += m, or with Nesterov
// w += μ·m - lr·g.
type SGD struct {
	base
	Momentum float64
	Nesterov bool
}

// NewSGD returns SGD with the given momentum (0 for plain SGD).
func NewSGD(cfg Config, momentum float64, nesterov bool) *SGD {
	names := []string{}
	if momentum != 0 {
		names = append(names, "momentum")
	}
	return &SGD{base: newBase(cfg, 0.01, names...), Momentum: momentum, Nesterov: nesterov}
}

func (o *SGD) Name() string { return "sgd" }

func (o *SGD) Step(params []nn.LayerParam) {
	ps, lr := o.prepare(params)
	mu := float32(o.Momentum)
	flr := float32(lr)
	for _, p := range ps {
		w, g := p.Value.Data, p.Grad.Data
		if o.Momentum == 0 {
			for i := range w {
				w[i] -= float32(g[i] * flr)
			}
			continue
		}
		// The conversions round each product, so that no multiply-add is
		// fused: float32 operation for operation as Keras.
		m := o.slot(p, "momentum")
		for i := range w {
			m[i] = float32(m[i]*mu) - float32(g[i]*flr)
			if o.Nesterov {
				w[i] += float32(m[i]*mu) - float32(g[i]*flr)
			} else {
				w[i] += m[i]
			}
		}
	}
	o.iter++
}
