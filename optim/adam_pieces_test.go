package optim

import (
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"

	"github.com/cnnscope/cnnscope/kernels"
)

// Adam's Step cuts a large weight into pieces run as parallel tasks; the
// weights and slots after three steps have the bits of kernels.Adam on
// the whole weight, at 1 and 2 threads.
func TestAdamPiecesSameBits(t *testing.T) {
	n := 2*adamPiece + 123
	rng := rand.New(rand.NewPCG(5, 6))
	w0, grads := make([]float32, n), make([][]float32, 3)
	for i := range w0 {
		w0[i] = rng.Float32() - 0.5
	}
	for s := range grads {
		grads[s] = make([]float32, n)
		for i := range grads[s] {
			grads[s][i] = rng.Float32() - 0.5
		}
	}
	// the reference: kernels.Adam on the whole weight, Adam's own step sizes
	ref, m, v := slices.Clone(w0), make([]float32, n), make([]float32, n)
	a := NewAdam(Config{})
	c1, c2 := float32(1-a.Beta1), float32(1-a.Beta2)
	for s := range grads {
		a.iter = s
		kernels.Adam(ref, grads[s], m, v, a.alpha(1e-3), c1, c2, float32(a.Epsilon))
	}
	for _, procs := range []int{1, 2} {
		prev := runtime.GOMAXPROCS(procs)
		w := slices.Clone(w0)
		opt := NewAdam(Config{})
		for s := range grads {
			opt.Step(oneParam(w, slices.Clone(grads[s])))
		}
		runtime.GOMAXPROCS(prev)
		if !slices.Equal(w, ref) {
			t.Errorf("%d threads: the weights differ from kernels.Adam on the whole", procs)
		}
		if got := opt.State()["dense/kernel/m"].Data; !slices.Equal(got, m) {
			t.Errorf("%d threads: m differs", procs)
		}
	}
}
