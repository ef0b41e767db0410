package kernels

import (
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
)

// TestForEachTask: every task runs once, with 1 to 3 threads, and a
// task's scratch buffers have the length asked for.
func TestForEachTask(t *testing.T) {
	for _, procs := range []int{1, 2, 3} {
		func() {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
			for _, n := range []int{0, 1, 5, 200} {
				seen := make([]int, n)
				var mu sync.Mutex
				ForEachTask(n, func(i int, s *TaskScratch) {
					a, b := s.Buf(0, i+1), s.Buf(1, 2*i+1)
					if len(a) != i+1 || len(b) != 2*i+1 {
						t.Errorf("task %d: buffers of %d and %d values", i, len(a), len(b))
					}
					a[i], b[2*i] = 1, 2 // the whole length is usable
					mu.Lock()
					seen[i]++
					mu.Unlock()
				})
				for i, c := range seen {
					if c != 1 {
						t.Fatalf("%d threads, %d tasks: task %d ran %d times", procs, n, i, c)
					}
				}
			}
		}()
	}
}

// TestSgemmKBlocks checks SgemmKBlock's contract: a product computed as
// its k-blocks, each by SgemmSerial with alpha 1 and beta 0 into a
// buffer of its own, then added into C in order, gives the bits of
// Sgemm adding the product into C (alpha 1, beta 1), for the kernels of
// narrow and wide products, transposed A (a convolution's kernel
// gradient) or not, and reductions of one block to seven.
func TestSgemmKBlocks(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 7))
	for _, tc := range []gemmCase{
		{transA: true, m: 144, n: 16, k: 512},
		{transA: true, m: 144, n: 16, k: 100},
		{transA: true, m: 27, n: 32, k: 3*ReductionStep + 100},
		{transA: true, m: 16, n: 32, k: ReductionMaxPiece},
		{m: 30, n: 33, k: 1100},
		{m: 13, n: 5, k: 700},
	} {
		tc.alpha, tc.beta = 1, 1
		f := newFixture(rng, tc)
		want := f.c.clone()
		Sgemm(tc.transA, false, tc.m, tc.n, tc.k, 1, f.a.data(), f.a.ld, f.b.data(), f.b.ld, 1, want.data(), want.ld)
		got := f.c.clone()
		kb := SgemmKBlock(tc.n, tc.k)
		block := make([]float32, tc.m*tc.n)
		for p0 := 0; p0 < tc.k; p0 += kb {
			kl := min(kb, tc.k-p0)
			a := f.a.data()[p0:]
			if tc.transA {
				a = f.a.data()[p0*f.a.ld:]
			}
			SgemmSerial(tc.transA, false, tc.m, tc.n, kl, 1, a, f.a.ld, f.b.data()[p0*f.b.ld:], f.b.ld, 0, block, tc.n)
			for i := 0; i < tc.m; i++ {
				row := got.data()[i*got.ld : i*got.ld+tc.n]
				for j := range row {
					row[j] = block[i*tc.n+j] + row[j]
				}
			}
		}
		for i, v := range got.data() {
			if math.Float32bits(v) != math.Float32bits(want.data()[i]) {
				t.Fatalf("%v, blocks of %d: [%d] = %v, Sgemm %v", tc, kb, i, v, want.data()[i])
			}
		}
	}
}

// TestReluMaskSerial: ReluMaskSerial sets the words ReluMask sets, for a
// length ReluMask splits over threads.
func TestReluMaskSerial(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 9))
	y := values(rng, 64*minMaskWords*3+5)
	words := (len(y) + 63) / 64
	want, got := make([]uint64, words), make([]uint64, words)
	ReluMask(want, y)
	ReluMaskSerial(got, y)
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("word %d = %#x, ReluMask %#x", i, got[i], want[i])
		}
	}
}
