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
// whole batch stayed.
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
