package nn

import (
	"slices"

	"fmt"
	"regexp"
	"strings"

	"github.com/cnnscope/cnnscope/tensor"
)

// Sequential is a stack of layers, like Keras' Sequential: built from an
// input shape (without the batch dimension), it infers every layer's
// output shape and creates the weights.
type Sequential struct {
	ModelName string // "" = "sequential"
	Input     tensor.Shape
	Layers    []Layer

	outputs []tensor.Shape
	built   bool
	dout    *tensor.Tensor // gradient of the loss w.r.t. the output
	whole   *tensor.Tensor // an inference Forward's output gathered from micro-batches (graph_micro.go)
	stats   statsCollector
	arena   arena                      // the layers' input gradients and inference outputs
	clock   layerClock                 // per-layer times (sequential_timing.go)
	shards  shardSet[*Sequential]      // a training step on more than one thread (sequential_shards.go)
	infer   inferReplicas[*Sequential] // an inference Forward on more than one thread (graph_micro_shards.go)
	noShard bool                       // tests and benchmarks: never shard
}

// NewSequential returns an unbuilt model.
func NewSequential(input tensor.Shape, layers ...Layer) *Sequential {
	return &Sequential{Input: input.Clone(), Layers: layers}
}

// Name is the model's name ("sequential" by default).
func (m *Sequential) Name() string {
	if m.ModelName == "" {
		return "sequential"
	}
	return m.ModelName
}

// Build names the unnamed layers as Keras does (conv2d, conv2d_1, ...),
// infers shapes and initializes weights from seed. A layer that does not
// fit its input gets an error naming the layer and the shapes.
func (m *Sequential) Build(seed uint64) error {
	fps, err := m.plan()
	if err != nil {
		return err
	}
	if err := weightsFit(fps); err != nil {
		return fmt.Errorf("model %s %w", m.Name(), err)
	}
	rng := buildRNG(seed)
	shape := m.Input.Clone()
	m.outputs = m.outputs[:0]
	for i, l := range m.Layers {
		out, err := l.Build(shape, rng)
		if err != nil {
			return fmt.Errorf("layer %d %s (%s) with input shape %s: %w", i, l.Name(), l.Type(), FormatShape(shape), err)
		}
		applyTrainable(l)
		m.outputs = append(m.outputs, out)
		shape = out
	}
	m.arena.share(m.Layers, append([]tensor.Shape{m.Input}, m.outputs...)...)
	pairInPlace(m.Layers)
	m.built = true
	return nil
}

var (
	snakeWord  = regexp.MustCompile(`(.)([A-Z][a-z0-9]+)`)
	snakeUpper = regexp.MustCompile(`([a-z])([A-Z])`)
)

// kerasName turns a class name into Keras' default layer name prefix with
// Keras' to_snake_case: Conv2D -> conv2d, MaxPooling2D -> max_pooling2d.
func kerasName(typ string) string {
	s := snakeWord.ReplaceAllString(typ, "${1}_${2}")
	return strings.ToLower(snakeUpper.ReplaceAllString(s, "${1}_${2}"))
}

// nameLayers gives the unnamed layers Keras' default names; two layers
// given the same name are an error.
func (m *Sequential) nameLayers() error {
	seen := map[string]bool{}
	for i, l := range m.Layers {
		if l.Name() != "" {
			if seen[l.Name()] {
				return fmt.Errorf("model %s: layer %d: the name %q is already taken by an earlier layer (layer names must be unique)", m.Name(), i, l.Name())
			}
			seen[l.Name()] = true
		}
	}
	nameUnnamed(m.Layers, seen)
	return nil
}

// nameUnnamed gives each unnamed layer Keras' default name (conv2d,
// conv2d_1, ...), counting per prefix and skipping the names in seen,
// which it extends with the names it gives.
func nameUnnamed(layers []Layer, seen map[string]bool) {
	count := map[string]int{}
	for _, l := range layers {
		if l.Name() != "" {
			continue
		}
		base := kerasName(l.Type())
		for {
			name := base
			if k := count[base]; k > 0 {
				name = fmt.Sprintf("%s_%d", base, k)
			}
			count[base]++
			if !seen[name] {
				seen[name] = true
				l.SetName(name)
				break
			}
		}
	}
}

// FormatShape prints a per-sample shape as Keras does, with the batch
// placeholder: (None, 26, 26, 32).
func FormatShape(s tensor.Shape) string {
	parts := []string{"None"}
	for _, d := range s {
		parts = append(parts, fmt.Sprint(d))
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// OutputShape is the per-sample output shape of layer i (after Build).
func (m *Sequential) OutputShape(i int) tensor.Shape { return m.outputs[i] }

// Output is the per-sample shape of the model's output.
func (m *Sequential) Output() tensor.Shape { return m.outputs[len(m.outputs)-1] }

// Built reports whether Build has succeeded.
func (m *Sequential) Built() bool { return m.built }

func (m *Sequential) mustBeBuilt() {
	if !m.built {
		panic("nn: model " + m.Name() + " used before Build")
	}
}

// Forward runs x (batch first) through every layer. training selects
// Dropout's and BatchNormalization's training behaviour. The result
// belongs to the last layer.
func (m *Sequential) Forward(x *tensor.Tensor, training bool) *tensor.Tensor {
	m.mustBeBuilt()
	if !training && !m.stats.on { // micro-batches (graph_micro.go)
		defer fuseReluPool(m.Layers)() // relu in the pool (pool_relu.go)
		if y := m.forwardMicro(x); y != nil {
			return y
		}
	}
	return m.forward(x, training)
}

// forwardMicro runs an inference Forward of x a micro-batch at a time
// (graph_micro.go), or returns nil when x is not larger than one. The
// later micro-batches tell the layers their weights are unchanged.
func (m *Sequential) forwardMicro(x *tensor.Tensor) *tensor.Tensor {
	if y := m.forwardShards(x); y != nil { // one thread a micro-batch (graph_micro_shards.go)
		return y
	}
	defer m.sameWeights(false)
	return inMicroBatches(x, seqMicroBatch(m.arena.perSample), &m.whole, func(part *tensor.Tensor, first bool) *tensor.Tensor {
		m.sameWeights(!first)
		return m.forward(part, false)
	})
}

func (m *Sequential) forward(x *tensor.Tensor, training bool) *tensor.Tensor {
	m.stats.begin()
	m.arena.inference = !training
	defer func() { m.arena.inference = false }()
	for i, l := range m.Layers {
		if pooledConv(m.Layers, i) { // the MaxPooling2D after it runs it (pool_conv.go)
			continue
		}
		x = m.forwardLayer(i, x, training)
		m.stats.observe(i, l, x)
	}
	return x
}

// Backward propagates dout = dLoss/doutput through every layer, leaving
// each layer's parameter gradients in its Params. dout may be overwritten.
func (m *Sequential) Backward(dout *tensor.Tensor) {
	m.mustBeBuilt()
	first := slices.IndexFunc(m.Layers, learns) // no gradient is needed below it
	if first < 0 {
		first = len(m.Layers)
	}
	for _, l := range m.Layers[:first] {
		skipLayer(l)
	}
	defer fuseReluPoolGrad(m.Layers)() // relu's gradient in the pool (pool_relu.go)
	d := dout
	for i := len(m.Layers) - 1; i >= first; i-- {
		d = m.backwardLayer(i, d, i > first)
	}
}

// Gradients runs a training-mode forward pass on x, computes the loss
// against t with per-sample weights w (nil = ones), and back-propagates,
// leaving the gradients in Params. A final softmax (or sigmoid) is fused
// with a matching cross-entropy. It returns the loss and the model's
// output (owned by the last layer). perSample, when not nil, receives each
// sample's unweighted loss.
func (m *Sequential) Gradients(x *tensor.Tensor, t Target, w []float32, loss Loss, perSample []float32) (float64, *tensor.Tensor) {
	m.mustBeBuilt()
	if s := m.shardCount(x.Shape[0]); s > 1 {
		return m.shards.step(m, s, x, t, w, loss, perSample, &m.dout)
	}
	out := m.Forward(x, true)
	m.dout = tensor.Ensure(m.dout, out.Shape...)
	last := m.Layers[len(m.Layers)-1]
	fused := false
	if a, ok := last.(activated); ok {
		fused = loss.fusesWith(a.activationName())
		a.setLogitsGrad(fused)
	}
	v := loss.compute(out, t, w, m.dout, perSample, fused)
	m.Backward(m.dout)
	return v, out
}

// Params lists every weight with its layer, in layer order.
func (m *Sequential) Params() []LayerParam {
	var ps []LayerParam
	for _, l := range m.Layers {
		for _, p := range l.Params() {
			ps = append(ps, LayerParam{Layer: l, Param: p})
		}
	}
	return ps
}

// LayerParam is a Param with the layer that owns it.
type LayerParam struct {
	Layer Layer
	*Param
}

// FullName is Keras' variable path, e.g. "conv2d_1/kernel".
func (p LayerParam) FullName() string { return p.Layer.Name() + "/" + p.Name }

// CountParams returns the number of trainable and non-trainable scalars.
func (m *Sequential) CountParams() (trainable, nonTrainable int) {
	for _, p := range m.Params() {
		if p.Trainable {
			trainable += p.Value.Len()
		} else {
			nonTrainable += p.Value.Len()
		}
	}
	return trainable, nonTrainable
}
