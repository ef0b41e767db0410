package kernels

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync/atomic"
	"testing"
)

// TestDepthwiseHooks: with hooks, the depthwise convolution gives the
// bits it gives without them, each hook runs once per sample, Before(b)
// before sample b's input is read (it writes that sample's input: x in
// Forward, dz in Backward, garbage until then; with depth multiplier 1 it
// also hands x's sample over in its scratch, x itself left garbage),
// After(b) once sample b's output is complete (it copies it out), and
// with FirstAlone sample 0's After runs before any other sample's; at one
// and three threads, for depth multipliers 1 and 2.
func TestDepthwiseHooks(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 9))
	for _, procs := range []int{1, 3} {
		func() {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
			for _, m := range []int{1, 2} {
				for _, g := range append(dwGeoms()[:6], dwGeom(5, 7, 6, 16, 3, 3, 1, 1, true)) {
					checkHooks(t, rng, g, m, fmt.Sprintf("%d threads m=%d %v", procs, m, g))
				}
			}
		}()
	}
}

func checkHooks(t *testing.T, rng *rand.Rand, g ConvGeom, m int, what string) {
	t.Helper()
	nx, ny, nk := g.H*g.W*g.C, g.OH*g.OW*g.C*m, g.KH*g.KW*g.C*m
	x, k, dz := normals(rng, g.N*nx), normals(rng, nk), normals(rng, g.N*ny)
	bias := normals(rng, g.C*m)
	want := make([]float32, g.N*ny)
	DepthwiseForwardBias(g, m, x, k, bias, want, nil)
	wantDk, wantDx := make([]float32, nk), make([]float32, g.N*nx)
	DepthwiseBackward(g, m, x, k, dz, wantDk, wantDx, make([]float32, g.N*nk))

	// x's sample b: written into xh (m > 1), or handed over in s (m = 1)
	xh := normals(rng, g.N*nx)
	input := func(b int, s *TaskScratch) []float32 {
		if m != 1 {
			copy(sampleOf(xh, b, nx), sampleOf(x, b, nx))
			return nil
		}
		xs := s.Buf(0, nx+3) // longer than a sample
		copy(xs, sampleOf(x, b, nx))
		return xs
	}
	var order hookOrder
	y, copied := normals(rng, g.N*ny), make([]float32, g.N*ny)
	h := order.hooks(g.N, func(b int, s *TaskScratch) []float32 { return input(b, s) },
		func(b int) { copy(sampleOf(copied, b, ny), sampleOf(y, b, ny)) })
	DepthwiseForwardHooked(g, m, xh, k, bias, y, h)
	order.check(t, what+" forward")
	sameBits(t, what+" forward", y, want)
	sameBits(t, what+" forward, copied by After", copied, want)

	order = hookOrder{}
	xh = normals(rng, g.N*nx)
	dzh, dk, dx, dxCopied := normals(rng, g.N*ny), make([]float32, nk), make([]float32, g.N*nx), make([]float32, g.N*nx)
	h = order.hooks(g.N, func(b int, s *TaskScratch) []float32 {
		copy(sampleOf(dzh, b, ny), sampleOf(dz, b, ny))
		return input(b, s)
	}, func(b int) { copy(sampleOf(dxCopied, b, nx), sampleOf(dx, b, nx)) })
	DepthwiseBackwardHooked(g, m, xh, k, dzh, dk, dx, make([]float32, g.N*nk), h)
	order.check(t, what+" backward")
	sameBits(t, what+" backward dk", dk, wantDk)
	sameBits(t, what+" backward dx", dx, wantDx)
	sameBits(t, what+" backward dx, copied by After", dxCopied, wantDx)
}

// hookOrder records the hooks' calls: how many per sample, and whether
// any sample's Before came before sample 0's After.
type hookOrder struct {
	before, after []atomic.Int32
	zeroDone      atomic.Bool
	early         atomic.Int32 // Afters of samples > 0 before sample 0's After
}

func (o *hookOrder) hooks(n int, before func(b int, s *TaskScratch) []float32, after func(b int)) SampleHooks {
	o.before, o.after = make([]atomic.Int32, n), make([]atomic.Int32, n)
	return SampleHooks{FirstAlone: true,
		Before: func(b int, s *TaskScratch) []float32 {
			o.before[b].Add(1)
			return before(b, s)
		},
		After: func(b int) {
			if b > 0 && !o.zeroDone.Load() {
				o.early.Add(1)
			}
			after(b)
			o.after[b].Add(1)
			if b == 0 {
				o.zeroDone.Store(true)
			}
		}}
}

func (o *hookOrder) check(t *testing.T, what string) {
	t.Helper()
	for b := range o.before {
		if o.before[b].Load() != 1 || o.after[b].Load() != 1 {
			t.Fatalf("%s: sample %d: Before ran %d times, After %d", what, b, o.before[b].Load(), o.after[b].Load())
		}
	}
	if o.early.Load() != 0 {
		t.Fatalf("%s: %d samples' After ran before sample 0's (FirstAlone)", what, o.early.Load())
	}
}
