package nn

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/cnnscope/cnnscope/tensor"
)

// TestGraphFusionSameBits trains the graph presets (relu after
// BatchNormalization and Add in resnet-20, relu6 after BatchNormalization
// in mobilenet-v2) two steps with the activations fused and two without
// (a Forward that collects statistics does not fuse): the losses, every
// gradient and the moving statistics must be the same bits, and fusion
// must have happened.
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
		if losses[0][0] != losses[1][0] || losses[0][1] != losses[1][1] {
			t.Errorf("%s: losses %v fused, %v not", c.name, losses[0], losses[1])
		}
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

func sameFloats(t *testing.T, what string, a, b []float32) {
	t.Helper()
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			t.Fatalf("%s[%d] = %g fused, %g not", what, i, a[i], b[i])
		}
	}
}
