package nn

import (
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/cnnscope/cnnscope/tensor"
)

// A Graph's inference Forward writes the outputs into slabs reused once
// their last reader has run: the outputs are the same, bit for bit, as
// with a buffer per layer, training steps in between are unaffected, and
// a few slabs hold every tensor.
func TestGraphArenaMatchesOwnBuffers(t *testing.T) {
	for name, mk := range map[string]func() *Graph{
		"resnet-20":          func() *Graph { return ResNet20(tensor.Shape{8, 8, 3}, 3) },
		"mobilenet-v2-small": func() *Graph { return MobileNetV2Small(tensor.Shape{32, 32, 1}, 3) },
		"add-same-flatten": func() *Graph {
			g := NewGraph(tensor.Shape{4, 4, 2})
			a := g.Call(&Conv2D{Filters: 2, KernelSize: [2]int{3, 3}, Padding: "same"}, g.In())
			b := g.Call(&Activation{Function: "relu"}, a)
			s := g.Call(&Add{}, b, b)
			f := g.Call(&Flatten{}, s)
			g.Call(&Dense{Units: 3, Activation: "softmax"}, g.Call(&Add{}, f, g.Call(&Flatten{}, a)))
			return g
		},
	} {
		shared, own := mk(), mk()
		for _, g := range []*Graph{shared, own} {
			if err := g.Build(3); err != nil {
				t.Fatal(name, err)
			}
		}
		for _, n := range own.nodes {
			if u, ok := n.layer.(arenaUser); ok {
				u.setArena(nil)
			}
		}
		rng := rand.New(rand.NewPCG(1, 2))
		x := tensor.New(append([]int{3}, shared.Input...)...)
		for i := range x.Data {
			x.Data[i] = rng.Float32()*2 - 1
		}
		labels := []int32{0, 1, 2}
		for step := 0; step < 2; step++ {
			for _, g := range []*Graph{shared, own} {
				g.Gradients(x, Target{Labels: labels}, nil, &SparseCategoricalCrossentropy{}, nil)
			}
			ps, po := shared.Params(), own.Params()
			for k := range ps {
				if ps[k].Trainable {
					sameBitsT(t, name+" gradient of "+ps[k].Layer.Name()+" "+ps[k].Name, ps[k].Grad.Data, po[k].Grad.Data)
				}
			}
			y1, y2 := shared.Forward(x, false), own.Forward(x, false)
			sameBitsT(t, name+" inference output", y1.Data, y2.Data)
		}
		if n := len(shared.arena.slabs); n == 0 || n > 4 {
			t.Errorf("%s: %d slabs, want 1 to 4", name, n)
		}
		if fps, _ := shared.plan(); name == "resnet-20" && shared.countSlabs(fps) != len(shared.arena.slabs) {
			t.Errorf("%s: the estimate counts %d slabs, Forward took %d", name, shared.countSlabs(fps), len(shared.arena.slabs))
		}
		if shared.arena.holding(shared.outs[len(shared.nodes)-2].Data) < 0 && name == "resnet-20" {
			t.Errorf("%s: the layer before the output did not write into the arena", name)
		}
	}
}

func sameBitsT(t *testing.T, what string, a, b []float32) {
	t.Helper()
	for i, v := range a {
		if math.Float32bits(v) != math.Float32bits(b[i]) {
			t.Fatalf("%s [%d] = %v vs %v", what, i, v, b[i])
		}
	}
}

// A model's Winograd convolutions share one scratch for their kernel
// gradients (the model's arena's, about 1 MiB: each layer held its own),
// with the same gradients as layers on their own.
func TestWinogradGradScratchShared(t *testing.T) {
	mk := func() Model {
		m := Sequential{Input: tensor.Shape{8, 8, 32}, Layers: []Layer{
			&Conv2D{Filters: 32, KernelSize: [2]int{3, 3}, Padding: "same", Activation: "relu"},
			&Conv2D{Filters: 32, KernelSize: [2]int{3, 3}, Padding: "same", Activation: "relu"},
			&Flatten{}, &Dense{Units: 3, Activation: "softmax"},
		}}
		return &m
	}
	for name, pair := range map[string][2]Model{
		"resnet-20":  {ResNet20(tensor.Shape{16, 16, 3}, 3), ResNet20(tensor.Shape{16, 16, 3}, 3)},
		"sequential": {mk(), mk()},
	} {
		shared, own := pair[0], pair[1]
		var winos int
		var convs []*Conv2D
		for i, m := range pair {
			if err := m.Build(3); err != nil {
				t.Fatal(name, err)
			}
			for _, l := range modelLayers(m) {
				c, ok := l.(*Conv2D)
				if ok && i == 0 && c.useWinograd() {
					winos++
					convs = append(convs, c)
				}
				if u, ok := l.(arenaUser); ok && i == 1 {
					u.setArena(nil)
				}
			}
		}
		if winos < 2 {
			t.Fatalf("%s: %d Winograd convolutions, want 2 or more", name, winos)
		}
		rng := rand.New(rand.NewPCG(1, 2))
		x := tensor.New(append([]int{4}, shared.InputShape()...)...)
		for i := range x.Data {
			x.Data[i] = rng.Float32()*2 - 1
		}
		for step := 0; step < 2; step++ {
			for _, m := range pair {
				m.Gradients(x, Target{Labels: []int32{0, 1, 2, 1}}, nil, &SparseCategoricalCrossentropy{}, nil)
			}
			ps, po := shared.Params(), own.Params()
			for k := range ps {
				if ps[k].Trainable {
					sameBitsT(t, name+" gradient of "+ps[k].Layer.Name()+" "+ps[k].Name, ps[k].Grad.Data, po[k].Grad.Data)
				}
			}
		}
		for _, c := range convs {
			if c.wino.scratch != nil {
				t.Errorf("%s: %s holds a kernel-gradient scratch of its own", name, c.Name())
			}
		}
	}
}

// modelLayers lists a Sequential's or a Graph's layers.
func modelLayers(m Model) []Layer {
	if g, ok := m.(*Graph); ok {
		return g.layers()
	}
	return m.(*Sequential).Layers
}

// A Graph's Backward writes its layers' input gradients into a few
// gradient slabs, reused once a gradient has been read (graph_grads.go),
// not into a buffer per layer, with the same gradients: resnet-20 (its
// residual Adds, the masked shortcut gradients) with one shard per thread
// and on one thread alone.
func TestGraphGradSlabs(t *testing.T) {
	for _, sharded := range []bool{false, true} {
		shared, own := ResNet20(tensor.Shape{16, 16, 3}, 3), ResNet20(tensor.Shape{16, 16, 3}, 3)
		for _, g := range []*Graph{shared, own} {
			if err := g.Build(3); err != nil {
				t.Fatal(err)
			}
			g.noShard = !sharded
		}
		for _, n := range own.nodes {
			if u, ok := n.layer.(arenaUser); ok {
				u.setArena(nil)
			}
		}
		rng := rand.New(rand.NewPCG(1, 2))
		x := tensor.New(4, 16, 16, 3)
		for i := range x.Data {
			x.Data[i] = rng.Float32()*2 - 1
		}
		for step := 0; step < 3; step++ {
			for _, g := range []*Graph{shared, own} {
				g.Gradients(x, Target{Labels: []int32{0, 1, 2, 1}}, nil, &SparseCategoricalCrossentropy{}, nil)
			}
			ps, po := shared.Params(), own.Params()
			for k := range ps {
				if ps[k].Trainable {
					sameBitsT(t, "gradient of "+ps[k].Layer.Name()+" "+ps[k].Name, ps[k].Grad.Data, po[k].Grad.Data)
				}
			}
		}
		if n := gradBuffers(own); n < 10 {
			t.Errorf("sharded %v: own buffers: %d gradient buffers apart from the outputs, want 10 or more", sharded, n)
		}
		if n := gradBuffers(shared); n > 4 {
			t.Errorf("sharded %v: %d gradient buffers apart from the outputs, want at most 4", sharded, n)
		}
		if sharded && shared.shards.ran < 2 && runtime.GOMAXPROCS(0) > 1 {
			t.Errorf("the step ran in %d shards", shared.shards.ran)
		}
	}
}

// gradBuffers counts the distinct buffers the last Backward left as
// gradients of g's tensors, apart from the layers' outputs (a
// BatchNormalization may write its input gradient over its input) and
// the loss gradient.
func gradBuffers(g *Graph) int {
	seen := map[*float32]bool{}
	for _, o := range g.outs {
		if o != nil && len(o.Data) > 0 {
			seen[&o.Data[0]] = true
		}
	}
	if g.dout != nil {
		seen[&g.dout.Data[0]] = true
	}
	n := 0
	for _, p := range g.pending {
		if p != nil && len(p.Data) > 0 && !seen[&p.Data[0]] {
			seen[&p.Data[0]] = true
			n++
		}
	}
	return n
}
