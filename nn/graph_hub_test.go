package nn

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/cnnscope/cnnscope/tensor"
)

// TestGraphHubSameBits: mobilenet-v2-small with the BatchNormalizations'
// passes run per sample in its depthwise convolutions (graph_hub.go)
// gives the bits of the same model without them: losses, every weight
// and gradient over two steps with a crude SGD step between, and the
// inference output after; at one and two threads. The BatchNormalizations
// before the convolutions do not write their output (the convolutions
// compute it into their scratch, in Forward and again in Backward). At
// 64×64 and batch 4 the 32×32 layers' blocks lie in samples (all four
// passes move) and the 16×16 ones' do not (only the elementwise passes
// move). A small graph with relu instead of relu6 (10×10, batch 3: only
// the elementwise passes) too.
func TestGraphHubSameBits(t *testing.T) {
	mobile := func() *Graph {
		m, err := NewPreset("mobilenet-v2-small", tensor.Shape{64, 64, 3}, 5)
		if err != nil {
			t.Fatal(err)
		}
		return m.(*Graph)
	}
	relu := func() *Graph {
		g := NewGraph(tensor.Shape{10, 10, 8})
		x := g.Call(&Conv2D{Filters: 16, KernelSize: [2]int{1, 1}, NoBias: true}, g.In())
		x = g.Call(&Activation{Function: "relu"}, g.Call(&BatchNormalization{}, x))
		x = g.Call(&DepthwiseConv2D{KernelSize: [2]int{3, 3}, Padding: "same", NoBias: true}, x)
		x = g.Call(&Activation{Function: "relu"}, g.Call(&BatchNormalization{}, x))
		x = g.Call(&GlobalAveragePooling2D{}, x)
		g.Call(&Dense{Units: 5, Activation: "softmax"}, x)
		return g
	}
	residual := func() *Graph { // a pointwise conv's BatchNormalization read by an Add with relu (batchnorm_add.go)
		g := NewGraph(tensor.Shape{32, 32, 8})
		x := g.Call(&BatchNormalization{}, g.Call(&Conv2D{Filters: 8, KernelSize: [2]int{1, 1}, NoBias: true}, g.In()))
		x = g.Call(&Activation{Function: "relu"}, g.Call(&Add{}, x, g.In()))
		x = g.Call(&Activation{Function: "relu6"}, g.Call(&BatchNormalization{}, g.Call(&Conv2D{Filters: 16, KernelSize: [2]int{1, 1}, NoBias: true}, x)))
		x = g.Call(&DepthwiseConv2D{KernelSize: [2]int{3, 3}, Padding: "same", NoBias: true}, x)
		x = g.Call(&Activation{Function: "relu6"}, g.Call(&BatchNormalization{}, x))
		x = g.Call(&GlobalAveragePooling2D{}, x)
		g.Call(&Dense{Units: 5, Activation: "softmax"}, x)
		return g
	}
	for _, procs := range []int{1, 2} {
		func() {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
			checkHubs(t, fmt.Sprintf("residual graph, %d threads", procs), residual, 3, ranApply|ranStats|ranSums|ranGrad|ranConvGrad)
			checkHubs(t, fmt.Sprintf("mobilenet-v2-small, %d threads", procs), mobile, 4, ranApply|ranStats|ranSums|ranGrad|ranConvGrad|ranConvSums)
			checkHubs(t, fmt.Sprintf("relu graph, %d threads", procs), relu, 3, ranApply|ranGrad|ranConvGrad)
		}()
	}
}

// checkHubs trains two copies of a model, with and without the passes in
// the depthwise convolutions, and compares them; want is the passes that
// must have run.
func checkHubs(t *testing.T, what string, build func() *Graph, n int, want hubPasses) {
	t.Helper()
	var models [2]*Graph
	var losses [2][2]float64
	for k := range models {
		g := build()
		g.hubsOff = k == 1
		if err := g.Build(3); err != nil {
			t.Fatal(err)
		}
		x, labels := fuseTestBatch(g.Input, n)
		for step := range 2 {
			losses[k][step], _ = g.Gradients(x, Target{Labels: labels}, nil, &SparseCategoricalCrossentropy{}, nil)
			if step == 1 {
				break
			}
			for _, p := range g.Params() {
				if p.Param.Grad != nil {
					for i, d := range p.Param.Grad.Data {
						p.Param.Value.Data[i] -= 0.01 * d
					}
				}
			}
		}
		models[k] = g
	}
	if losses[0] != losses[1] {
		t.Fatalf("%s: losses %v with the passes in the depthwise convolutions, %v without", what, losses[0], losses[1])
	}
	if ran := hubPassesRan(models[0]); ran != want {
		t.Errorf("%s: passes run in the depthwise convolutions %04b, want %04b", what, ran, want)
	}
	virtual := 0
	for _, n := range models[0].nodes {
		if b, ok := n.layer.(*BatchNormalization); ok && b.hub.virtual {
			virtual++
		}
	}
	if virtual == 0 {
		t.Errorf("%s: no BatchNormalization left its output unwritten", what)
	}
	if ran := hubPassesRan(models[1]); ran != 0 {
		t.Errorf("%s: passes %04b ran in the convolutions with hubsOff", what, ran)
	}
	pa, pb := models[0].Params(), models[1].Params()
	for i := range pa {
		sameFloats(t, pa[i].Param.Name, pa[i].Param.Value.Data, pb[i].Param.Value.Data)
		if pa[i].Param.Grad != nil {
			sameFloats(t, pa[i].Param.Name+" gradient", pa[i].Param.Grad.Data, pb[i].Param.Grad.Data)
		}
	}
	x, _ := fuseTestBatch(models[0].Input, 3)
	sameFloats(t, what+" inference", models[0].Forward(x, false).Data, models[1].Forward(x, false).Data)
}

// hubPassesRan is the union of the passes the depthwise convolutions ran
// for g's BatchNormalizations.
func hubPassesRan(g *Graph) hubPasses {
	var ran hubPasses
	for _, n := range g.nodes {
		if b, ok := n.layer.(*BatchNormalization); ok {
			ran |= b.hub.ran
		}
	}
	return ran
}
