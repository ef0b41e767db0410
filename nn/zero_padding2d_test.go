package nn

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/cnnscope/cnnscope/tensor"
)

// TestZeroPadding2DOverwritesBuffer: Forward writes every value of its
// output, border included, over whatever the buffer held (an arena slab
// holds an earlier tensor), and Backward returns dy without the border.
func TestZeroPadding2DOverwritesBuffer(t *testing.T) {
	l := &ZeroPadding2D{Padding: [4]int{1, 2, 0, 3}}
	if _, err := l.Build(tensor.Shape{3, 4, 2}, nil); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	x := randTensor(rng, 1, 3, 3, 4, 2)
	y := l.Forward(x, true)
	for i := range y.Data {
		y.Data[i] = float32(math.NaN())
	}
	y = l.Forward(x, true)
	oh, ow := 6, 7
	for b := 0; b < 3; b++ {
		for i := 0; i < oh; i++ {
			for j := 0; j < ow; j++ {
				for c := 0; c < 2; c++ {
					want := float32(0)
					if i >= 1 && i < 4 && j < 4 {
						want = x.Data[((b*3+i-1)*4+j)*2+c]
					}
					if got := y.Data[((b*oh+i)*ow+j)*2+c]; got != want {
						t.Fatalf("y[%d,%d,%d,%d] = %g, want %g", b, i, j, c, got, want)
					}
				}
			}
		}
	}
	dx := l.Backward(y, true)
	for i := range x.Data {
		if dx.Data[i] != x.Data[i] {
			t.Fatalf("dx[%d] = %g, want %g", i, dx.Data[i], x.Data[i])
		}
	}
}
