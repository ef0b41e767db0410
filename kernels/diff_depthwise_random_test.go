package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// randomDwGeom is a depthwise geometry with random sizes, channels,
// kernel, strides and uneven paddings of 0 to 5 a side (as a Graph makes
// them when it hands a ZeroPadding2D to the convolution), or nil when no
// output fits.
func randomDwGeom(rng *rand.Rand) *ConvGeom {
	g := ConvGeom{N: 1 + rng.IntN(3), H: 1 + rng.IntN(14), W: 1 + rng.IntN(14),
		C:  []int{1, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 48, 65}[rng.IntN(13)],
		KH: 1 + rng.IntN(5), KW: 1 + rng.IntN(5), SH: 1 + rng.IntN(2), SW: 1 + rng.IntN(2),
		PadTop: rng.IntN(6), PadLeft: rng.IntN(6)}
	bottom, right := rng.IntN(6), rng.IntN(6)
	g.OH = (g.H+g.PadTop+bottom-g.KH)/g.SH + 1
	g.OW = (g.W+g.PadLeft+right-g.KW)/g.SW + 1
	if g.H+g.PadTop+bottom < g.KH || g.W+g.PadLeft+right < g.KW {
		return nil
	}
	return &g
}

// TestDiffDepthwiseImplsRandom: on random geometries every depthwise
// implementation (AVX-512, AVX2 and the Go twin where the CPU has them)
// gives the pixel loops' bits forward (with and without a bias, with
// relu6 in the store) and for the kernel gradient, and the Go twin's
// bits for the input gradient, which agrees with the loops within
// float32 rounding.
func TestDiffDepthwiseImplsRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(131, 132))
	for it := 0; it < 120; it++ {
		g := randomDwGeom(rng)
		if g == nil {
			continue
		}
		c := newDwCase(rng, *g)
		y0 := normals(rng, c.ny)
		want := clone(y0)
		depthwiseForwardPixels(*g, 1, c.x, c.k, want)
		bias := normals(rng, g.C)
		want6 := make([]float32, c.ny)
		fillBias(want6, bias)
		depthwiseForwardPixels(*g, 1, c.x, c.k, want6)
		Relu6(want6, want6)
		wantK, loopX := make([]float32, c.nk), make([]float32, c.nx)
		depthwiseBackwardPixels(*g, 1, c.x, c.k, c.dz, wantK, loopX, make([]float32, g.N*c.nk))
		_, twinX := c.backward(t, goDepthwise, rng)
		closeSums(t, fmt.Sprintf("go dx %v", c), twinX, loopX, g.KH*g.KW)
		for _, impl := range supportedDepthwise() {
			sameBits(t, fmt.Sprintf("%s forward %v", impl.name, c), c.forward(t, impl, clone(y0)), want)
			y := newBanded(normals(rng, c.ny))
			depthwiseForwardWith(impl, *g, c.x, c.k, bias, true, y.s(), nil, true)
			y.check(t, fmt.Sprintf("%s relu6 %v", impl.name, c))
			sameBits(t, fmt.Sprintf("%s relu6 bias %v", impl.name, c), y.s(), want6)
			dk, dx := c.backward(t, impl, rng)
			sameBits(t, fmt.Sprintf("%s dk %v", impl.name, c), dk, wantK)
			sameBits(t, fmt.Sprintf("%s dx %v", impl.name, c), dx, twinX)
		}
	}
}
