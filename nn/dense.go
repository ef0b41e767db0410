package nn

import (
	"fmt"
	"math/rand/v2"

	"github.com/cnnscope/cnnscope/tensor"
)

func init() {
	registerLayer("Dense", layerKind{
		fields: []string{"units", "activation", "use_bias", "kernel_initializer", "bias_initializer"},
		make: func(s LayerSpec) (Layer, error) {
			return &Dense{Units: s.Units, NoBias: noBias(s), Activation: s.Activation, KernelInitializer: s.KernelInitializer, BiasInitializer: s.BiasInitializer}, nil
		},
		describe: func(l Layer, s *LayerSpec) {
			d := l.(*Dense)
			s.Units, s.Activation, s.KernelInitializer, s.BiasInitializer = d.Units, d.Activation, d.KernelInitializer, d.BiasInitializer
			s.UseBias = useBias(d.NoBias)
		},
	})
}

// Dense is Keras' Dense: y = act(x·kernel + bias) over the last axis, with
// kernel (in, units). Inputs of higher rank are treated as rows of their
// last axis, as Keras does.
type Dense struct {
	named
	Units             int
	NoBias            bool   // Keras' use_bias=False
	Activation        string // "" = linear
	KernelInitializer string // "" = glorot_uniform
	BiasInitializer   string // "" = zeros

	affine
	in, out tensor.Shape

	x     *tensor.Tensor
	y, dx *tensor.Tensor
}

func (l *Dense) Type() string { return "Dense" }

// validate checks the config on its own: units, activation, initializers.
func (l *Dense) validate() error {
	if l.Units <= 0 {
		return fmt.Errorf("units must be positive, got %d", l.Units)
	}
	if _, err := lookupActivation(l.Activation); err != nil {
		return err
	}
	return checkInitializers(l.KernelInitializer, l.BiasInitializer)
}

func (l *Dense) plan(in tensor.Shape) (footprint, error) {
	if len(in) == 0 || in[len(in)-1] <= 0 {
		return footprint{}, fmt.Errorf("expects an input with a last axis, got %v", in)
	}
	if err := l.validate(); err != nil {
		return footprint{}, err
	}
	out := append(in[:len(in)-1].Clone(), l.Units)
	fp := footprint{out: out, trainable: float64(in[len(in)-1]) * float64(l.Units)}
	if !l.NoBias {
		fp.trainable += float64(l.Units)
	}
	fp.buffers, fp.dx, fp.arena = values(out), values(in), true // y, dx
	if act, _ := lookupActivation(l.Activation); act.needsZ {
		fp.buffers += values(out) // the pre-activation
	}
	return fp, nil
}

func (l *Dense) Build(in tensor.Shape, rng *rand.Rand) (tensor.Shape, error) {
	if _, err := l.plan(in); err != nil {
		return nil, err
	}
	var err error
	if l.act, err = lookupActivation(l.Activation); err != nil {
		return nil, err
	}
	l.in = in.Clone()
	nin := in[len(in)-1]
	kinit, err := lookupInitializer(l.KernelInitializer, "glorot_uniform")
	if err != nil {
		return nil, err
	}
	l.kernel = newParam("kernel", true, nin, l.Units)
	kinit(l.kernel.Value.Data, nin, l.Units, rng)
	if !l.NoBias {
		binit, err := lookupInitializer(l.BiasInitializer, "zeros")
		if err != nil {
			return nil, err
		}
		l.bias = newParam("bias", true, l.Units)
		binit(l.bias.Value.Data, l.Units, l.Units, rng)
	}
	l.out = append(in[:len(in)-1].Clone(), l.Units)
	return l.out, nil
}

// Forward: x (N, ..., in) -> y (N, ..., units) = act(x·kernel + bias).
func (l *Dense) Forward(x *tensor.Tensor, training bool) *tensor.Tensor {
	n := batchOf(l, x, l.in)
	nin := l.in[len(l.in)-1]
	l.x = x
	y := output(l.arena, &l.y, x, n, l.out)
	l.forward(x.Data, len(x.Data)/nin, nin, y)
	return y
}

// Backward: dy (rows, units) -> dz; dkernel = xᵀ·dz (in, units);
// dbias = Σ dz; dx = dz·kernelᵀ (rows, in).
func (l *Dense) Backward(dy *tensor.Tensor, needDx bool) *tensor.Tensor {
	nin := l.in[len(l.in)-1]
	rows := len(l.x.Data) / nin
	if !needDx {
		l.backward(l.x.Data, rows, nin, l.y, dy, nil)
		return nil
	}
	dx := inputGrad(l.arena, &l.dx, dy, l.x.Shape[0], l.in)
	l.backward(l.x.Data, rows, nin, l.y, dy, dx.Data)
	return dx
}
