package diagnose

import (
	"math"

	"github.com/cnnscope/cnnscope/nn"
	"github.com/cnnscope/cnnscope/train"
)

// topology is a model's wiring as the detectors need it: the layers in
// topological order (model.json's order, which is the order Forward runs
// them and metrics.jsonl lists them) with the layers each one is called
// on. A sequential model's layer is called on the one before it; a
// functional model's names its inputs. The output is the last layer.
type topology struct {
	names  []string
	index  map[string]int
	inputs [][]int // per layer: its inputs' indices, -1 for the model's input
}

// topologyOf reads the wiring of a model description; nil when there is
// none or it is not in topological order.
func topologyOf(m *nn.ModelSpec) *topology {
	if m == nil || len(m.Layers) == 0 {
		return nil
	}
	t := &topology{index: make(map[string]int, len(m.Layers))}
	for i, l := range m.Layers {
		t.names = append(t.names, l.Name)
		t.index[l.Name] = i
	}
	for i, l := range m.Layers {
		in := []int{i - 1}
		if len(l.Inputs) > 0 {
			in = in[:0]
			for _, name := range l.Inputs {
				j, ok := t.index[name]
				if !ok {
					j = -1 // the model's input
				}
				if j >= i {
					return nil
				}
				in = append(in, j)
			}
		}
		t.inputs = append(t.inputs, in)
	}
	return t
}

// merges reports whether a layer takes several tensors (a residual add,
// a concatenation): the model is not a chain.
func (t *topology) merges() bool {
	for _, in := range t.inputs {
		if len(in) > 1 {
			return true
		}
	}
	return false
}

// gradientHops is, per layer, how many layers with weights (counted by
// weighted, itself included) the loss's gradient crosses on the shortest
// way from the output back to that layer's output. In a chain it grows
// layer by layer towards the input; a residual connection lets the
// gradient skip its block, so a layer behind a residual add is only as
// far from the loss as the shortcuts make it. MaxInt: the layer does not
// lead to the output.
func (t *topology) gradientHops(weighted func(name string) bool) []int {
	n := len(t.names)
	consumers := make([][]int, n)
	for i, in := range t.inputs {
		for _, j := range in {
			if j >= 0 {
				consumers[j] = append(consumers[j], i)
			}
		}
	}
	hops := make([]int, n)
	for i := n - 1; i >= 0; i-- {
		best := 0
		if i < n-1 {
			best = math.MaxInt
			for _, c := range consumers[i] {
				best = min(best, hops[c])
			}
		}
		if best < math.MaxInt && weighted(t.names[i]) {
			best++
		}
		hops[i] = best
	}
	return hops
}

// outputPath lists the layers the output comes through, from the output
// back along each layer's only input, up to the first merge (included)
// or the model's input.
func (t *topology) outputPath() []int {
	var path []int
	for i := len(t.names) - 1; i >= 0; {
		path = append(path, i)
		if len(t.inputs[i]) != 1 {
			break
		}
		i = t.inputs[i][0]
	}
	return path
}

// gradientReference picks, among a record's layers with weights, the one
// whose gradient is compared with the output layer's (vanishing and
// exploding gradients): the farthest from the loss in gradient hops, the
// first of those in topological order. In a chain that is the first
// layer with weights. It returns its index in ws and its hops (0 when the
// model's wiring is unknown: then the first layer is taken).
func gradientReference(s *Signals, ws []train.LayerRecord) (int, int) {
	t := topologyOf(s.Model)
	if t == nil || len(ws) == 0 {
		return 0, 0
	}
	w := make(map[string]bool, len(ws))
	for _, l := range ws {
		w[l.Layer] = true
	}
	hops := t.gradientHops(func(name string) bool { return w[name] })
	ref, best := 0, 0
	for k, l := range ws {
		i, ok := t.index[l.Layer]
		if !ok {
			return 0, 0 // the records are not this model's
		}
		if h := hops[i]; h < math.MaxInt && h > best {
			ref, best = k, h
		}
	}
	return ref, best
}

// outputPath lists the indices of m's layers the output comes through,
// from the output back (topology.outputPath), or every layer from the last
// when the wiring is unknown.
func outputPath(m *nn.ModelSpec) []int {
	if t := topologyOf(m); t != nil {
		return t.outputPath()
	}
	var all []int
	if m != nil {
		for i := len(m.Layers) - 1; i >= 0; i-- {
			all = append(all, i)
		}
	}
	return all
}
