package nn

import (
	"fmt"
	"math/rand/v2"

	"github.com/cnnscope/cnnscope/tensor"
)

// Graph is a functional model, as Keras' Model(inputs, outputs): layers
// called on the outputs of earlier layers (or on the input), so a tensor
// may feed several layers (a residual connection) and a merge layer (Add,
// Multiply, Concatenate) may take several.
//
//	g := nn.NewGraph(tensor.Shape{32, 32, 3})
//	x := g.Call(&nn.Conv2D{Filters: 16, KernelSize: [2]int{3, 3}, Padding: "same"}, g.In())
//	y := g.Call(&nn.Conv2D{Filters: 16, KernelSize: [2]int{3, 3}, Padding: "same"}, x)
//	g.Call(&nn.Add{}, x, y) // the last call is the output unless SetOutput says otherwise
//
// Layers run in call order, which is topological; Backward runs in reverse
// and sums the gradients of every consumer of a tensor.
type Graph struct {
	ModelName string // "" = "functional"
	Input     tensor.Shape
	InputName string // "" = "input_layer"

	nodes  []graphNode
	output Ref // -2: the last node

	built   bool
	shapes  []tensor.Shape // per node output
	outs    []*tensor.Tensor
	pending []*tensor.Tensor // per node: the gradient at its output during Backward
	masked  []maskedGrad     // per node: how pending is still to be filled, when it is (batchnorm_add.go)
	need    []bool           // per node: Backward runs it (needGrads)
	dout    *tensor.Tensor
	whole   *tensor.Tensor   // an inference Forward's output gathered from micro-batches (graph_micro.go)
	inputs  []*tensor.Tensor // scratch for merge layers' inputs
	stats   statsCollector
	arena   arena                 // inference outputs (graph_arena.go)
	slabs   graphSlabs            // which slab holds what during an inference Forward
	folds   graphFolds            // BatchNormalizations folded into Conv2Ds in an inference Forward (graph_fold.go)
	resid   graphResiduals        // Adds (and their relu) taken over by Conv2Ds in an inference Forward (graph_residual.go)
	fusion  graphFusion           // relu and relu6 Activations fused into the layer before them (graph_fuse.go)
	clock   layerClock            // per-call times (layer_timing.go)
	infer   inferReplicas[*Graph] // an inference Forward on more than one thread (graph_micro_shards.go)
	hubsOff bool                  // no depthwise convolution runs its BatchNormalizations' passes (graph_hub.go; A/B benchmarks only)
	shards  shardSet[*Graph]      // a training step on more than one thread (graph_shard.go)
	noShard bool                  // tests and benchmarks: never shard
}

// Ref names a tensor of a Graph: the input (In) or a layer call's output.
type Ref int

const inputRef Ref = -1

type graphNode struct {
	layer  Layer
	inputs []Ref
}

// NewGraph returns an empty, unbuilt functional model on per-sample input
// shape input.
func NewGraph(input tensor.Shape) *Graph {
	return &Graph{Input: input.Clone(), output: -2}
}

// In is the model's input tensor.
func (g *Graph) In() Ref { return inputRef }

// Call adds a layer called on the given tensors (one, or several for a
// merge layer) and returns its output. Referring to a tensor that is not
// the input or an earlier call's output is a programming error.
func (g *Graph) Call(l Layer, inputs ...Ref) Ref {
	if len(inputs) == 0 {
		panic("nn: Graph.Call of " + l.Type() + " without inputs")
	}
	for _, r := range inputs {
		if r < inputRef || int(r) >= len(g.nodes) {
			panic(fmt.Sprintf("nn: Graph.Call of %s on unknown tensor %d", l.Type(), r))
		}
	}
	g.nodes = append(g.nodes, graphNode{layer: l, inputs: append([]Ref(nil), inputs...)})
	g.built = false
	return Ref(len(g.nodes) - 1)
}

// SetOutput makes r the model's output (by default the last call's).
func (g *Graph) SetOutput(r Ref) { g.output = r }

func (g *Graph) outputRef() Ref {
	if g.output == -2 {
		return Ref(len(g.nodes) - 1)
	}
	return g.output
}

// Name is the model's name ("functional" by default, as Keras 3).
func (g *Graph) Name() string {
	if g.ModelName == "" {
		return "functional"
	}
	return g.ModelName
}

func (g *Graph) inputName() string {
	if g.InputName == "" {
		return DefaultInputName
	}
	return g.InputName
}

// InputShape is the per-sample input shape.
func (g *Graph) InputShape() tensor.Shape { return g.Input }

// Output is the per-sample shape of the model's output.
func (g *Graph) Output() tensor.Shape {
	g.mustBeBuilt()
	return g.shapes[g.outputRef()]
}

// Built reports whether Build has run since the last Call.
func (g *Graph) Built() bool { return g.built }

func (g *Graph) mustBeBuilt() {
	if !g.built {
		panic("nn: model " + g.Name() + " used before Build")
	}
}

func (g *Graph) refName(r Ref) string {
	if r == inputRef {
		return g.inputName()
	}
	return g.nodes[r].layer.Name()
}

// Nodes lists the layer calls in the order Forward runs them.
func (g *Graph) Nodes() []Node {
	g.mustBeBuilt()
	nodes := make([]Node, len(g.nodes))
	for i, n := range g.nodes {
		var in []string
		for _, r := range n.inputs {
			in = append(in, g.refName(r))
		}
		nodes[i] = Node{Layer: n.layer, Inputs: in, Output: g.shapes[i]}
	}
	return nodes
}

// Build names the unnamed layers as Keras does (conv2d, add, add_1, ...),
// checks the wiring, infers every shape and initializes the weights from
// seed. Every layer must lead to the output and be called once.
func (g *Graph) Build(seed uint64) error {
	fps, err := g.plan()
	if err != nil {
		return err
	}
	if err := weightsFit(fps); err != nil {
		return fmt.Errorf("model %s %w", g.Name(), err)
	}
	rng := buildRNG(seed)
	g.shapes = make([]tensor.Shape, len(g.nodes))
	for i, n := range g.nodes {
		var in []tensor.Shape
		for _, r := range n.inputs {
			if r == inputRef {
				in = append(in, g.Input.Clone())
			} else {
				in = append(in, g.shapes[r])
			}
		}
		out, err := buildNode(n.layer, in, rng)
		if err != nil {
			return fmt.Errorf("layer %d %s (%s) with input shape %s: %w", i, n.layer.Name(), n.layer.Type(), formatShapes(in), err)
		}
		applyTrainable(n.layer)
		g.shapes[i] = out
	}
	k := len(g.nodes)
	g.outs, g.pending, g.masked = make([]*tensor.Tensor, k), make([]*tensor.Tensor, k), make([]maskedGrad, k)
	g.planSlabs()
	g.planFolds()
	g.planResiduals()
	g.planFusion()
	g.planBNAdds(&g.fusion, g.readerCounts())
	g.planPointwise(&g.fusion, g.readerCounts()) // after planBNAdds: a BatchNormalization the Add takes over stays out
	g.built = true
	return nil
}

// buildNode builds a one-input layer on one shape or a merge layer on several.
func buildNode(l Layer, in []tensor.Shape, rng *rand.Rand) (tensor.Shape, error) {
	if m, ok := l.(MultiInput); ok {
		if len(in) < 2 {
			return nil, fmt.Errorf("%s merges several tensors: give it at least 2 inputs", l.Type())
		}
		return m.BuildInputs(in)
	}
	if len(in) != 1 {
		return nil, fmt.Errorf("%s takes one input, got %d", l.Type(), len(in))
	}
	return l.Build(in[0], rng)
}

// checkWiring refuses an input shape with a non-positive size, a graph
// without layers, a layer called twice and a layer that does not lead to
// the output.
func (g *Graph) checkWiring() error {
	if len(g.Input) == 0 {
		return fmt.Errorf("model %s: no input shape", g.Name())
	}
	for _, d := range g.Input {
		if d <= 0 {
			return fmt.Errorf("model %s: input shape %v has a non-positive dimension", g.Name(), g.Input)
		}
	}
	if len(g.nodes) == 0 {
		return fmt.Errorf("model %s: no layers", g.Name())
	}
	out := g.outputRef()
	if out < 0 || int(out) >= len(g.nodes) {
		return fmt.Errorf("model %s: the output is not a layer's output", g.Name())
	}
	seen := map[Layer]bool{}
	for _, n := range g.nodes {
		if seen[n.layer] {
			return fmt.Errorf("model %s: layer %s (%s) is called twice (shared layers are not supported)", g.Name(), n.layer.Name(), n.layer.Type())
		}
		seen[n.layer] = true
	}
	used := make([]bool, len(g.nodes))
	used[out] = true
	for i := len(g.nodes) - 1; i >= 0; i-- {
		if !used[i] {
			return fmt.Errorf("model %s: layer %d (%s %s) does not lead to the output", g.Name(), i, g.nodes[i].layer.Type(), g.nodes[i].layer.Name())
		}
		for _, r := range g.nodes[i].inputs {
			if r >= 0 {
				used[r] = true
			}
		}
	}
	return nil
}

// assignKerasNames names the unnamed layers as Keras does (conv2d,
// conv2d_1, ...), skipping names taken by named layers or reserved ones
// (the input's), and refuses two layers with one name.
func assignKerasNames(layers []Layer, reserved ...string) error {
	seen := map[string]bool{}
	for _, r := range reserved {
		seen[r] = true
	}
	for _, l := range layers {
		if l.Name() == "" {
			continue
		}
		if seen[l.Name()] {
			return fmt.Errorf("two layers (or a layer and the input) are named %q", l.Name())
		}
		seen[l.Name()] = true
	}
	nameUnnamed(layers, seen)
	return nil
}
