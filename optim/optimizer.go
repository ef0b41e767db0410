// Package optim holds the optimizers, with Keras 3's update rules and
// defaults: SGD (momentum, Nesterov), Adam, AdamW and RMSprop, gradient
// clipping (clipnorm, clipvalue, global_clipnorm), decoupled weight decay
// and a learning-rate hook for schedules.
package optim

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/cnnscope/cnnscope/nn"
	"github.com/cnnscope/cnnscope/tensor"
)

// Optimizer updates a model's trainable weights from their gradients.
type Optimizer interface {
	// Name is Keras' name: "sgd", "adam", "adamw", "rmsprop".
	Name() string
	// Step applies one update to every trainable param from its Grad
	// (which clipping may modify).
	Step(params []nn.LayerParam)
	// LearningRate is the rate the next Step will use.
	LearningRate() float64
	// SetLearningRate changes the base rate (callbacks such as
	// ReduceLROnPlateau use it).
	SetLearningRate(lr float64)
	// Iterations is the number of Steps taken.
	Iterations() int
	// State returns the optimizer's slot variables by name (e.g.
	// "dense/kernel/m") for checkpoints; SetState restores them and the
	// iteration count.
	State() map[string]*tensor.Tensor
	SetState(iterations int, slots map[string]*tensor.Tensor) error
}

// Config is what every optimizer shares (Keras' base Optimizer
// arguments). Zero values mean off, except LearningRate, whose zero value
// means the optimizer's default.
type Config struct {
	LearningRate   float64
	ClipNorm       float64 // clip each gradient to this L2 norm
	ClipValue      float64 // clip each gradient element to [-v, v]
	GlobalClipNorm float64 // clip all gradients together to this L2 norm
	WeightDecay    float64 // decoupled: w -= lr*wd*w before the update
	// Schedule, when set, gives the learning rate for an iteration
	// (0-based), overriding LearningRate: the hook for schedules.
	Schedule func(iteration int) float64
}

// Check reports a setting Keras refuses: a negative or non-finite value,
// or more than one kind of clipping (Keras takes one of clipnorm,
// global_clipnorm and clipvalue). Errors use Keras' argument names.
func (c Config) Check() error {
	vals := []struct {
		name string
		v    float64
	}{{"learning_rate", c.LearningRate}, {"clipnorm", c.ClipNorm}, {"clipvalue", c.ClipValue},
		{"global_clipnorm", c.GlobalClipNorm}, {"weight_decay", c.WeightDecay}}
	var clips []string
	for _, x := range vals {
		if math.IsNaN(x.v) || math.IsInf(x.v, 0) || x.v < 0 {
			return fmt.Errorf("%s %v: want a finite number >= 0", x.name, x.v)
		}
		if x.v > 0 && strings.Contains(x.name, "clip") {
			clips = append(clips, x.name)
		}
	}
	if len(clips) > 1 {
		return fmt.Errorf("%s are set: Keras takes only one of clipnorm, global_clipnorm and clipvalue", strings.Join(clips, " and "))
	}
	return nil
}

// base holds the shared state and mechanics.
type base struct {
	cfg   Config
	iter  int
	slots map[string]*tensor.Tensor
	names []string // slot names an optimizer uses per param, e.g. m, v
	// bound caches slots by param and name so that a step builds no
	// "layer/variable/slot" strings; rebuilt whenever slots is replaced.
	bound     map[slotKey]*tensor.Tensor
	trainable []nn.LayerParam // prepare's result, reused from step to step
}

type slotKey struct {
	p    *nn.Param
	name string
}

func newBase(cfg Config, defaultLR float64, names ...string) base {
	if cfg.LearningRate == 0 {
		cfg.LearningRate = defaultLR
	}
	return base{cfg: cfg, slots: map[string]*tensor.Tensor{}, names: names}
}

func (b *base) LearningRate() float64 {
	if b.cfg.Schedule != nil {
		return b.cfg.Schedule(b.iter)
	}
	return b.cfg.LearningRate
}

func (b *base) SetLearningRate(lr float64) { b.cfg.LearningRate = lr }
func (b *base) Iterations() int            { return b.iter }

func (b *base) State() map[string]*tensor.Tensor { return b.slots }

func (b *base) SetState(iterations int, slots map[string]*tensor.Tensor) error {
	if iterations < 0 {
		return fmt.Errorf("optimizer state: negative iteration count %d", iterations)
	}
	for name := range slots {
		ok := false
		for _, s := range b.names {
			ok = ok || strings.HasSuffix(name, "/"+s)
		}
		if !ok {
			return fmt.Errorf("optimizer state: unexpected slot %q (this optimizer keeps %v)", name, b.names)
		}
	}
	b.iter = iterations
	b.bound = nil
	b.slots = map[string]*tensor.Tensor{}
	for k, v := range slots {
		b.slots[k] = v.Clone()
	}
	return nil
}

// slot returns the named slot of p, created as zeros on first use.
func (b *base) slot(p nn.LayerParam, name string) []float32 {
	k := slotKey{p.Param, name}
	if t, ok := b.bound[k]; ok && t.Len() == p.Value.Len() {
		return t.Data
	}
	key := p.FullName() + "/" + name
	t, ok := b.slots[key]
	if !ok || t.Len() != p.Value.Len() {
		t = tensor.New(p.Value.Shape...)
		b.slots[key] = t
	}
	if b.bound == nil {
		b.bound = map[slotKey]*tensor.Tensor{}
	}
	b.bound[k] = t
	return t.Data
}

// prepare runs the steps Keras runs before every update: gradient
// clipping (one kind, in Keras' order of precedence: clipnorm,
// global_clipnorm, clipvalue) and decoupled weight decay, in float32 as
// Keras computes them. It returns the trainable params and the learning
// rate of this step.
func (b *base) prepare(params []nn.LayerParam) ([]nn.LayerParam, float64) {
	lr := b.LearningRate()
	ps := b.trainable[:0]
	for _, p := range params {
		if p.Trainable && p.Grad != nil {
			ps = append(ps, p)
		}
	}
	b.trainable = ps
	switch {
	case b.cfg.ClipNorm > 0:
		c := float32(b.cfg.ClipNorm)
		for _, p := range ps {
			// g·c / max(‖g‖, c), applied even when ‖g‖ <= c, as Keras does.
			n := norm(p.Grad.Data)
			scaleBy(p.Grad.Data, c, max(n, c))
		}
	case b.cfg.GlobalClipNorm > 0:
		var sq float64
		for _, p := range ps {
			n := float64(norm(p.Grad.Data))
			sq += n * n
		}
		n := float32(math.Sqrt(sq))
		c := float32(b.cfg.GlobalClipNorm)
		// c·min(1/‖g‖, 1/c), NaN when the norm is not finite.
		scale := float32(c*min(1/n, float32(1/b.cfg.GlobalClipNorm))) + (n - n)
		for _, p := range ps {
			for i := range p.Grad.Data {
				p.Grad.Data[i] *= scale
			}
		}
	case b.cfg.ClipValue > 0:
		c := float32(b.cfg.ClipValue)
		for _, p := range ps {
			for i, g := range p.Grad.Data {
				p.Grad.Data[i] = max(-c, min(c, g))
			}
		}
	}
	if wd := float32(b.cfg.WeightDecay); wd > 0 {
		flr := float32(lr)
		for _, p := range ps {
			for i, w := range p.Value.Data {
				p.Value.Data[i] = w - float32(float32(w*wd)*flr) // w - w·wd·lr
			}
		}
	}
	return ps, lr
}

// norm is the L2 norm of v, summed in float64 and rounded to float32.
func norm(v []float32) float32 {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	return float32(math.Sqrt(s))
}

// scaleBy sets v to v·c/d, operation for operation as Keras' clipnorm.
func scaleBy(v []float32, c, d float32) {
	for i := range v {
		v[i] = float32(v[i]*c) / d
	}
}

// New returns the optimizer Keras calls name with the given config.
func New(name string, cfg Config) (Optimizer, error) {
	if err := cfg.Check(); err != nil {
		return nil, err
	}
	switch strings.ToLower(name) {
	case "sgd":
		return NewSGD(cfg, 0, false), nil
	case "adam":
		return NewAdam(cfg), nil
	case "adamw":
		return NewAdamW(cfg), nil
	case "rmsprop":
		return NewRMSprop(cfg), nil
	}
	return nil, fmt.Errorf("unknown optimizer %q (want one of %s)", name, strings.Join(Names(), ", "))
}

// Names lists the optimizer names New accepts.
func Names() []string {
	n := []string{"sgd", "adam", "adamw", "rmsprop"}
	sort.Strings(n)
	return n
}
