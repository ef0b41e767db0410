package nn

import (
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"

	"github.com/cnnscope/cnnscope/tensor"
)

// statsStep is one Gradients call at procs threads with statistics on or
// off; it returns the loss, the output, every parameter gradient and the
// statistics (nil when off).
func statsStep(m Model, procs int, on bool, x *tensor.Tensor, labels []int32) (float64, []float32, [][]float32, []ActivationStats) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
	m.CollectStats(on)
	defer m.CollectStats(false)
	v, out := m.Gradients(x, Target{Labels: labels}, nil, &SparseCategoricalCrossentropy{}, nil)
	var grads [][]float32
	for _, p := range m.Params() {
		if p.Grad != nil {
			grads = append(grads, slices.Clone(p.Grad.Data))
		}
	}
	var st []ActivationStats
	if on {
		st = slices.Clone(m.Stats())
	}
	return v, slices.Clone(out.Data), grads, st
}

// A step that collects activation statistics on two threads trains in
// shards, as a plain step does, and to the same bits (the layers' fused
// work done apart gives the same values); its statistics are those of
// the whole batch on one thread, up to the order of the sums: the
// counts of zeros and saturated outputs within a few outputs (a value
// near zero may round to the other side), dead units equal. Before, it
// ran the whole batch on the model, unfused, and its buffers for the
// whole batch stayed. After statistics steps (the replicas' collection
// and unfused layers turned off again) a plain step is the same bits as
// on a model that never collected them.
func TestStatsStepTrainsInShards(t *testing.T) {
	cases := map[string]func() Model{
		"resnet-20":   func() Model { return ResNet20(tensor.Shape{16, 16, 3}, 5) },
		"small graph": func() Model { return estimateTestGraph() },
		"vgg-small":   func() Model { return VGGSmall(tensor.Shape{16, 16, 3}, 5) },
		"mixed":       func() Model { return shardModels()["mixed"]() },
	}
	for name, mk := range cases {
		t.Run(name, func(t *testing.T) {
			var ms [3]Model // statistics on two threads, plain on two, statistics on one
			for i := range ms {
				ms[i] = mk()
				if err := ms[i].Build(7); err != nil {
					t.Fatal(err)
				}
			}
			rng := rand.New(rand.NewPCG(5, 6))
			classes := ms[0].Output()[0]
			for step, n := range []int{32, 17} {
				x := randTensor(rng, 1, append([]int{n}, ms[0].InputShape()...)...)
				labels := make([]int32, n)
				for i := range labels {
					labels[i] = int32(rng.IntN(classes))
				}
				v0, out0, g0, st0 := statsStep(ms[0], 2, true, x, labels)
				v1, out1, g1, _ := statsStep(ms[1], 2, false, x, labels)
				_, _, _, st2 := statsStep(ms[2], 1, true, x, labels)
				if ran := shardsRan(ms[0]); ran != 2 {
					t.Fatalf("step %d: the statistics step ran %d shards, want 2", step, ran)
				}
				if v0 != v1 || !slices.Equal(out0, out1) || !slices.EqualFunc(g0, g1, slices.Equal) {
					t.Fatalf("step %d: the statistics step trained other bits than a plain step", step)
				}
				if g, ok := ms[0].(*Graph); ok {
					statsOfShards(t, g, st0)
				}
				if len(st0) != len(st2) || len(st0) == 0 {
					t.Fatalf("step %d: %d statistics in shards, %d whole", step, len(st0), len(st2))
				}
				for k, a := range st0 {
					statsClose(t, a, st2[k])
				}
				for _, m := range ms[1:] { // the three models keep the same weights
					for j, p := range m.Params() {
						copy(p.Value.Data, ms[0].Params()[j].Value.Data)
					}
				}
			}
			x := randTensor(rng, 1, append([]int{32}, ms[0].InputShape()...)...)
			labels := make([]int32, 32)
			v0, out0, g0, _ := statsStep(ms[0], 2, false, x, labels)
			v1, out1, g1, _ := statsStep(ms[1], 2, false, x, labels)
			if v0 != v1 || !slices.Equal(out0, out1) || !slices.EqualFunc(g0, g1, slices.Equal) {
				t.Fatal("after statistics steps, a plain step trained other bits than on a model that never collected them")
			}
		})
	}
}

// shardsRan is the shard count of m's last Gradients.
func shardsRan(m Model) int {
	switch m := m.(type) {
	case *Graph:
		return m.shards.ran
	case *Sequential:
		return m.shards.ran
	}
	return 0
}

// statsClose fails unless a (in shards) and b (whole batch) agree as
// TestStatsStepTrainsInShards says.
func statsClose(t *testing.T, a, b ActivationStats) {
	t.Helper()
	near := func(x, y, tol float64) bool { return math.Abs(x-y) <= tol*max(1, math.Abs(y)) }
	if a.Layer != b.Layer || a.Activation != b.Activation || a.NonFinite != b.NonFinite || a.DeadFrac != b.DeadFrac ||
		!near(a.Mean, b.Mean, 1e-5) || !near(a.Std, b.Std, 1e-5) || !near(a.ZeroFrac, b.ZeroFrac, 1e-3) || !near(a.SaturatedFrac, b.SaturatedFrac, 1e-3) {
		t.Errorf("%s: statistics in shards %+v, whole batch %+v", b.Layer, a, b)
	}
}

// statsOfShards checks g's statistics of a sharded step, st, against
// those of each layer's outputs on the shards (the model's and its
// replica's, still in their buffers) put together in batch order: the
// counts exactly, the mean and deviation up to float64 rounding.
func statsOfShards(t *testing.T, g *Graph, st []ActivationStats) {
	t.Helper()
	r := g.shards.reps[0]
	var whole statsCollector
	whole.on = true
	whole.begin()
	for i, n := range g.nodes {
		a, b := g.outs[i], r.outs[i]
		y := tensor.New(append([]int{a.Shape[0] + b.Shape[0]}, a.Shape[1:]...)...)
		copy(y.Data[copy(y.Data, a.Data):], b.Data)
		whole.observe(i, n.layer, y)
	}
	for k, want := range whole.last {
		got := st[k]
		near := func(x, y float64) bool { return math.Abs(x-y) <= 1e-12*max(1, math.Abs(y)) }
		if got.ZeroFrac != want.ZeroFrac || got.SaturatedFrac != want.SaturatedFrac || got.DeadFrac != want.DeadFrac ||
			got.NonFinite != want.NonFinite || !near(got.Mean, want.Mean) || !near(got.Std, want.Std) {
			t.Errorf("%s: merged statistics %+v, of the shards' outputs %+v", want.Layer, got, want)
		}
	}
}

// measureRef is measure as it was, one branchy loop over the values: the
// reference of TestMeasureFastPath.
func measureRef(y *tensor.Tensor, lo, hi float32) statsSums {
	c := y.Shape[len(y.Shape)-1]
	u := statsSums{n: len(y.Data), alive: make([]bool, c)}
	for r := 0; r+c <= len(y.Data); r += c {
		var rs, rq float32
		for j, v := range y.Data[r : r+c] {
			if v != v || v > math.MaxFloat32 || v < -math.MaxFloat32 {
				u.nonFin++
				continue
			}
			u.finite++
			rs += v
			rq += v * v
			if v == 0 {
				u.zeros++
			} else {
				u.alive[j] = true
			}
			if lo <= hi && (v < lo || v > hi) {
				u.satur++
			}
		}
		u.sum += float64(rs)
		u.sq += float64(rq)
	}
	return u
}

// measure's fast path (rows of finite values, no branches on zeros) gives
// the sums and counts of the plain loop, to the bit: on relu-like rows
// (half zeros, -0 among them, a channel always zero), with rows holding
// NaN, ±Inf or values whose squares overflow, and with saturation bounds.
func TestMeasureFastPath(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	odd := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), 3e19, -2e20, float32(math.Copysign(0, -1))}
	for _, c := range []int{1, 3, 16, 64} {
		for _, bad := range []int{0, 1, 5} {
			y := tensor.New(40, 2, c)
			for i := range y.Data {
				if v := float32(rng.NormFloat64()); v > 0 && i%c != c-1 {
					y.Data[i] = v
				}
			}
			for range bad {
				y.Data[rng.IntN(len(y.Data))] = odd[rng.IntN(len(odd))]
			}
			for _, b := range [][2]float32{{1, -1}, {0.01, 0.99}, {-0.99, 0.99}} {
				var got statsSums
				got.measure(y, b[0], b[1])
				want := measureRef(y, b[0], b[1])
				if math.Float64bits(got.sum) != math.Float64bits(want.sum) || math.Float64bits(got.sq) != math.Float64bits(want.sq) ||
					got.n != want.n || got.finite != want.finite || got.zeros != want.zeros || got.satur != want.satur ||
					got.nonFin != want.nonFin || !slices.Equal(got.alive, want.alive) {
					t.Errorf("%d channels, %d odd values, bounds %v: measure %+v, want %+v", c, bad, b, got, want)
				}
			}
		}
	}
}
