package nn

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"

	"github.com/cnnscope/cnnscope/tensor"
)

// TestDiffSeparableRandom: random SeparableConv2D layers (its depthwise
// step runs the depthwise kernels without a bias, its pointwise step an
// Sgemm) match the float64 composition: y, dx, the depthwise kernel's,
// the pointwise kernel's and the bias' gradients; the same bits run after
// run and at 1, 2 and 3 threads.
func TestDiffSeparableRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(121, 122))
	for k, d := range diffDWCases(rand.New(rand.NewPCG(123, 124)), 14) {
		f := []int{1, 3, 16, 17, 33}[rng.IntN(5)]
		if d.act == "relu6" {
			d.act = "relu"
		}
		acrossThreads(t, fmt.Sprintf("case %d %v f%d", k, d, f), func(procs int, check bool) [][]float32 {
			return runSeparable(t, d, f, procs, check)
		})
	}
}

func runSeparable(t *testing.T, d diffDW, f, procs int, check bool) [][]float32 {
	t.Helper()
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
	l := &SeparableConv2D{Filters: f, KernelSize: [2]int{d.kh, d.kw}, Strides: [2]int{d.s, d.s}, Padding: d.pad, DepthMultiplier: d.m, Activation: d.act}
	l.SetName("sep")
	in := tensor.Shape{d.h, d.w, d.c}
	out, err := l.Build(in, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatalf("%v: %v", d, err)
	}
	ps := l.Params() // depthwise kernel, pointwise kernel, bias
	for i := range ps[2].Value.Data {
		ps[2].Value.Data[i] = float32(i%5)*0.1 - 0.2
	}
	x := randTensor(rand.New(rand.NewPCG(3, uint64(d.c))), 2, append([]int{d.n}, in...)...)
	dy := randTensor(rand.New(rand.NewPCG(9, uint64(f))), 1, append([]int{d.n}, out...)...)
	y := slices.Clone(l.Forward(x, true).Data)
	got := [][]float32{y, slices.Clone(l.Backward(dy.Clone(), true).Data)}
	for _, p := range ps {
		got = append(got, slices.Clone(p.Grad.Data))
	}
	if !check {
		return got
	}
	g := l.dw.geom
	g.N = d.n
	cm := d.c * d.m
	a, _, _ := naiveDepthwise(g, d.m, x.Data, ps[0].Value.Data, nil, nil)
	w := ps[1].Value.Data
	z, dz := pointwiseRef(a, w, ps[2].Value.Data, cm, f), slices.Clone(dy.Data)
	actRef(d.act, z, y, dz)
	da, dw := make([]float32, len(a)), make([]float64, len(w))
	for r := 0; r < len(a)/cm; r++ {
		for i := 0; i < cm; i++ {
			var s float64
			for j := 0; j < f; j++ {
				s += float64(dz[r*f+j]) * float64(w[i*f+j])
				dw[i*f+j] += a[r*cm+i] * float64(dz[r*f+j])
			}
			da[r*cm+i] = float32(s)
		}
	}
	_, dx, dk := naiveDepthwise(g, d.m, x.Data, ps[0].Value.Data, nil, da)
	what := fmt.Sprintf("%v f%d", d, f)
	for i, want := range [][]float64{z, dx, dk, dw, sumChannels(dz, f)} {
		near64(t, fmt.Sprintf("%s value %d", what, i), got[i], want, 1e-4)
	}
	return got
}

// pointwiseRef is a (rows of c) times w (c×f) plus bias, in float64.
func pointwiseRef(a []float64, w, bias []float32, c, f int) []float64 {
	rows := len(a) / c
	z := make([]float64, rows*f)
	for r := 0; r < rows; r++ {
		for j := 0; j < f; j++ {
			s := float64(bias[j])
			for i := 0; i < c; i++ {
				s += a[r*c+i] * float64(w[i*f+j])
			}
			z[r*f+j] = s
		}
	}
	return z
}
