package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
)

// Sentinels fill the guard bands around and between the rows of every
// test matrix: NaNs with payloads, so that a stray read of A or B shows up
// as a NaN in C and a stray write as a changed bit pattern, even when the
// value written is a NaN read from a guard of A or B.
var (
	sentinelAB = math.Float32frombits(0x7fc0dead)
	sentinelC  = math.Float32frombits(0x7fc0beef)
)

// guardBand is how many sentinels surround each test matrix.
const guardBand = 37

// guarded is a rows×cols matrix with leading dimension ld inside a buffer
// of sentinels.
type guarded struct {
	rows, cols, ld int
	sentinel       float32
	buf            []float32 // sentinels, matrix, sentinels
}

// newGuarded returns a guarded matrix with random elements in [-1, 1).
func newGuarded(rng *rand.Rand, rows, cols, ld int, sentinel float32) *guarded {
	g := &guarded{rows: rows, cols: cols, ld: ld, sentinel: sentinel}
	n := 0
	if rows > 0 && cols > 0 {
		n = (rows-1)*ld + cols
	}
	g.buf = make([]float32, guardBand+n+guardBand)
	for i := range g.buf {
		g.buf[i] = sentinel
	}
	for i := 0; i < rows; i++ {
		for j := 0; j < cols; j++ {
			g.buf[guardBand+i*ld+j] = 2*rng.Float32() - 1
		}
	}
	return g
}

// data is the matrix as passed to Sgemm: exactly (rows-1)*ld+cols long.
func (g *guarded) data() []float32 { return g.buf[guardBand : len(g.buf)-guardBand] }

func (g *guarded) at(i, j int) float32 { return g.data()[i*g.ld+j] }

func (g *guarded) clone() *guarded {
	h := *g
	h.buf = append([]float32(nil), g.buf...)
	return &h
}

// fill sets every element of the matrix (not the guards) to v.
func (g *guarded) fill(v float32) {
	for i := 0; i < g.rows; i++ {
		for j := 0; j < g.cols; j++ {
			g.data()[i*g.ld+j] = v
		}
	}
}

// checkGuards reports an error for every sentinel that changed.
func (g *guarded) checkGuards(t *testing.T, name string) {
	t.Helper()
	bad := 0
	for i, v := range g.buf {
		off := i - guardBand
		inside := g.cols > 0 && off >= 0 && off < len(g.data()) && off%g.ld < g.cols
		if !inside && math.Float32bits(v) != math.Float32bits(g.sentinel) {
			if bad < 5 {
				t.Errorf("%s: guard element at offset %d overwritten with %v", name, off, v)
			}
			bad++
		}
	}
}

// gemmCase is one Sgemm call to check.
type gemmCase struct {
	transA, transB bool
	m, n, k        int
	alpha, beta    float32
	pad            int // extra leading-dimension elements of A, B and C
}

func (tc gemmCase) String() string {
	return fmt.Sprintf("tA=%v,tB=%v,m=%d,n=%d,k=%d,alpha=%v,beta=%v,pad=%d",
		tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, tc.beta, tc.pad)
}

// gemmFixture holds the operands of a case and the reference result.
type gemmFixture struct {
	tc      gemmCase
	a, b, c *guarded
	want    []float32
	mag     []float32 // |alpha| * sum |a||b| + |beta||c| per element of C
}

func newFixture(rng *rand.Rand, tc gemmCase) *gemmFixture {
	ar, ac := tc.m, tc.k
	if tc.transA {
		ar, ac = tc.k, tc.m
	}
	br, bc := tc.k, tc.n
	if tc.transB {
		br, bc = tc.n, tc.k
	}
	f := &gemmFixture{tc: tc}
	f.a = newGuarded(rng, ar, ac, ac+tc.pad, sentinelAB)
	f.b = newGuarded(rng, br, bc, bc+tc.pad, sentinelAB)
	f.c = newGuarded(rng, tc.m, tc.n, tc.n+tc.pad, sentinelC)
	if tc.beta == 0 {
		f.c.fill(float32(math.NaN()))
	}
	want := f.c.clone()
	SgemmNaive(tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, f.a.data(), f.a.ld, f.b.data(), f.b.ld, tc.beta, want.data(), want.ld)
	f.want = want.data()
	// mag = |alpha|*|op(A)|*|op(B)| + |beta|*|C|, by the same loop.
	absA, absB, absC := f.a.clone(), f.b.clone(), f.c.clone()
	for _, g := range []*guarded{absA, absB, absC} {
		for i, v := range g.buf {
			g.buf[i] = float32(math.Abs(float64(v)))
		}
	}
	beta := float32(math.Abs(float64(tc.beta)))
	if tc.beta == 0 {
		absC.fill(0)
	}
	SgemmNaive(tc.transA, tc.transB, tc.m, tc.n, tc.k, float32(math.Abs(float64(tc.alpha))), absA.data(), absA.ld, absB.data(), absB.ld, beta, absC.data(), absC.ld)
	f.mag = absC.data()
	return f
}

// check runs call on fresh copies of the operands and compares C with the
// reference, within float32 rounding of the magnitudes involved.
func (f *gemmFixture) check(t *testing.T, name string, call func(tc gemmCase, a, b, c *guarded)) {
	t.Helper()
	a, b, c := f.a.clone(), f.b.clone(), f.c.clone()
	call(f.tc, a, b, c)
	a.checkGuards(t, name+" A")
	b.checkGuards(t, name+" B")
	c.checkGuards(t, name+" C")
	for i, v := range a.buf {
		if math.Float32bits(v) != math.Float32bits(f.a.buf[i]) {
			t.Fatalf("%s: A modified at %d", name, i-guardBand)
		}
	}
	for i, v := range b.buf {
		if math.Float32bits(v) != math.Float32bits(f.b.buf[i]) {
			t.Fatalf("%s: B modified at %d", name, i-guardBand)
		}
	}
	tol := float64(f.tc.k+4) * 2 * 1.2e-7
	bad := 0
	for i := 0; i < f.tc.m; i++ {
		for j := 0; j < f.tc.n; j++ {
			idx := i*c.ld + j
			got, want := float64(c.data()[idx]), float64(f.want[idx])
			if !(math.Abs(got-want) <= tol*float64(f.mag[idx])+1e-30) {
				if bad < 3 {
					t.Errorf("%s %v: C[%d,%d] = %v, want %v (mag %v)", name, f.tc, i, j, got, want, f.mag[idx])
				}
				bad++
			}
		}
	}
	if bad > 0 {
		t.Fatalf("%s %v: %d wrong elements", name, f.tc, bad)
	}
}

// configs lists every kernel × packing mode × thread count to test.
func configs() []gemmConfig {
	var cs []gemmConfig
	for _, k := range supportedKernels() {
		for _, p := range []packMode{packAuto, packAll} {
			for _, th := range []int{1, 3} {
				cs = append(cs, gemmConfig{kern: k, threads: th, pack: p})
			}
		}
	}
	return cs
}

func (c gemmConfig) String() string {
	return fmt.Sprintf("%s/pack%d/threads%d", c.kern.name, c.pack, c.threads)
}

// smallCases covers every m, n and k in 1..maxDim at least once (three
// permutations), each with all four transpose combinations, cycling
// through alpha/beta pairs and leading-dimension paddings.
func smallCases(rng *rand.Rand, maxDim int) []gemmCase {
	ab := [][2]float32{{1, 0}, {1, 1}, {-0.5, 0}, {2, 0.75}, {1, -1}, {0.25, 1.5}}
	pads := []int{0, 1, 7, 16}
	pn, pk := rng.Perm(maxDim), rng.Perm(maxDim)
	var cs []gemmCase
	for v := 0; v < maxDim; v++ {
		for tr := 0; tr < 4; tr++ {
			// For each transpose combination, v runs through every
			// alpha/beta pair and every padding.
			ab, pad := ab[(v+tr)%len(ab)], pads[(3*v+tr)%len(pads)]
			cs = append(cs, gemmCase{
				transA: tr&1 != 0, transB: tr&2 != 0,
				m: v + 1, n: pn[v] + 1, k: pk[v] + 1,
				alpha: ab[0], beta: ab[1], pad: pad,
			})
		}
	}
	return cs
}

func TestSgemmSmall(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	cfgs := configs()
	step := 1
	if testing.Short() || raceEnabled {
		step = 3
	}
	for ci, tc := range smallCases(rng, 67) {
		f := newFixture(rng, tc)
		f.check(t, "Sgemm", func(tc gemmCase, a, b, c *guarded) {
			Sgemm(tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, a.data(), a.ld, b.data(), b.ld, tc.beta, c.data(), c.ld)
		})
		for i := ci % step; i < len(cfgs); i += step {
			cfg := cfgs[i]
			f.check(t, cfg.String(), func(tc gemmCase, a, b, c *guarded) {
				sgemm(&cfg, tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, a.data(), a.ld, b.data(), b.ld, tc.beta, c.data(), c.ld)
			})
		}
	}
}

// TestSgemmLarger covers several k-blocks, several row tasks, column
// chunks and the k-split reduction.
func TestSgemmLarger(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	cases := []gemmCase{
		{m: 131, n: 97, k: 600, alpha: 1, beta: 0, pad: 3},
		{transA: true, m: 250, n: 70, k: 300, alpha: 0.5, beta: 1, pad: 0},
		{transB: true, m: 61, n: 200, k: 530, alpha: 1, beta: -2, pad: 5},
		{transA: true, transB: true, m: 100, n: 40, k: 257, alpha: 1, beta: 0},
		{transA: true, m: 9, n: 32, k: 4103, alpha: 1, beta: 0},          // k-split
		{m: 13, n: 33, k: 6000, alpha: -1, beta: 0.5, pad: 2},            // k-split
		{transB: true, m: 20, n: 17, k: 4096, alpha: 1, beta: 1, pad: 1}, // k-split
		{m: 1, n: 1, k: 5000, alpha: 1, beta: 0},                         // k-split
		{m: 25, n: 250, k: 1300, alpha: 1, beta: 0.5, pad: 1},            // 3 k-blocks
		{transB: true, m: 5, n: 1000, k: 1100, alpha: 2, beta: 0},        // 2 column chunks
	}
	cfgs := configs()
	for ci, tc := range cases {
		f := newFixture(rng, tc)
		f.check(t, "Sgemm", func(tc gemmCase, a, b, c *guarded) {
			Sgemm(tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, a.data(), a.ld, b.data(), b.ld, tc.beta, c.data(), c.ld)
		})
		for i, cfg := range cfgs {
			if raceEnabled && i%4 != ci%4 {
				continue
			}
			f.check(t, cfg.String(), func(tc gemmCase, a, b, c *guarded) {
				sgemm(&cfg, tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, a.data(), a.ld, b.data(), b.ld, tc.beta, c.data(), c.ld)
			})
		}
	}
}

// convShapes are the products of training the small CNN at batch 32, as
// m×n×k with transposes: forward convolutions and dense layers, weight
// gradients (A^T*dY) and data gradients (dY*W^T).
var convShapes = []struct {
	name           string
	transA, transB bool
	m, n, k        int
}{
	{"fwd1", false, false, 21632, 32, 9},
	{"fwd2", false, false, 3872, 64, 288},
	{"fwd3", false, false, 288, 64, 576},
	{"dense1", false, false, 32, 64, 576},
	{"dense2", false, false, 32, 10, 64},
	{"dW1", true, false, 9, 32, 21632},
	{"dW2", true, false, 288, 64, 3872},
	{"dW3", true, false, 576, 64, 288},
	{"dA2", false, true, 3872, 288, 64},
	{"dA3", false, true, 288, 576, 64},
}

func TestSgemmConvShapes(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, s := range convShapes {
		tc := gemmCase{transA: s.transA, transB: s.transB, m: s.m, n: s.n, k: s.k, alpha: 1, beta: 0}
		if testing.Short() || raceEnabled {
			// Keep the reduction, shrink the rest.
			if s.transA {
				tc.m = min(tc.m, 40)
			} else {
				tc.m = min(tc.m, 100)
			}
		}
		f := newFixture(rng, tc)
		f.check(t, s.name, func(tc gemmCase, a, b, c *guarded) {
			Sgemm(tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, a.data(), a.ld, b.data(), b.ld, tc.beta, c.data(), c.ld)
		})
	}
}

// TestSgemmDeterministic checks that results are bit-identical whatever
// the number of threads.
func TestSgemmDeterministic(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	cases := []gemmCase{
		{m: 300, n: 130, k: 700, alpha: 1, beta: 0.5},
		{transA: true, m: 9, n: 32, k: 9000, alpha: 1, beta: 0},
		{transB: true, m: 33, n: 300, k: 64, alpha: 1, beta: 0},
	}
	for _, tc := range cases {
		f := newFixture(rng, tc)
		var ref []float32
		for _, th := range []int{1, 2, 3, 5} {
			for _, k := range supportedKernels()[:1] {
				cfg := gemmConfig{kern: k, threads: th}
				c := f.c.clone()
				sgemm(&cfg, tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, f.a.data(), f.a.ld, f.b.data(), f.b.ld, tc.beta, c.data(), c.ld)
				if ref == nil {
					ref = c.data()
					continue
				}
				for i, v := range c.data() {
					if math.Float32bits(v) != math.Float32bits(ref[i]) {
						t.Fatalf("%v: threads=%d differs from threads=1 at %d: %v vs %v", tc, th, i, v, ref[i])
					}
				}
			}
		}
	}
}

// TestSgemmSpecial covers empty dimensions, k == 0 and alpha == 0.
func TestSgemmSpecial(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for _, tc := range []gemmCase{
		{m: 5, n: 7, k: 0, alpha: 1, beta: 0},
		{m: 5, n: 7, k: 0, alpha: 1, beta: 2, pad: 3},
		{m: 6, n: 3, k: 4, alpha: 0, beta: 0.5, pad: 1},
		{m: 6, n: 3, k: 4, alpha: 0, beta: 0},
		{m: 0, n: 3, k: 4, alpha: 1, beta: 1},
		{m: 3, n: 0, k: 4, alpha: 1, beta: 1},
	} {
		f := newFixture(rng, tc)
		f.check(t, "Sgemm", func(tc gemmCase, a, b, c *guarded) {
			Sgemm(tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, a.data(), a.ld, b.data(), b.ld, tc.beta, c.data(), c.ld)
		})
	}
}

func TestSgemmPanics(t *testing.T) {
	a := make([]float32, 12)
	for _, tt := range []struct {
		name string
		call func()
	}{
		{"short A", func() { Sgemm(false, false, 3, 4, 5, 1, a, 5, a, 4, 0, a, 4) }},
		{"small lda", func() { Sgemm(false, false, 2, 2, 3, 1, a, 2, a, 2, 0, a, 2) }},
		{"negative", func() { Sgemm(false, false, -1, 2, 3, 1, a, 3, a, 2, 0, a, 2) }},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", tt.name)
				}
			}()
			tt.call()
		}()
	}
}

// TestSgemmAllocs checks that steady-state calls do not allocate.
func TestSgemmAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items at random under the race detector")
	}
	const n = 200
	a, b, c := make([]float32, 8192*32), make([]float32, 8192*32), make([]float32, n*n)
	run := func() { Sgemm(false, true, n, n, n, 1, a, n, b, n, 0, c, n) }
	run()
	if allocs := testing.AllocsPerRun(20, run); allocs > 0 {
		t.Errorf("Sgemm %d^3 allocates %v times per call (GOMAXPROCS %d)", n, allocs, runtime.GOMAXPROCS(0))
	}
	small := func() { Sgemm(true, false, 9, 32, 8192, 1, a, 9, b, 32, 0, c, 32) }
	small()
	if allocs := testing.AllocsPerRun(20, small); allocs > 0 {
		t.Errorf("k-split Sgemm allocates %v times per call", allocs)
	}
}

// TestSgemmConcurrent runs products from several goroutines at once, as
// layers running side by side would, sharing the helper pool.
func TestSgemmConcurrent(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	tc := gemmCase{transB: true, m: 150, n: 90, k: 200, alpha: 1, beta: 0}
	if raceEnabled {
		tc.m = 60
	}
	f := newFixture(rng, tc)
	var wg sync.WaitGroup
	results := make([]*guarded, 4)
	for g := range results {
		results[g] = f.c.clone()
		wg.Go(func() {
			for range 5 {
				c := results[g]
				Sgemm(tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, f.a.data(), f.a.ld, f.b.data(), f.b.ld, tc.beta, c.data(), c.ld)
			}
		})
	}
	wg.Wait()
	for g, c := range results {
		for i, v := range c.buf {
			if math.Float32bits(v) != math.Float32bits(results[0].buf[i]) {
				t.Fatalf("goroutine %d: element %d differs: %v vs %v", g, i-guardBand, v, results[0].buf[i])
			}
		}
	}
	f.check(t, "Sgemm", func(tc gemmCase, a, b, c *guarded) { copy(c.buf, results[0].buf) })
}
