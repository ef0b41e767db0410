package nn

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/cnnscope/cnnscope/tensor"
)

// TestGraphFusionSameBits trains the graph presets (relu after
// BatchNormalization and Add in resnet-20, relu6 after BatchNormalization
// in mobilenet-v2, and mobilenet-v2's ZeroPadding2D handed to the
// DepthwiseConv2D after it, graph_pad.go) two steps with the fusions and
// two without (a Forward that collects statistics does not fuse; with
// relu or relu6 fused, its gradient is kept as bits): the
// losses, every gradient, the moving statistics and then an inference
// Forward must be the same bits, and fusion must have happened.
func TestGraphFusionSameBits(t *testing.T) {
	for _, c := range []struct {
		name string
		in   tensor.Shape
	}{{"resnet-20", tensor.Shape{8, 8, 3}}, {"mobilenet-v2-small", tensor.Shape{32, 32, 3}}} {
		var models [2]*Graph
		var losses [2][]float64
		for k := range models {
			m, err := NewPreset(c.name, c.in, 5)
			if err != nil {
				t.Fatal(err)
			}
			if err := m.Build(7); err != nil {
				t.Fatal(err)
			}
			g := m.(*Graph)
			g.CollectStats(k == 1)
			g.noShard = true // statistics never shard: fusion alone differs (shards: graph_shard_test.go)
			x, labels := fuseTestBatch(c.in, 6)
			for step := 0; step < 2; step++ {
				v, _ := g.Gradients(x, Target{Labels: labels}, nil, &SparseCategoricalCrossentropy{}, nil)
				losses[k] = append(losses[k], v)
				for _, p := range g.Params() { // a crude SGD step, the same for both
					if p.Param.Grad != nil && step == 0 {
						for i, d := range p.Param.Grad.Data {
							p.Param.Value.Data[i] -= 0.01 * d
						}
					}
				}
			}
			models[k] = g
		}
		if fused := countFused(models[0]); fused == 0 || countFused(models[1]) != 0 {
			t.Fatalf("%s: %d activations fused, %d with statistics on; want some and none", c.name, fused, countFused(models[1]))
		}
		keeps := 0 // relu's or relu6's gradient kept as bits (batchnorm_rows.go)
		for _, n := range models[0].nodes {
			if b, ok := n.layer.(*BatchNormalization); ok && b.keepOn {
				keeps++
			}
		}
		if keeps == 0 {
			t.Errorf("%s: no BatchNormalization kept its activation's gradient as bits", c.name)
		}
		if losses[0][0] != losses[1][0] || losses[0][1] != losses[1][1] {
			t.Errorf("%s: losses %v fused, %v not", c.name, losses[0], losses[1])
		}
		if pads := countPassed(models[0]); (pads == 0) != (c.name == "resnet-20") {
			t.Errorf("%s: %d ZeroPadding2D handed on", c.name, pads)
		}
		x, _ := fuseTestBatch(c.in, 6)
		g := models[0]
		y := g.Forward(x, false).Clone()
		for i, n := range g.nodes { // no padding handed on (statistics would also stop the folding)
			g.fusion.padTo[i] = -1
			if d, ok := n.layer.(*DepthwiseConv2D); ok {
				d.setPrePad(nil)
			}
		}
		sameFloats(t, c.name+" inference", y.Data, g.Forward(x, false).Data)
		pa, pb := models[0].Params(), models[1].Params()
		for i := range pa {
			sameFloats(t, c.name+" "+pa[i].FullName(), pa[i].Param.Value.Data, pb[i].Param.Value.Data)
			if pa[i].Param.Grad != nil {
				sameFloats(t, c.name+" "+pa[i].FullName()+" gradient", pa[i].Param.Grad.Data, pb[i].Param.Grad.Data)
			}
		}
	}
}

func fuseTestBatch(in tensor.Shape, n int) (*tensor.Tensor, []int32) {
	rng := rand.New(rand.NewPCG(8, 9))
	x := tensor.New(append([]int{n}, in...)...)
	for i := range x.Data {
		x.Data[i] = 2*rng.Float32() - 0.5
	}
	labels := make([]int32, n)
	for i := range labels {
		labels[i] = int32(rng.IntN(5))
	}
	return x, labels
}

func countFused(g *Graph) int {
	n := 0
	for i := range g.nodes {
		if g.fusedActivation(i) {
			n++
		}
	}
	return n
}

func countPassed(g *Graph) int {
	n := 0
	for i := range g.nodes {
		if g.passedPadding(i) {
			n++
		}
	}
	return n
}

func sameFloats(t *testing.T, what string, a, b []float32) {
	t.Helper()
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			t.Fatalf("%s[%d] = %g fused, %g not", what, i, a[i], b[i])
		}
	}
}

// A ZeroPadding2D of uneven amounts before a DepthwiseConv2D (strides 2
// and 1, padding "valid" and "same") gives the same gradients handed on
// as not (statistics on), and the second one an input gradient of the
// unpadded shape.
func TestPaddingHandedOnSameBits(t *testing.T) {
	in := tensor.Shape{7, 6, 5}
	var grads [2][][]float32
	for k := range grads {
		g := NewGraph(in)
		x := g.Call(&ZeroPadding2D{Padding: [4]int{2, 1, 1, 3}}, g.In())
		x = g.Call(&DepthwiseConv2D{KernelSize: [2]int{3, 3}, Strides: [2]int{2, 2}}, x)
		x = g.Call(&ZeroPadding2D{Padding: [4]int{1, 0, 0, 2}}, x)
		x = g.Call(&DepthwiseConv2D{KernelSize: [2]int{3, 2}, Padding: "same", Activation: "relu"}, x)
		g.Call(&Dense{Units: 5, Activation: "softmax"}, g.Call(&GlobalAveragePooling2D{}, x))
		if err := g.Build(3); err != nil {
			t.Fatal(err)
		}
		g.CollectStats(k == 1)
		g.noShard = true // statistics never shard: fusion alone differs
		xb, labels := fuseTestBatch(in, 4)
		g.Gradients(xb, Target{Labels: labels}, nil, &SparseCategoricalCrossentropy{}, nil)
		if n := countPassed(g); n != 2*(1-k) {
			t.Fatalf("statistics %v: %d ZeroPadding2D handed on", k == 1, n)
		}
		for _, p := range g.Params() {
			grads[k] = append(grads[k], p.Param.Grad.Data)
		}
		if dx := g.nodes[3].layer.(*DepthwiseConv2D).dx; k == 0 && !dx.Shape[1:].Equal(g.shapes[1]) {
			t.Fatalf("input gradient of the second DepthwiseConv2D has shape %v, want %v", dx.Shape, g.shapes[1])
		}
	}
	for i := range grads[0] {
		sameFloats(t, "gradient", grads[0][i], grads[1][i])
	}
}
