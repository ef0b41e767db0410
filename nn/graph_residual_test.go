package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/cnnscope/cnnscope/tensor"
)

// TestGraphResidualSameBits: an inference Forward whose Conv2Ds take over
// the Add and relu after them (graph_residual.go) gives the bits of one
// that runs the Adds: resnet-20 (every block's Add taken over: the
// identity blocks' second convolutions, direct and Winograd, and the
// projection blocks' 1x1 stride-2 shortcuts) and a graph with the
// convolution as the Add's second operand, on 1 and 2 threads; a
// Forward that collects statistics, and training, take none over.
func TestGraphResidualSameBits(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, procs := range []int{1, 2} {
		runtime.GOMAXPROCS(procs)
		for _, c := range []struct {
			name  string
			g     *Graph
			adds  int
			batch int
		}{
			{"resnet-20", ResNet20(tensor.Shape{16, 16, 3}, 4), 9, 3},
			{"direct, conv second", residualGraph(tensor.Shape{6, 10, 16}, false), 2, 2},
			{"direct, conv first", residualGraph(tensor.Shape{6, 10, 16}, true), 2, 2},
			{"winograd, conv second", residualGraph(tensor.Shape{6, 10, 32}, false), 2, 2},
			{"winograd, conv first", residualGraph(tensor.Shape{6, 10, 32}, true), 2, 2},
			{"winograd, odd size", residualGraph(tensor.Shape{5, 7, 32}, true), 2, 3},
		} {
			name := fmt.Sprintf("%s/%d threads", c.name, procs)
			g := c.g
			if err := g.Build(5); err != nil {
				t.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(4, 5))
			randomizeNorms(g, rng)
			x := randTensor(rng, 1, append([]int{c.batch}, g.Input...)...)
			got := append([]float32(nil), g.Forward(x, false).Data...)
			taken := 0
			for i, done := range g.resid.done {
				if done {
					taken++
					if g.resid.res[i] == noResidual {
						t.Fatalf("%s: node %d took over an Add it was not planned for", name, i)
					}
				}
			}
			if taken != c.adds {
				t.Fatalf("%s: %d Adds taken over, want %d", name, taken, c.adds)
			}
			plan := g.resid
			g.planResidualsOff()
			want := g.Forward(x, false).Data
			g.resid = plan
			for i := range want {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("%s: output %d = %v, want %v (the Adds run)", name, i, got[i], want[i])
				}
			}
			g.CollectStats(true)
			g.Forward(x, false)
			g.CollectStats(false)
			g.Forward(x, true)
			for i, done := range g.resid.done {
				if done {
					t.Fatalf("%s: node %d took over its Add collecting statistics or in training", name, i)
				}
			}
		}
	}
}

// planResidualsOff clears the residual plan (tests: the Adds run).
func (g *Graph) planResidualsOff() {
	k := len(g.nodes)
	g.resid = graphResiduals{res: make([]Ref, k), first: make([]bool, k), by: make([]int, k), done: make([]bool, k)}
	for i := range g.resid.res {
		g.resid.res[i], g.resid.by[i] = noResidual, -1
	}
}

// residualGraph is two residual blocks, the Add reading the convolution
// first (convFirst) or the shortcut first: a 3x3 convolution with a
// BatchNormalization, then a linear one without (16 channels: direct;
// 32: Winograd).
func residualGraph(in tensor.Shape, convFirst bool) *Graph {
	g := NewGraph(in)
	x := g.In()
	f := in[2]
	add := func(x, y Ref) Ref {
		if convFirst {
			x, y = y, x
		}
		return g.Call(&Activation{Function: "relu"}, g.Call(&Add{}, x, y))
	}
	y := g.Call(&Conv2D{Filters: f, KernelSize: [2]int{3, 3}, Padding: "same", NoBias: true}, x)
	x = add(x, g.Call(&BatchNormalization{}, y))
	x = add(x, g.Call(&Conv2D{Filters: f, KernelSize: [2]int{3, 3}, Padding: "same"}, x))
	g.SetOutput(x)
	return g
}

// randomizeNorms gives the BatchNormalizations' and biases' parameters
// random values, so that the folds change the weights.
func randomizeNorms(g *Graph, rng *rand.Rand) {
	for _, p := range g.Params() {
		for i := range p.Value.Data {
			switch p.Name {
			case "gamma":
				p.Value.Data[i] = float32(0.5 + rng.Float64())
			case "moving_variance":
				p.Value.Data[i] = float32(0.2 + rng.Float64())
			case "beta", "moving_mean", "bias":
				p.Value.Data[i] = float32(rng.Float64() - 0.5)
			}
		}
	}
}
