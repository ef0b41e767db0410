package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"

	"github.com/cnnscope/cnnscope/tensor"
)

// runDropoutTwice builds a Dropout (seeded by seed) on shape and runs two
// training Forward/Backward pairs at procs threads on x; dy is all ones,
// so dx is the mask times the survivors' scale.
func runDropoutTwice(t *testing.T, rate float64, shape tensor.Shape, x *tensor.Tensor, seed uint64, procs int) [][]float32 {
	t.Helper()
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
	l := &Dropout{Rate: rate}
	if _, err := l.Build(shape, rand.New(rand.NewPCG(seed, 3))); err != nil {
		t.Fatal(err)
	}
	var out [][]float32
	for step := 0; step < 2; step++ {
		y := slices.Clone(l.Forward(x, true).Data)
		dy := tensor.New(x.Shape...)
		for i := range dy.Data {
			dy.Data[i] = 1
		}
		out = append(out, y, slices.Clone(l.Backward(dy, true).Data))
	}
	return out
}

// TestDiffDropoutRandom: on random odd shapes and batch sizes, Dropout's
// y is x times 0 or float32(1/(1-rate)), dx is dy times the same factor
// (the same mask), the kept share is 1-rate within 5 standard errors,
// two calls draw different masks, and the masks are the same bits run
// after run and at 1, 2 and 3 threads.
func TestDiffDropoutRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(101, 102))
	for k := 0; k < 12; k++ {
		shape := tensor.Shape{1 + rng.IntN(33), 1 + rng.IntN(31), []int{1, 3, 15, 16, 17, 33, 65}[rng.IntN(7)]}
		n := []int{1, 2, 3, 31, 33}[rng.IntN(5)]
		rate := []float64{0.1, 0.25, 0.5, 0.75, 0.9}[rng.IntN(5)]
		x := randTensor(rng, 1, append([]int{n}, shape...)...)
		for i := range x.Data {
			if x.Data[i] == 0 {
				x.Data[i] = 1
			}
		}
		what := fmt.Sprintf("Dropout(%g) %v n%d", rate, shape, n)
		acrossThreads(t, what, func(procs int, check bool) [][]float32 {
			got := runDropoutTwice(t, rate, shape, x, uint64(k), procs)
			if check {
				checkDropout(t, what, rate, x.Data, got)
			}
			return got
		})
	}
}

// checkDropout checks both steps' y and dx against x and the rate.
func checkDropout(t *testing.T, what string, rate float64, x []float32, got [][]float32) {
	t.Helper()
	keep := float32(1 / (1 - rate))
	same := true
	for step := 0; step < 2; step++ {
		y, dx := got[2*step], got[2*step+1]
		kept := 0
		for i := range x {
			switch {
			case y[i] == x[i]*keep && dx[i] == keep:
				kept++
			case y[i] != 0 || dx[i] != 0:
				t.Fatalf("%s step %d: y[%d] = %v, dx %v for x %v (scale %v)", what, step, i, y[i], dx[i], x[i], keep)
			}
			if step == 1 && (y[i] == 0) != (got[0][i] == 0) {
				same = false
			}
		}
		p, m := 1-rate, float64(len(x))
		if share := float64(kept) / m; math.Abs(share-p) > 5*math.Sqrt(p*(1-p)/m)+1e-9 {
			t.Fatalf("%s step %d: kept %d of %d (%.4f), want %.2f", what, step, kept, len(x), share, p)
		}
	}
	if same && len(x) > 64 {
		t.Fatalf("%s: the second call drew the first call's mask", what)
	}
}
