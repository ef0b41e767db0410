package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/cnnscope/cnnscope/kernels"
	"github.com/cnnscope/cnnscope/tensor"
)

// naiveConv computes y = conv(x) + bias (no activation), dx and dkernel
// for the gradient dy by direct summation in float64: the reference the
// tiled im2col convolution is checked against.
func naiveConv(l *Conv2D, x, dy *tensor.Tensor) (y, dx, dk []float64) {
	g := l.geom
	w := l.kernel.Value.Data
	F := l.Filters
	y = make([]float64, g.N*g.OH*g.OW*F)
	dx = make([]float64, len(x.Data))
	dk = make([]float64, len(w))
	for n := 0; n < g.N; n++ {
		for oh := 0; oh < g.OH; oh++ {
			for ow := 0; ow < g.OW; ow++ {
				o := ((n*g.OH+oh)*g.OW + ow) * F
				for f := 0; f < F; f++ {
					if l.bias != nil {
						y[o+f] = float64(l.bias.Value.Data[f])
					}
				}
				for kh := 0; kh < g.KH; kh++ {
					for kw := 0; kw < g.KW; kw++ {
						ih, iw := oh*g.SH-g.PadTop+kh, ow*g.SW-g.PadLeft+kw
						if ih < 0 || ih >= g.H || iw < 0 || iw >= g.W {
							continue
						}
						for c := 0; c < g.C; c++ {
							xi := ((n*g.H+ih)*g.W+iw)*g.C + c
							wi := ((kh*g.KW+kw)*g.C + c) * F
							for f := 0; f < F; f++ {
								y[o+f] += float64(x.Data[xi]) * float64(w[wi+f])
								dx[xi] += float64(dy.Data[o+f]) * float64(w[wi+f])
								dk[wi+f] += float64(x.Data[xi]) * float64(dy.Data[o+f])
							}
						}
					}
				}
			}
		}
	}
	return y, dx, dk
}

func near64(t *testing.T, what string, got []float32, want []float64, tol float64) {
	t.Helper()
	var scale float64
	for _, v := range want {
		scale = math.Max(scale, math.Abs(v))
	}
	for i := range want {
		if d := math.Abs(float64(got[i]) - want[i]); d > tol*scale {
			t.Fatalf("%s[%d] = %.8g, reference %.8g", what, i, got[i], want[i])
		}
	}
}

// TestConv2DTiles runs convolutions whose patch matrix is cut into tiles
// of 1 row, a few rows, more than one image, and the whole batch: y, dx
// and dbias must not change by a bit, dkernel (summed tile by tile) must
// stay within float32 rounding, and all must match the direct sums.
func TestConv2DTiles(t *testing.T) {
	layers := []func() *Conv2D{
		func() *Conv2D { return &Conv2D{Filters: 4, KernelSize: [2]int{3, 3}} },
		func() *Conv2D {
			return &Conv2D{Filters: 5, KernelSize: [2]int{3, 3}, Strides: [2]int{2, 2}, Padding: "same"}
		},
		func() *Conv2D {
			return &Conv2D{Filters: 3, KernelSize: [2]int{2, 3}, Strides: [2]int{2, 1}, Padding: "same", NoBias: true}
		},
	}
	for i, mk := range layers {
		in := tensor.Shape{9, 7, 3}
		rng := rand.New(rand.NewPCG(3, uint64(i)))
		x := randTensor(rng, 1, append([]int{3}, in...)...)
		var ref *Conv2D
		var refY, refDx, refDb []float32
		for _, rows := range []int{0, 1, 4, 30, 1 << 20} { // 0: the default tile
			l := mk()
			l.SetName("conv")
			out, err := l.Build(in, rand.New(rand.NewPCG(1, 2)))
			if err != nil {
				t.Fatal(err)
			}
			l.tileBytes = rows * 4 * l.geom.Cols()
			dy := randTensor(rand.New(rand.NewPCG(9, 9)), 1, append([]int{3}, out...)...)
			y := l.Forward(x, true).Clone()
			dx := l.Backward(dy.Clone(), true).Clone()
			what := fmt.Sprintf("layer %d, tiles of %d rows", i, l.tileRows())
			dk := append([]float32(nil), l.kernel.Grad.Data...)
			var db []float32
			if l.bias != nil {
				db = append(db, l.bias.Grad.Data...)
			}
			if ref == nil {
				ref, refY, refDx, refDb = l, y.Data, dx.Data, db
				ny, ndx, ndk := naiveConv(l, x, dy)
				near64(t, what+" y", y.Data, ny, 1e-5)
				near64(t, what+" dx", dx.Data, ndx, 1e-5)
				near64(t, what+" dkernel", dk, ndk, 1e-5)
				continue
			}
			for _, c := range []struct {
				name      string
				got, want []float32
			}{{"y", y.Data, refY}, {"dx", dx.Data, refDx}, {"dbias", db, refDb}} {
				for j := range c.want {
					if math.Float32bits(c.got[j]) != math.Float32bits(c.want[j]) {
						t.Fatalf("%s: %s[%d] = %v, whole batch %v", what, c.name, j, c.got[j], c.want[j])
					}
				}
			}
			_, _, ndk := naiveConv(ref, x, dy)
			near64(t, what+" dkernel", dk, ndk, 1e-5)
		}
	}
}

// TestConv2DTileKernelGradBits: with tiles of a multiple of
// kernels.ReductionStep rows (as tileRowCap makes them), the kernel
// gradient does not change by a bit with the tile size, the default tile
// included.
func TestConv2DTileKernelGradBits(t *testing.T) {
	in := tensor.Shape{24, 24, 3}
	rng := rand.New(rand.NewPCG(5, 6))
	x := randTensor(rng, 1, append([]int{3}, in...)...) // 1728 rows: 3×512 + 192
	var ref []float32
	for _, rows := range []int{0, kernels.ReductionStep, 2 * kernels.ReductionStep, 3 * kernels.ReductionStep} {
		l := &Conv2D{Filters: 8, KernelSize: [2]int{3, 3}, Padding: "same"}
		l.SetName("conv")
		out, err := l.Build(in, rand.New(rand.NewPCG(1, 2)))
		if err != nil {
			t.Fatal(err)
		}
		l.tileBytes = rows * 4 * l.geom.Cols()
		dy := randTensor(rand.New(rand.NewPCG(9, 9)), 1, append([]int{3}, out...)...)
		l.Forward(x, true)
		l.Backward(dy, true)
		if ref == nil {
			ref = append([]float32(nil), l.kernel.Grad.Data...)
			_, _, ndk := naiveConv(l, x, dy)
			near64(t, "dkernel", ref, ndk, 1e-5)
			continue
		}
		for j, v := range l.kernel.Grad.Data {
			if math.Float32bits(v) != math.Float32bits(ref[j]) {
				t.Fatalf("tiles of %d rows: dkernel[%d] = %v, default tile %v", l.tileRows(), j, v, ref[j])
			}
		}
	}
}

// TestConv2DTileRelu: relu applied tile by tile (tiles that start on
// whole mask words) gives the outputs, relu mask and gradients of relu
// applied after the last tile (1-row tiles, which do not).
func TestConv2DTileRelu(t *testing.T) {
	in := tensor.Shape{24, 24, 3}
	x := randTensor(rand.New(rand.NewPCG(5, 7)), 1, append([]int{3}, in...)...)
	var refY, refDx []float32
	var refMask []uint64
	for _, rows := range []int{1, kernels.ReductionStep} {
		l := &Conv2D{Filters: 8, KernelSize: [2]int{3, 3}, Padding: "same", Activation: "relu"}
		l.SetName("conv")
		out, err := l.Build(in, rand.New(rand.NewPCG(1, 2)))
		if err != nil {
			t.Fatal(err)
		}
		l.tileBytes = rows * 4 * l.geom.Cols()
		l.setMaskOut(true)
		first := l.Forward(x, true)
		if got := l.tileRelu(l.tileRows(), first); got != (rows > 1) {
			t.Fatalf("tiles of %d rows: tileRelu %v", rows, got)
		}
		y := append([]float32(nil), l.Forward(x, true).Data...)
		mask := append([]uint64(nil), l.mask...)
		dy := randTensor(rand.New(rand.NewPCG(9, 9)), 1, append([]int{3}, out...)...)
		dx := append([]float32(nil), l.Backward(dy, true).Data...)
		if refY == nil {
			refY, refMask, refDx = y, mask, dx
			continue
		}
		for i := range refY {
			if math.Float32bits(y[i]) != math.Float32bits(refY[i]) {
				t.Fatalf("y[%d] = %v tile by tile, %v after the tiles", i, y[i], refY[i])
			}
		}
		for i := range refMask {
			if mask[i] != refMask[i] {
				t.Fatalf("mask word %d = %#x tile by tile, %#x after the tiles", i, mask[i], refMask[i])
			}
		}
		for i := range refDx {
			if math.Float32bits(dx[i]) != math.Float32bits(refDx[i]) {
				t.Fatalf("dx[%d] = %v tile by tile, %v after the tiles", i, dx[i], refDx[i])
			}
		}
	}
}
