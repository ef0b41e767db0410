package nn

import (
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/cnnscope/cnnscope/tensor"
)

// GlobalAveragePooling2D gives the bits of its formula: per sample and
// channel, the float64 sum of the positions in order divided by H·W, and
// in Backward dy/(H·W) at every position; on batches that split across
// threads too.
func TestGlobalAveragePoolingFormula(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, in := range []tensor.Shape{{1, 1, 1}, {3, 5, 7}, {9, 9, 40}} {
		l := &GlobalAveragePooling2D{}
		if _, err := l.Build(in, nil); err != nil {
			t.Fatal(err)
		}
		n := 70
		x := tensor.New(append([]int{n}, in...)...)
		for i := range x.Data {
			x.Data[i] = float32(rng.NormFloat64() * 5)
		}
		y := l.Forward(x, true)
		c, hw := in[2], in[0]*in[1]
		for b := 0; b < n; b++ {
			for j := 0; j < c; j++ {
				var s float64
				for p := 0; p < hw; p++ {
					s += float64(x.Data[(b*hw+p)*c+j])
				}
				if w := float32(s / float64(hw)); y.Data[b*c+j] != w {
					t.Fatalf("%v: y[%d, %d] = %v, want %v", in, b, j, y.Data[b*c+j], w)
				}
			}
		}
		dy := tensor.New(n, c)
		for i := range dy.Data {
			dy.Data[i] = float32(rng.NormFloat64())
		}
		dx := l.Backward(dy, true)
		for i, v := range dx.Data {
			b, j := i/(hw*c), i%c
			if w := dy.Data[b*c+j] * (1 / float32(hw)); v != w {
				t.Fatalf("%v: dx[%d] = %v, want %v", in, i, v, w)
			}
		}
	}
}

// GlobalAveragePooling2D's Forward sums in a buffer of its own, not in
// one made per chunk of samples, which was garbage on every call.
func TestGlobalAveragePoolingForwardKeepsItsSums(t *testing.T) {
	l := &GlobalAveragePooling2D{}
	in := tensor.Shape{2, 2, 4096}
	if _, err := l.Build(in, nil); err != nil {
		t.Fatal(err)
	}
	x := tensor.New(append([]int{8}, in...)...)
	l.Forward(x, false)
	var a, b runtime.MemStats
	runtime.ReadMemStats(&a)
	const calls = 20
	for range calls {
		l.Forward(x, false)
	}
	runtime.ReadMemStats(&b)
	if per := (b.TotalAlloc - a.TotalAlloc) / calls; per >= 8*4096/2 {
		t.Errorf("%d bytes allocated per Forward of 4096 channels", per)
	}
}
