package nn

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/cnnscope/cnnscope/tensor"
)

// A BatchNormalization that leaves its output to the residual Add after it
// (batchnorm_add.go) gives the bits of the passes apart: resnet-20 and
// small graphs with the BatchNormalization as the Add's first or second
// operand, at 1 and 2 threads, two training steps (losses, every
// gradient, the weights, the moving statistics), then an inference
// Forward. The Adds must have taken the BatchNormalizations over.
func TestBNAddSameBits(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	cases := []struct {
		name  string
		in    tensor.Shape
		build func(in tensor.Shape) *Graph
	}{
		{"resnet-20", tensor.Shape{8, 8, 3}, func(in tensor.Shape) *Graph { return ResNet20(in, 5) }},
		{"bn first", tensor.Shape{6, 5, 8}, func(in tensor.Shape) *Graph { return bnAddGraph(in, true, false) }},
		{"bn second", tensor.Shape{6, 5, 8}, func(in tensor.Shape) *Graph { return bnAddGraph(in, false, false) }},
		{"bn on the input", tensor.Shape{6, 5, 8}, func(in tensor.Shape) *Graph { return bnAddGraph(in, false, true) }},
	}
	for _, c := range cases {
		for _, procs := range []int{1, 2} {
			runtime.GOMAXPROCS(procs)
			name := fmt.Sprintf("%s %d threads", c.name, procs)
			var gs [2]*Graph
			var losses [2][2]float64
			for k := range gs {
				g := c.build(c.in)
				if err := g.Build(7); err != nil {
					t.Fatal(err)
				}
				if over, aside := countDxOverX(g); k == 0 && (over == 0 || (aside == over) != (c.name != "bn on the input")) {
					t.Fatalf("%s: %d of %d BatchNormalizations before an Add write the input gradient over their input", name, over, aside)
				}
				if k == 1 { // the passes apart
					for _, n := range g.nodes {
						if b, ok := n.layer.(*BatchNormalization); ok {
							b.toAdd = false
						}
					}
				}
				x, labels := fuseTestBatch(c.in, 6)
				for step := range losses[k] {
					losses[k][step], _ = g.Gradients(x, Target{Labels: labels}, nil, &SparseCategoricalCrossentropy{}, nil)
					if taken := countBNAdds(g); (taken == 0) != (k == 1) {
						t.Fatalf("%s: %d Adds applied their BatchNormalization (copy %d)", name, taken, k)
					}
					for _, p := range g.Params() {
						if p.Param.Grad != nil && step == 0 {
							for i, d := range p.Param.Grad.Data {
								p.Param.Value.Data[i] -= 0.05 * d
							}
						}
					}
				}
				gs[k] = g
			}
			if losses[0] != losses[1] {
				t.Fatalf("%s: losses %v, %v apart", name, losses[0], losses[1])
			}
			pa, pb := gs[0].Params(), gs[1].Params()
			for i := range pa {
				sameFloats(t, name+" "+pa[i].FullName(), pa[i].Param.Value.Data, pb[i].Param.Value.Data)
				if pa[i].Param.Grad != nil {
					sameFloats(t, name+" "+pa[i].FullName()+" gradient", pa[i].Param.Grad.Data, pb[i].Param.Grad.Data)
				}
			}
			x, _ := fuseTestBatch(c.in, 6)
			sameFloats(t, name+" inference", gs[0].Forward(x, false).Clone().Data, gs[1].Forward(x, false).Data)
		}
	}
}

// bnAddGraph is conv-BN-Add(skip)-relu twice, the BatchNormalization the
// Add's first operand or its second; onInput: the first block without the
// convolution (the BatchNormalization reads the graph's input, which it
// cannot overwrite with its input gradient).
func bnAddGraph(in tensor.Shape, bnFirst, onInput bool) *Graph {
	g := NewGraph(in)
	x := g.In()
	for i := range 2 {
		y := x
		if i > 0 || !onInput {
			y = g.Call(&Conv2D{Filters: in[2], KernelSize: [2]int{3, 3}, Padding: "same"}, x)
		}
		y = g.Call(&BatchNormalization{}, y)
		if bnFirst {
			x = g.Call(&Add{}, y, x)
		} else {
			x = g.Call(&Add{}, x, y)
		}
		x = g.Call(&Activation{Function: "relu"}, x)
	}
	g.Call(&Dense{Units: 5, Activation: "softmax"}, g.Call(&Flatten{}, x))
	return g
}

func countBNAdds(g *Graph) int {
	n := 0
	for _, nd := range g.nodes {
		if a, ok := nd.layer.(*Add); ok && a.bnRan {
			n++
		}
	}
	return n
}

// countDxOverX counts the BatchNormalizations an Add may apply (aside) and
// those of them that write their input gradient over their input.
func countDxOverX(g *Graph) (over, aside int) {
	for _, n := range g.nodes {
		if b, ok := n.layer.(*BatchNormalization); ok && b.toAdd {
			aside++
			if b.dxOverX {
				over++
			}
		}
	}
	return over, aside
}

// With a channel count the bits' kernels do not take (not a multiple of
// 8), the BatchNormalization applies its output itself and the Add adds
// as before: the same bits as with the pairing off.
func TestBNAddOtherChannels(t *testing.T) {
	in := tensor.Shape{5, 4, 5}
	var grads [2][][]float32
	for k := range grads {
		g := bnAddGraph(in, true, false)
		if err := g.Build(3); err != nil {
			t.Fatal(err)
		}
		if k == 1 {
			for _, n := range g.nodes {
				if b, ok := n.layer.(*BatchNormalization); ok {
					b.toAdd = false
				}
			}
		}
		x, labels := fuseTestBatch(in, 4)
		g.Gradients(x, Target{Labels: labels}, nil, &SparseCategoricalCrossentropy{}, nil)
		if n := countBNAdds(g); n != 0 {
			t.Fatalf("%d Adds applied a BatchNormalization of 5 channels", n)
		}
		for _, p := range g.Params() {
			if p.Param.Grad != nil {
				grads[k] = append(grads[k], p.Param.Grad.Data)
			}
		}
	}
	for i := range grads[0] {
		sameFloats(t, "gradient", grads[0][i], grads[1][i])
	}
}
