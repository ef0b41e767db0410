package nn

import (
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"

	"github.com/cnnscope/cnnscope/tensor"
)

// graphShardStep is one Gradients call of g at procs threads; it returns
// the loss, the output, the per-sample losses, every parameter gradient
// and the BatchNormalizations' moving statistics after the step.
func graphShardStep(g *Graph, procs int, x *tensor.Tensor, labels []int32, w []float32) (float64, []float32, []float32, [][]float32, [][]float32) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
	per := make([]float32, len(labels))
	v, out := g.Gradients(x, Target{Labels: labels}, w, &SparseCategoricalCrossentropy{}, per)
	var grads, moving [][]float32
	for _, p := range g.Params() {
		switch {
		case p.Grad != nil:
			grads = append(grads, slices.Clone(p.Grad.Data))
		case p.Name == "moving_mean" || p.Name == "moving_variance":
			moving = append(moving, slices.Clone(p.Value.Data))
		}
	}
	return v, slices.Clone(out.Data), per, grads, moving
}

// TestGraphShards checks a Graph's training step cut into shards (2 and 3
// threads; graph_shard.go) against the whole batch on one thread, for
// resnet-20 and mobilenet-v2-small: the same outputs, per-sample losses,
// loss (class weights on), gradients and moving statistics up to the
// order of their sums. Two sharded models give the same bits, also after
// the weights change between steps and for a batch that does not split
// evenly; and the step did run in shards. Each step starts the three
// from the same weights (small models at small batches are
// ill-conditioned: mobilenet's last BatchNormalizations see a few rows,
// and a step's rounding moves the next step's loss by 1e-4).
func TestGraphShards(t *testing.T) {
	cases := []struct {
		name string
		in   tensor.Shape
	}{{"resnet-20", tensor.Shape{16, 16, 3}}, {"mobilenet-v2-small", tensor.Shape{32, 32, 3}}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var gs [3]*Graph
			for i := range gs {
				m, err := NewPreset(c.name, c.in, 5)
				if err != nil {
					t.Fatal(err)
				}
				if err := m.Build(7); err != nil {
					t.Fatal(err)
				}
				gs[i] = m.(*Graph)
			}
			rng := rand.New(rand.NewPCG(3, 4))
			for step, b := range []struct{ n, procs int }{{8, 2}, {7, 2}, {9, 3}} {
				x := randTensor(rng, 1, append([]int{b.n}, c.in...)...)
				labels, w := make([]int32, b.n), make([]float32, b.n)
				for i := range labels {
					labels[i], w[i] = int32(rng.IntN(5)), float32(rng.Float64()+0.5)
				}
				v0, out0, per0, g0, mv0 := graphShardStep(gs[0], 1, x, labels, w)
				v1, out1, per1, g1, mv1 := graphShardStep(gs[1], b.procs, x, labels, w)
				v2, out2, per2, g2, mv2 := graphShardStep(gs[2], b.procs, x, labels, w)
				if gs[0].shards.ran != 0 || gs[1].shards.ran != b.procs {
					t.Fatalf("step %d: %d and %d shards ran, want 0 and %d", step, gs[0].shards.ran, gs[1].shards.ran, b.procs)
				}
				if v1 != v2 || !slices.Equal(out1, out2) || !slices.Equal(per1, per2) || !slices.EqualFunc(g1, g2, slices.Equal) || !slices.EqualFunc(mv1, mv2, slices.Equal) {
					t.Fatalf("step %d: two sharded models differ", step)
				}
				if math.Abs(v0-v1) > 1e-5*math.Abs(v0) {
					t.Errorf("step %d: loss %v sharded, %v whole", step, v1, v0)
				}
				closeTo(t, "output", out1, out0, 1e-5)
				closeTo(t, "per-sample loss", per1, per0, 1e-5)
				for j := range g0 {
					closeTo(t, "gradient", g1[j], g0[j], 1e-4)
				}
				for j := range mv0 {
					closeTo(t, "moving statistic", mv1[j], mv0[j], 1e-5)
				}
				graphShardNextWeights(gs)

			}
		})
	}
}

// graphShardNextWeights takes a stand-in for an optimizer step on the
// first model and copies its weights and moving statistics into the others.
func graphShardNextWeights(gs [3]*Graph) {
	ps := gs[0].Params()
	for _, p := range ps {
		if p.Grad != nil {
			for i, d := range p.Grad.Data {
				p.Value.Data[i] -= 0.05 * d
			}
		}
	}
	for _, g := range gs[1:] {
		for i, p := range g.Params() {
			copy(p.Value.Data, ps[i].Value.Data)
		}
	}
}

// A Graph with a Dropout whose second shard would not start on a whole
// mask word (16 samples of 3 units), or on a batch of fewer than two
// samples a thread trains on the whole batch; one collecting statistics
// trains in shards (stats.go).
func TestGraphShardCountLimits(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	drop := NewGraph(tensor.Shape{8})
	drop.Call(&Dense{Units: 2}, drop.Call(&Dropout{Rate: 0.5}, drop.Call(&Dense{Units: 3}, drop.In())))
	plain := NewGraph(tensor.Shape{8})
	plain.Call(&Dense{Units: 2}, plain.Call(&BatchNormalization{}, plain.Call(&Dense{Units: 4}, plain.In())))
	for _, g := range []*Graph{drop, plain} {
		if err := g.Build(1); err != nil {
			t.Fatal(err)
		}
	}
	d, p, p3 := drop.shardCount(32), plain.shardCount(32), plain.shardCount(3)
	plain.CollectStats(true)
	ps := plain.shardCount(32)
	if d != 1 || p != 2 || p3 != 1 || ps != 2 {
		t.Errorf("shardCount at 2 threads: %d with Dropout, %d without, %d for 3 samples, %d collecting statistics; want 1, 2, 1, 2", d, p, p3, ps)
	}
}

// TestGraphShardsDropout: a Graph with Dropouts trains in shards with the
// masks of the whole batch's step (the shards' words put together are
// its mask, bit for bit), its gradients up to the order of their sums,
// and the layers' sources where the whole batch's step leaves them.
func TestGraphShardsDropout(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	var gs [2]*Graph
	for i := range gs {
		g := NewGraph(tensor.Shape{8, 8, 3})
		x := g.Call(&Dropout{Rate: 0.3}, g.Call(&Conv2D{Filters: 8, KernelSize: [2]int{3, 3}, Padding: "same", Activation: "relu"}, g.In()))
		x = g.Call(&Dropout{Rate: 0.5}, g.Call(&Dense{Units: 16, Activation: "relu"}, g.Call(&Flatten{}, x)))
		g.Call(&Dense{Units: 5, Activation: "softmax"}, x)
		if err := g.Build(7); err != nil {
			t.Fatal(err)
		}
		gs[i] = g
	}
	gs[0].noShard = true
	rng := rand.New(rand.NewPCG(5, 6))
	for step := range 2 {
		x := randTensor(rng, 1, 8, 8, 8, 3)
		labels := make([]int32, 8)
		for i := range labels {
			labels[i] = int32(rng.IntN(5))
		}
		v0, _, _, g0, _ := graphShardStep(gs[0], 2, x, labels, nil)
		v1, _, _, g1, _ := graphShardStep(gs[1], 2, x, labels, nil)
		if gs[1].shards.ran != 2 {
			t.Fatalf("step %d: %d shards ran, want 2", step, gs[1].shards.ran)
		}
		if math.Abs(v0-v1) > 1e-5*math.Abs(v0) {
			t.Errorf("step %d: loss %v sharded, %v whole", step, v1, v0)
		}
		for j := range g0 {
			closeTo(t, "gradient", g1[j], g0[j], 1e-4)
		}
		for i, nd := range gs[0].nodes {
			d0, ok := nd.layer.(*Dropout)
			if !ok {
				continue
			}
			var words []uint64
			for _, m := range gs[1].shards.models {
				words = append(words, m.nodes[i].layer.(*Dropout).mask...)
			}
			if !slices.Equal(words, d0.mask) {
				t.Errorf("step %d: %s's shards' masks are not the whole batch's", step, d0.Name())
			}
			s0, _ := d0.src.MarshalBinary()
			s1, _ := gs[1].nodes[i].layer.(*Dropout).src.MarshalBinary()
			if !slices.Equal(s0, s1) {
				t.Errorf("step %d: %s's source differs after the step", step, d0.Name())
			}
		}
	}
}
