package nn

import (
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"

	"github.com/cnnscope/cnnscope/tensor"
)

// dropRun builds a Dropout on shape (seeded by 7), runs one training
// Forward and Backward (dy = ones) on threads threads, and returns y and dx.
func dropRun(t *testing.T, rate float64, shape tensor.Shape, batch, threads int) (y, dx []float32) {
	t.Helper()
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(threads))
	l := &Dropout{Rate: rate}
	if _, err := l.Build(shape, rand.New(rand.NewPCG(7, 7))); err != nil {
		t.Fatal(err)
	}
	x := tensor.New(append([]int{batch}, shape...)...)
	for i := range x.Data {
		x.Data[i] = float32(i%13) - 6
	}
	y = slices.Clone(l.Forward(x, true).Data)
	dy := tensor.New(x.Shape...)
	for i := range dy.Data {
		dy.Data[i] = 1
	}
	return y, slices.Clone(l.Backward(dy, true).Data)
}

// TestDropoutMask: the mask is the same on 1 and 2 threads (blocks, not
// threads, own its random streams), y = x * mask, dx = dy * mask, and the
// kept share is 1-Rate within sampling error, in every block (an odd
// element count leaves a partial last word and block).
func TestDropoutMask(t *testing.T) {
	shape := tensor.Shape{9, 9, 61} // 4941 values per sample, 32 samples: 39 blocks
	for _, rate := range []float64{0.25, 0.5, 0.9} {
		y1, dx1 := dropRun(t, rate, shape, 32, 1)
		y2, dx2 := dropRun(t, rate, shape, 32, 2)
		if !slices.Equal(y1, y2) || !slices.Equal(dx1, dx2) {
			t.Fatalf("rate %g: 1 and 2 threads differ", rate)
		}
		keep := float32(1 / (1 - rate))
		kept := 0
		for i, g := range dx1 {
			x := float32(i%13) - 6
			switch {
			case g == keep && y1[i] == x*keep:
				kept++
			case g != 0 || y1[i] != 0:
				t.Fatalf("rate %g, value %d: y %v dx %v, want x*mask with mask 0 or %v", rate, i, y1[i], g, keep)
			}
		}
		share, want := float64(kept)/float64(len(dx1)), 1-rate
		if share < want-0.01 || share > want+0.01 {
			t.Errorf("rate %g: kept %.4f of %d values, want %.2f", rate, share, len(dx1), want)
		}
	}
}

// TestDropoutResume: restoring the saved source replays the mask; a next
// call draws a different one.
func TestDropoutResume(t *testing.T) {
	l := &Dropout{Rate: 0.5}
	if _, err := l.Build(tensor.Shape{300}, rand.New(rand.NewPCG(1, 2))); err != nil {
		t.Fatal(err)
	}
	x := tensor.New(40, 300)
	for i := range x.Data {
		x.Data[i] = 1
	}
	state, err := l.RNG().MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	first := slices.Clone(l.Forward(x, true).Data)
	second := slices.Clone(l.Forward(x, true).Data)
	if slices.Equal(first, second) {
		t.Error("two training calls drew the same mask")
	}
	if err := l.RNG().UnmarshalBinary(state); err != nil {
		t.Fatal(err)
	}
	if again := l.Forward(x, true).Data; !slices.Equal(again, first) {
		t.Error("the restored source drew another mask")
	}
	if y := l.Forward(x, false); y != x {
		t.Error("inference is not the identity")
	}
}

// TestDropThreshold: "k >= thr" is rand.Float32's ">= rate" test.
func TestDropThreshold(t *testing.T) {
	for _, rate := range []float64{0, 0.1, 0.25, 0.3, 0.5, 0.7, 0.999} {
		thr := dropThreshold(rate)
		for _, k := range []uint32{thr - 1, thr} {
			if k >= 1<<24 || (rate == 0 && k == thr-1) {
				continue
			}
			if got, want := k >= thr, float32(k)/(1<<24) >= float32(rate); got != want {
				t.Errorf("rate %g, k %d: kept %v, Float32's test %v", rate, k, got, want)
			}
		}
	}
}

// TestDropBlock4: four interleaved blocks (block4) draw exactly the words
// each block draws on its own (block).
func TestDropBlock4(t *testing.T) {
	d := dropMask{seed: 12345, thr: dropThreshold(0.3), keep: 1 / 0.7}
	x := make([]float32, 4*dropBlock)
	y := make([]float32, len(x))
	want, got := make([]uint64, len(x)/64), make([]uint64, len(x)/64)
	for q := range 4 {
		e0 := q * dropBlock
		d.block(uint64(9+q), x[e0:e0+dropBlock], y[e0:e0+dropBlock], want[e0/64:(e0+dropBlock)/64])
	}
	d.block4(9, got)
	if !slices.Equal(got, want) {
		t.Fatal("block4's words differ from block's")
	}
}

// TestDropBlock8: eight blocks at once (block8, kernels.PCGKeepBits) draw
// exactly the words each block draws on its own (block).
func TestDropBlock8(t *testing.T) {
	d := dropMask{seed: 54321, thr: dropThreshold(0.25), keep: 1 / 0.75}
	x := make([]float32, 8*dropBlock)
	y := make([]float32, len(x))
	want, got := make([]uint64, len(x)/64), make([]uint64, len(x)/64)
	for q := range 8 {
		e0 := q * dropBlock
		d.block(uint64(17+q), x[e0:e0+dropBlock], y[e0:e0+dropBlock], want[e0/64:(e0+dropBlock)/64])
	}
	d.block8(17, got)
	if !slices.Equal(got, want) {
		t.Fatal("block8's words differ from block's")
	}
}
