package nn

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/cnnscope/cnnscope/tensor"
)

func init() {
	registerLayer("BatchNormalization", layerKind{
		fields: []string{"momentum", "epsilon", "center", "scale"},
		make: func(s LayerSpec) (Layer, error) {
			if s.Scale.Number != nil {
				return nil, fmt.Errorf("BatchNormalization's scale is true or false, got %g", *s.Scale.Number)
			}
			return &BatchNormalization{Momentum: s.Momentum, Epsilon: s.Epsilon,
				NoCenter: s.Center != nil && !*s.Center, NoScale: s.Scale.Bool != nil && !*s.Scale.Bool}, nil
		},
		describe: func(l Layer, s *LayerSpec) {
			b := l.(*BatchNormalization)
			s.Momentum, s.Epsilon = b.Momentum, b.Epsilon
			if b.NoCenter {
				off := false
				s.Center = &off
			}
			if b.NoScale {
				s.Scale = boolArg(false)
			}
		},
	})
}

// BatchNormalization is Keras' BatchNormalization over the last axis
// (channels). In training it normalizes with the batch mean and biased
// variance and updates moving = moving*Momentum + batch*(1-Momentum); in
// inference it uses the moving statistics.
type BatchNormalization struct {
	named
	Momentum float64 // zero value: 0.99
	Epsilon  float64 // zero value: 1e-3
	NoCenter bool    // Keras' center=False: no beta
	NoScale  bool    // Keras' scale=False: no gamma

	gamma, beta, movingMean, movingVar *Param
	in                                 tensor.Shape
	c                                  int

	training   bool
	x          []float32 // the last Forward's input, or its output when written over it
	y          *tensor.Tensor
	inPlace    bool      // the model lets Forward write y over x (see pairInPlace)
	fused      actFusion // the activation after it, applied by Forward and undone by Backward (graph_fuse.go)
	arena      *arena    // where inference outputs go (nil: y)
	fromY      bool      // the last Forward did: x holds y, and xhat = (y - beta) * invGamma
	invGamma   []float64 // per channel, when fromY
	beta0      []float64
	invStd     []float64 // per channel, of the last Forward
	mean       []float64
	acc        [4][]float64   // per-channel scratch: sums, scale and shift, Backward's constants
	part       []float64      // per block of rows: partial sums and scratch (batchnorm_rows.go)
	keep       []byte         // the fused activation's gradient as bits, when keepOn (batchnorm_rows.go)
	keepOn     bool           // the last Forward trained with relu or relu6 fused and wrote keep
	noKeep     bool           // never keep the bits: the passes before them (A/B benchmarks only)
	hub        bnHub          // passes a DepthwiseConv2D next to it runs (batchnorm_hub.go)
	toAdd      bool           // its only reader is an Add with relu fused that can apply it (batchnorm_add.go)
	addOn      bool           // this Forward may leave its output to that Add
	addPending bool           // the last Forward left its output to the Add, which has not applied it yet
	gradAside  bool           // this Backward writes dx aside (gradOut), leaving dy (the Add asked: batchnorm_add.go)
	dxOverX    bool           // gradOut is the input: the layer before does without its output
	xt         *tensor.Tensor // the last Forward's input
	sync       *bnSync        // this shard's part in a sharded step (batchnorm_sync.go), nil otherwise
	dz         dzSums         // the sums that give the Conv2D before it its bias gradient (batchnorm_biasgrad.go)
}

func (l *BatchNormalization) Type() string { return "BatchNormalization" }

func (l *BatchNormalization) Params() []*Param {
	var ps []*Param
	if l.gamma != nil {
		ps = append(ps, l.gamma)
	}
	if l.beta != nil {
		ps = append(ps, l.beta)
	}
	return append(ps, l.movingMean, l.movingVar)
}

func (l *BatchNormalization) momentum() float64 {
	if l.Momentum == 0 {
		return 0.99
	}
	return l.Momentum
}

func (l *BatchNormalization) epsilon() float64 {
	if l.Epsilon == 0 {
		return 1e-3
	}
	return l.Epsilon
}

// validate checks momentum and epsilon (NaN included).
func (l *BatchNormalization) validate() error {
	if m := l.momentum(); !(m >= 0 && m < 1) {
		return fmt.Errorf("momentum must be in [0, 1), got %g", m)
	}
	if e := l.epsilon(); !(e > 0 && !math.IsInf(e, 1)) {
		return fmt.Errorf("epsilon must be positive and finite, got %g", l.Epsilon)
	}
	return nil
}

func (l *BatchNormalization) plan(in tensor.Shape) (footprint, error) {
	if len(in) == 0 || in[len(in)-1] <= 0 {
		return footprint{}, fmt.Errorf("expects an input with a channel axis, got %v", in)
	}
	if err := l.validate(); err != nil {
		return footprint{}, err
	}
	c := float64(in[len(in)-1])
	fp := footprint{out: in.Clone(), fixed: 2 * c, buffers: values(in), arena: true} // y (dx is computed in dy)
	if !l.NoScale {
		fp.trainable += c
	}
	if !l.NoCenter {
		fp.trainable += c
	}
	return fp, nil
}

func (l *BatchNormalization) Build(in tensor.Shape, _ *rand.Rand) (tensor.Shape, error) {
	if _, err := l.plan(in); err != nil {
		return nil, err
	}
	l.in, l.c = in.Clone(), in[len(in)-1]
	if !l.NoScale {
		l.gamma = newParam("gamma", true, l.c)
		fillRows(l.gamma.Value.Data, []float32{1})
	}
	if !l.NoCenter {
		l.beta = newParam("beta", true, l.c)
	}
	l.movingMean = newParam("moving_mean", false, l.c)
	l.movingVar = newParam("moving_variance", false, l.c)
	fillRows(l.movingVar.Value.Data, []float32{1})
	l.invStd, l.mean = make([]float64, l.c), make([]float64, l.c)
	for i := range l.acc {
		l.acc[i] = make([]float64, l.c)
	}
	l.invGamma, l.beta0 = make([]float64, l.c), make([]float64, l.c)
	return in.Clone(), nil
}

func (l *BatchNormalization) scaleShift(j int) (g, b float64) {
	g, b = 1, 0
	if l.gamma != nil {
		g = float64(l.gamma.Value.Data[j])
	}
	if l.beta != nil {
		b = float64(l.beta.Value.Data[j])
	}
	return g, b
}

// Forward: x (N, ..., C) -> xhat = (x - mean) * invStd -> y = gamma*xhat + beta.
// xhat is not kept: Backward recomputes it from x, with the same rounding.
func (l *BatchNormalization) Forward(x *tensor.Tensor, training bool) *tensor.Tensor {
	n := batchOf(l, x, l.in)
	c := l.c
	rows := len(x.Data) / c
	training = training && !l.frozen() // Keras 3: a frozen BatchNormalization runs in inference mode
	l.training = training
	l.hub.begin()
	l.gradAside, l.addPending = false, false // set again by this step's Add (batchnorm_add.go)
	out := x
	l.x, l.xt = x.Data, x
	if l.fromY = l.inPlace && l.fused.act == nil && l.invertible(); !l.fromY {
		out = output(l.arena, &l.y, x, n, l.in)
	}
	l.fused.y = out.Data
	eps := l.epsilon()
	if training {
		sq, all := l.batchStats(x.Data, rows)
		mom := l.momentum()
		for j := range sq {
			v := sq[j] / float64(all) // biased, as Keras
			l.invStd[j] = 1 / math.Sqrt(v+eps)
			if !l.sync.ownGrads() { // shard 0 updates the shared moving statistics
				continue
			}
			mm, mv := &l.movingMean.Value.Data[j], &l.movingVar.Value.Data[j]
			*mm = float32(float64(*mm)*mom + l.mean[j]*(1-mom))
			*mv = float32(float64(*mv)*mom + v*(1-mom))
		}
	} else {
		l.hub.statsX = nil
		for j := 0; j < c; j++ {
			l.mean[j] = float64(l.movingMean.Value.Data[j])
			l.invStd[j] = 1 / math.Sqrt(float64(l.movingVar.Value.Data[j])+eps)
		}
	}
	scale, shift := l.acc[0], l.acc[1] // y = x*scale + shift
	for j := 0; j < c; j++ {
		g, b := l.scaleShift(j)
		scale[j] = g * l.invStd[j]
		shift[j] = b - l.mean[j]*scale[j]
	}
	if l.deferApply(len(x.Data)) { // the depthwise convolution after it writes out
		return out
	}
	if l.deferToAdd(len(x.Data)) { // the Add after it writes relu(out + r) (batchnorm_add.go)
		return out
	}
	l.normalize(x.Data, out.Data, rows)
	return out
}

func (l *BatchNormalization) setInPlace(on bool)           { l.inPlace = on }
func (l *BatchNormalization) fuseActivation(a *activation) { l.fused.act = a }
func (l *BatchNormalization) setArena(a *arena)            { l.arena = a }

// maxShiftOverScale bounds |beta/gamma| for recomputing xhat from the
// output: y = gamma*xhat + beta carries a rounding error of about
// 2^-24·|beta|, which (y - beta)/gamma hands to xhat times 1/|gamma|; at
// |beta/gamma| ≤ 1024 that stays under 2^-14 (beyond it, the layer keeps
// a buffer of its own).
const maxShiftOverScale = 1024

// invertible reports whether xhat can be recomputed from y: every gamma
// is finite, not zero, and not tiny against its beta (maxShiftOverScale).
// It sets invGamma and beta0 for xhat.
func (l *BatchNormalization) invertible() bool {
	for j := 0; j < l.c; j++ {
		g, b := l.scaleShift(j)
		if g == 0 || math.IsInf(1/g, 0) || math.IsNaN(g) || math.IsInf(g, 0) || math.Abs(b) > maxShiftOverScale*math.Abs(g) {
			return false
		}
		l.invGamma[j], l.beta0[j] = 1/g, b
	}
	return true
}
