package nn

import (
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/cnnscope/cnnscope/tensor"
)

// TestPointwiseTiles: a 1x1 convolution over enough rows to tile
// (conv2d_pointwise.go) gives the kernel gradient and dx of the naive
// float64 sums within float32 rounding, and the same bits at one and two
// threads; with fewer rows it does not tile.
func TestPointwiseTiles(t *testing.T) {
	const n, h, w, c, f = 3, 32, 24, 16, 40 // 2304 rows
	in := tensor.Shape{h, w, c}
	rng := rand.New(rand.NewPCG(5, 6))
	x := randTensor(rng, 1, n, h, w, c)
	dy := randTensor(rng, 1, n, h, w, f)
	var grads, dxs [2][]float32
	var kernel []float32
	for k, procs := range []int{1, 2} {
		func() {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
			l := &Conv2D{Filters: f, KernelSize: [2]int{1, 1}, NoBias: true}
			if _, err := l.Build(in, rand.New(rand.NewPCG(1, 2))); err != nil {
				t.Fatal(err)
			}
			l.Forward(x, true)
			if !l.pointwiseTiled() {
				t.Fatalf("%d rows do not tile", n*h*w)
			}
			d := dy.Clone()
			dx := l.Backward(d, true)
			grads[k], dxs[k], kernel = append([]float32(nil), l.kernel.Grad.Data...), append([]float32(nil), dx.Data...), l.kernel.Value.Data
		}()
	}
	sameFloats(t, "kernel gradient, 1 and 2 threads", grads[0], grads[1])
	sameFloats(t, "dx, 1 and 2 threads", dxs[0], dxs[1])
	rows := n * h * w
	for i := 0; i < c; i++ {
		for j := 0; j < f; j++ {
			var s, a float64
			for r := 0; r < rows; r++ {
				p := float64(x.Data[r*c+i]) * float64(dy.Data[r*f+j])
				s, a = s+p, a+math.Abs(p)
			}
			if d := math.Abs(float64(grads[0][i*f+j]) - s); d > 1e-5*a {
				t.Fatalf("kernel gradient [%d,%d] = %g, naive %g", i, j, grads[0][i*f+j], s)
			}
		}
	}
	for r := 0; r < rows; r++ {
		for i := 0; i < c; i++ {
			var s, a float64
			for j := 0; j < f; j++ {
				p := float64(dy.Data[r*f+j]) * float64(kernel[i*f+j])
				s, a = s+p, a+math.Abs(p)
			}
			if d := math.Abs(float64(dxs[0][r*c+i]) - s); d > 1e-5*a {
				t.Fatalf("dx [%d,%d] = %g, naive %g", r, i, dxs[0][r*c+i], s)
			}
		}
	}
	small := &Conv2D{Filters: f, KernelSize: [2]int{1, 1}, NoBias: true}
	if _, err := small.Build(in, rand.New(rand.NewPCG(1, 2))); err != nil {
		t.Fatal(err)
	}
	small.Forward(randTensor(rng, 1, 1, h, w, c), true)
	if small.pointwiseTiled() {
		t.Errorf("%d rows tile", h*w)
	}
}
