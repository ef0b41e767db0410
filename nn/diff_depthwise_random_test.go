package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"

	"github.com/cnnscope/cnnscope/kernels"
	"github.com/cnnscope/cnnscope/tensor"
)

// Differential tests of the DepthwiseConv2D kernels (4 pixels / 4 taps
// at a time, bias start, relu6 in the store, dx from zeros) and of a
// ZeroPadding2D handed to them in a Graph, over random shapes, against
// float64 direct sums, at 1, 2 and 3 threads.

// naiveDepthwise computes z = depthwise(x) + bias, dx and dkernel for
// the gradient dz by direct sums in float64 over geometry g (N set).
func naiveDepthwise(g kernels.ConvGeom, m int, x, k, bias, dz []float32) (z, dx, dk []float64) {
	cm := g.C * m
	z = make([]float64, g.N*g.OH*g.OW*cm)
	dx = make([]float64, len(x))
	dk = make([]float64, len(k))
	for o := range z {
		if bias != nil {
			z[o] = float64(bias[o%cm])
		}
	}
	for n := 0; n < g.N; n++ {
		for oh := 0; oh < g.OH; oh++ {
			for ow := 0; ow < g.OW; ow++ {
				o := ((n*g.OH+oh)*g.OW + ow) * cm
				for kh := 0; kh < g.KH; kh++ {
					for kw := 0; kw < g.KW; kw++ {
						ih, iw := oh*g.SH-g.PadTop+kh, ow*g.SW-g.PadLeft+kw
						if ih < 0 || ih >= g.H || iw < 0 || iw >= g.W {
							continue
						}
						for c := 0; c < g.C; c++ {
							xi := ((n*g.H+ih)*g.W+iw)*g.C + c
							for j := 0; j < m; j++ {
								ki, oi := (kh*g.KW+kw)*cm+c*m+j, o+c*m+j
								z[oi] += float64(x[xi]) * float64(k[ki])
								if dz != nil {
									dx[xi] += float64(dz[oi]) * float64(k[ki])
									dk[ki] += float64(x[xi]) * float64(dz[oi])
								}
							}
						}
					}
				}
			}
		}
	}
	return z, dx, dk
}

// actRef applies act (linear, relu, relu6) to z in place and zeroes dz
// where the layer's own output y says the activation was flat (a float32
// value within rounding of a corner may fall either side); dz may be nil.
func actRef(act string, z []float64, y, dz []float32) {
	for i := range z {
		switch act {
		case "relu":
			z[i] = math.Max(z[i], 0)
		case "relu6":
			z[i] = math.Min(math.Max(z[i], 0), 6)
		default:
			continue
		}
		if dz != nil && (y[i] <= 0 || (act == "relu6" && y[i] >= 6)) {
			dz[i] = 0
		}
	}
}

// diffDW is one random depthwise convolution.
type diffDW struct {
	h, w, c, m, kh, kw, s, n int
	pad, act                 string
}

func (d diffDW) String() string {
	return fmt.Sprintf("%dx%dx%d m%d k%dx%d s%d n%d %s %q", d.h, d.w, d.c, d.m, d.kh, d.kw, d.s, d.n, d.pad, d.act)
}

func diffDWCases(rng *rand.Rand, count int) []diffDW {
	cases := []diffDW{{33, 31, 16, 1, 3, 3, 2, 3, "same", "relu6"}, {1, 1, 65, 1, 3, 3, 1, 2, "same", "relu"}, {13, 9, 17, 2, 3, 3, 1, 31, "valid", ""}}
	sizes := [][2]int{{1, 1}, {5, 7}, {13, 9}, {8, 8}, {33, 31}, {2, 11}}
	chans := []int{1, 3, 15, 16, 17, 31, 32, 33, 48, 64, 65}
	for len(cases) < count {
		sz := sizes[rng.IntN(len(sizes))]
		d := diffDW{h: sz[0], w: sz[1], c: chans[rng.IntN(len(chans))], m: 1 + rng.IntN(2)*rng.IntN(3),
			kh: []int{1, 3, 5}[rng.IntN(3)], kw: []int{1, 3, 5}[rng.IntN(3)], s: 1 + rng.IntN(2),
			n: []int{1, 2, 3, 31, 33}[rng.IntN(5)], pad: []string{"same", "valid"}[rng.IntN(2)],
			act: []string{"", "relu", "relu6"}[rng.IntN(3)]}
		if d.pad == "valid" && (d.kh > d.h || d.kw > d.w) || d.n*d.h*d.w*d.c*d.m > 400_000 {
			continue
		}
		cases = append(cases, d)
	}
	return cases
}

// TestDiffDepthwiseRandom: random DepthwiseConv2D layers match the direct
// sums (y, dx, dkernel, dbias) and give the same bits run after run and
// at 1, 2 and 3 threads.
func TestDiffDepthwiseRandom(t *testing.T) {
	for _, d := range diffDWCases(rand.New(rand.NewPCG(71, 72)), 24) {
		acrossThreads(t, d.String(), func(procs int, check bool) [][]float32 {
			return runDiffDW(t, d, procs, check)
		})
	}
}

// runDiffDW runs the case at procs threads (inputs scaled by 4 so relu6
// clamps some values) and, when check is set, compares with the sums.
func runDiffDW(t *testing.T, d diffDW, procs int, check bool) [][]float32 {
	t.Helper()
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
	l := &DepthwiseConv2D{KernelSize: [2]int{d.kh, d.kw}, Strides: [2]int{d.s, d.s}, Padding: d.pad, DepthMultiplier: d.m, Activation: d.act}
	l.SetName("dw")
	in := tensor.Shape{d.h, d.w, d.c}
	out, err := l.Build(in, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatalf("%v: %v", d, err)
	}
	for i := range l.bias.Value.Data {
		l.bias.Value.Data[i] = float32(i%5)*0.1 - 0.2
	}
	x := randTensor(rand.New(rand.NewPCG(3, uint64(d.c))), 4, append([]int{d.n}, in...)...)
	dy := randTensor(rand.New(rand.NewPCG(9, uint64(d.m))), 1, append([]int{d.n}, out...)...)
	y := slices.Clone(l.Forward(x, true).Data)
	dx := slices.Clone(l.Backward(dy.Clone(), true).Data)
	got := [][]float32{y, dx, slices.Clone(l.kernel.Grad.Data), slices.Clone(l.bias.Grad.Data)}
	if check {
		g := l.geom
		g.N = d.n
		dz := slices.Clone(dy.Data)
		z, _, _ := naiveDepthwise(g, d.m, x.Data, l.kernel.Value.Data, l.bias.Value.Data, nil)
		actRef(d.act, z, y, dz)
		_, ndx, ndk := naiveDepthwise(g, d.m, x.Data, l.kernel.Value.Data, l.bias.Value.Data, dz)
		checkRef(t, d.String(), got, [][]float64{z, ndx, ndk, sumChannels(dz, d.c*d.m)})
	}
	return got
}

// checkRef compares y, dx, dkernel and dbias with their references.
func checkRef(t *testing.T, what string, got [][]float32, want [][]float64) {
	t.Helper()
	for i, name := range []string{"y", "dx", "dkernel", "dbias"} {
		near64(t, what+" "+name, got[i], want[i], 1e-4)
	}
}

func sumChannels(v []float32, c int) []float64 {
	s := make([]float64, c)
	for i, x := range v {
		s[i%c] += float64(x)
	}
	return s
}

// TestDiffPaddedDepthwiseGraph: a Graph whose ZeroPadding2D (random, up to 4,
// uneven amounts) is handed to the DepthwiseConv2D after it matches the
// direct sums on the padded input: the output, the kernel and bias
// gradients, and the input gradient (cropped), at 1, 2 and 3 threads,
// the same bits at each.
func TestDiffPaddedDepthwiseGraph(t *testing.T) {
	rng := rand.New(rand.NewPCG(81, 82))
	for i, d := range diffDWCases(rng, 18) {
		p := [4]int{rng.IntN(5), rng.IntN(5), rng.IntN(5), rng.IntN(5)}
		acrossThreads(t, fmt.Sprintf("case %d %v pad %v", i, d, p), func(procs int, check bool) [][]float32 {
			return runPaddedDW(t, d, p, procs, check)
		})
	}
}

// runPaddedDW: input → DepthwiseConv2D 1×1 of ones (so that the padded
// one's input gradient is needed) → ZeroPadding2D p → the case's layer.
func runPaddedDW(t *testing.T, d diffDW, p [4]int, procs int, check bool) [][]float32 {
	t.Helper()
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
	in := tensor.Shape{d.h, d.w, d.c}
	g := NewGraph(in)
	first := &DepthwiseConv2D{KernelSize: [2]int{1, 1}, NoBias: true}
	l := &DepthwiseConv2D{KernelSize: [2]int{d.kh, d.kw}, Strides: [2]int{d.s, d.s}, Padding: d.pad, DepthMultiplier: d.m, Activation: d.act}
	g.Call(l, g.Call(&ZeroPadding2D{Padding: p}, g.Call(first, g.In())))
	if err := g.Build(5); err != nil {
		if d.pad == "valid" { // a kernel larger than the padded input
			return nil
		}
		t.Fatalf("%v pad %v: %v", d, p, err)
	}
	for i := range first.kernel.Value.Data {
		first.kernel.Value.Data[i] = 1
	}
	for i := range l.bias.Value.Data {
		l.bias.Value.Data[i] = float32(i%5)*0.1 - 0.2
	}
	x := randTensor(rand.New(rand.NewPCG(3, uint64(d.c))), 4, append([]int{d.n}, in...)...)
	y := slices.Clone(g.Forward(x, true).Data)
	dy := randTensor(rand.New(rand.NewPCG(9, uint64(d.m))), 1, append([]int{d.n}, l.out...)...)
	g.Backward(dy.Clone())
	if countPassed(g) != 1 {
		t.Fatalf("%v pad %v: the padding was not handed on", d, p)
	}
	got := [][]float32{y, slices.Clone(l.dx.Data), slices.Clone(l.kernel.Grad.Data), slices.Clone(l.bias.Grad.Data)}
	if check {
		gm := l.geom
		gm.N = d.n
		xp := padNHWC(x.Data, d.n, d.h, d.w, d.c, p)
		dz := slices.Clone(dy.Data)
		z, _, _ := naiveDepthwise(gm, d.m, xp, l.kernel.Value.Data, l.bias.Value.Data, nil)
		actRef(d.act, z, y, dz)
		_, dxp, dk := naiveDepthwise(gm, d.m, xp, l.kernel.Value.Data, l.bias.Value.Data, dz)
		dx := cropNHWC(dxp, d.n, d.h, d.w, d.c, p)
		checkRef(t, fmt.Sprintf("%v pad %v", d, p), got, [][]float64{z, dx, dk, sumChannels(dz, d.c*d.m)})
	}
	return got
}

// padNHWC pads x (n, h, w, c) with zeros: p = top, bottom, left, right.
func padNHWC(x []float32, n, h, w, c int, p [4]int) []float32 {
	ph, pw := h+p[0]+p[1], w+p[2]+p[3]
	y := make([]float32, n*ph*pw*c)
	for b := 0; b < n; b++ {
		for i := 0; i < h; i++ {
			src := x[((b*h+i)*w)*c : ((b*h+i)*w+w)*c]
			copy(y[((b*ph+i+p[0])*pw+p[2])*c:], src)
		}
	}
	return y
}

// cropNHWC is padNHWC's adjoint: the interior of the padded v.
func cropNHWC(v []float64, n, h, w, c int, p [4]int) []float64 {
	ph, pw := h+p[0]+p[1], w+p[2]+p[3]
	y := make([]float64, 0, n*h*w*c)
	for b := 0; b < n; b++ {
		for i := 0; i < h; i++ {
			o := ((b*ph+i+p[0])*pw + p[2]) * c
			y = append(y, v[o:o+w*c]...)
		}
	}
	return y
}
