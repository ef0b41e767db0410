package nn

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/cnnscope/cnnscope/tensor"
)

// AveragePooling2D gives the bits of its formula, whatever the channel
// count (rows of 16 or more run through kernels.AddTo): per window and
// channel, the float32 sum of its positions in row order times
// 1/size; in Backward, each position's sum, in window order, of
// dy·(1/size) of the windows covering it (overlapping and "same"
// windows too).
func TestAveragePoolingFormula(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, c := range []struct {
		pool, strides [2]int
		padding       string
		in            tensor.Shape
	}{
		{[2]int{8, 8}, [2]int{}, "", tensor.Shape{8, 8, 64}},        // resnet-20's head
		{[2]int{2, 2}, [2]int{}, "", tensor.Shape{6, 4, 20}},        // a 16-value run and a tail
		{[2]int{3, 3}, [2]int{2, 2}, "same", tensor.Shape{7, 5, 3}}, // short rows, overlapping windows
		{[2]int{3, 2}, [2]int{1, 1}, "same", tensor.Shape{5, 6, 32}},
	} {
		t.Run(fmt.Sprintf("%v_%v_%s_%v", c.pool, c.strides, c.padding, c.in), func(t *testing.T) {
			l := &AveragePooling2D{PoolSize: c.pool, Strides: c.strides, Padding: c.padding}
			out, err := l.Build(c.in, nil)
			if err != nil {
				t.Fatal(err)
			}
			n := 5
			x, dy := tensor.New(append([]int{n}, c.in...)...), tensor.New(append([]int{n}, out...)...)
			for i := range x.Data {
				x.Data[i] = float32(rng.NormFloat64() * 3)
			}
			for i := range dy.Data {
				dy.Data[i] = float32(rng.NormFloat64())
			}
			wantY, wantDx := avgPoolFormula(l, x, dy)
			y := l.Forward(x, true)
			for i, v := range y.Data {
				if v != wantY[i] {
					t.Fatalf("y[%d] = %v, want %v", i, v, wantY[i])
				}
			}
			dx := l.Backward(dy, true)
			for i, v := range dx.Data {
				if v != wantDx[i] {
					t.Fatalf("dx[%d] = %v, want %v", i, v, wantDx[i])
				}
			}
		})
	}
}

// avgPoolFormula is AveragePooling2D's Forward and Backward, one value at
// a time.
func avgPoolFormula(l *AveragePooling2D, x, dy *tensor.Tensor) (y, dx []float32) {
	g := l.geom
	n := x.Shape[0]
	y, dx = make([]float32, len(dy.Data)), make([]float32, len(x.Data))
	for b := 0; b < n; b++ {
		for oh := 0; oh < g.OH; oh++ {
			h0, h1 := span(oh, g.SH, g.PadTop, g.KH, g.H)
			for ow := 0; ow < g.OW; ow++ {
				w0, w1 := span(ow, g.SW, g.PadLeft, g.KW, g.W)
				inv := 1 / float32((h1-h0)*(w1-w0))
				for c := 0; c < g.C; c++ {
					o := ((b*g.OH+oh)*g.OW+ow)*g.C + c
					var s float32
					for h := h0; h < h1; h++ {
						for w := w0; w < w1; w++ {
							s += x.Data[((b*g.H+h)*g.W+w)*g.C+c]
						}
					}
					y[o] = s * inv
					share := dy.Data[o] * inv
					for h := h0; h < h1; h++ {
						for w := w0; w < w1; w++ {
							dx[((b*g.H+h)*g.W+w)*g.C+c] += share
						}
					}
				}
			}
		}
	}
	return y, dx
}
