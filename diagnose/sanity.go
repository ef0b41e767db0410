package diagnose

import (
	"math"
	"math/rand/v2"
	"time"

	"github.com/cnnscope/cnnscope/nn"
	"github.com/cnnscope/cnnscope/spec"
	"github.com/cnnscope/cnnscope/tensor"
	"github.com/cnnscope/cnnscope/train"
)

// Sanity check (Karpathy's "overfit a single batch"): train a copy of the
// run's optimizer on sanitySamples fixed samples for up to sanitySteps
// steps. It stops early once the loss is under 5% of where it started.
const (
	sanitySamples = 32
	sanitySteps   = 200
	sanityDone    = 0.05
)

// randomLayer is a layer with a random source (Dropout).
type randomLayer interface {
	RNG() *rand.PCG
}

// sanityCheck overfits the first samples of x and puts the model's
// weights and random state back afterwards.
func sanityCheck(spec *spec.Spec, m nn.Model, loss nn.Loss, x *tensor.Tensor, labels []int32) (*SanityFacts, error) {
	start := time.Now()
	n := min(sanitySamples, len(labels))
	per := len(x.Data) / len(labels)
	shape := append([]int{n}, x.Shape[1:]...)
	xs := tensor.FromData(append([]float32(nil), x.Data[:n*per]...), shape...)
	ys := append([]int32(nil), labels[:n]...)

	params := m.Params()
	saved := make([][]float32, len(params))
	for i, p := range params {
		saved[i] = append([]float32(nil), p.Value.Data...)
	}
	var rngs [][]byte
	for _, l := range nn.Layers(m) {
		if r, ok := l.(randomLayer); ok && r.RNG() != nil {
			b, err := r.RNG().MarshalBinary()
			if err != nil {
				return nil, err
			}
			rngs = append(rngs, b)
		}
	}
	defer func() {
		for i, p := range params {
			copy(p.Value.Data, saved[i])
		}
		k := 0
		for _, l := range nn.Layers(m) {
			if r, ok := l.(randomLayer); ok && r.RNG() != nil {
				_ = r.RNG().UnmarshalBinary(rngs[k])
				k++
			}
		}
	}()

	opt, err := train.NewOptimizer(spec.Compile)
	if err != nil {
		return nil, err
	}
	sf := &SanityFacts{Samples: n, MaxSteps: sanitySteps}
	var first float64
	for step := 1; step <= sanitySteps; step++ {
		l, _ := m.Gradients(xs, nn.Target{Labels: ys}, nil, loss, nil)
		if step == 1 {
			first = l
			sf.InitialLoss = train.JSONFloat(l)
		}
		sf.Steps, sf.FinalLoss = step, train.JSONFloat(l)
		if math.IsNaN(l) || math.IsInf(l, 0) || l < sanityDone*first {
			break
		}
		opt.Step(params)
	}
	out := m.Forward(xs, false)
	d := len(out.Data) / n
	correct := 0
	for i := 0; i < n; i++ {
		row := out.Data[i*d : (i+1)*d]
		p := 0
		for j, v := range row {
			if v > row[p] {
				p = j
			}
		}
		if p == int(ys[i]) {
			correct++
		}
	}
	sf.Accuracy = float64(correct) / float64(n)
	sf.Seconds = time.Since(start).Seconds()
	return sf, nil
}
