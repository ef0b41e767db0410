package onnx

import (
	"fmt"
	"strconv"
)

// value is a cnnscope tensor as the ONNX graph holds it: per-sample rank
// 3 tensors (images) are NCHW inside the graph once a spatial op needs
// them so, and Keras' NHWC where a layer works on the last axis.
type value struct {
	name  string
	shape []int // per sample, Keras (channels-last) order
	nchw  bool  // name holds the NCHW transpose of shape
}

// image reports whether v is a per-sample (height, width, channels) tensor.
func (v value) image() bool { return len(v.shape) == 3 }

// builder accumulates the nodes and initializers of a graph with unique
// names, and the layout conversions already made.
type builder struct {
	opset     int
	graph     Graph
	used      map[string]bool
	converted map[string]string // "name>layout": the converted tensor
}

func newBuilder(opset int) *builder {
	return &builder{opset: opset, used: map[string]bool{}, converted: map[string]string{}}
}

// fresh returns base, or base_1, base_2, ... when base is taken.
func (b *builder) fresh(base string) string {
	name := base
	for i := 1; b.used[name]; i++ {
		name = base + "_" + strconv.Itoa(i)
	}
	b.used[name] = true
	return name
}

// node adds op on inputs with one output named fresh(out) and returns
// that name.
func (b *builder) node(op, out string, inputs []string, attrs ...Attr) string {
	name := b.fresh(out)
	b.graph.Nodes = append(b.graph.Nodes, Node{Name: name, Op: op, Inputs: inputs, Outputs: []string{name}, Attrs: attrs})
	return name
}

// floats adds a float32 initializer.
func (b *builder) floats(name string, dims []int64, data []float32) string {
	if n := product(dims); n != len(data) {
		panic(fmt.Sprintf("onnx: initializer %s: %d values for dims %v", name, len(data), dims))
	}
	name = b.fresh(name)
	b.graph.Initializer = append(b.graph.Initializer, Tensor{Name: name, Dims: dims, DataType: typeFloat, Floats: data})
	return name
}

// ints adds a 1-D int64 initializer.
func (b *builder) ints(name string, data ...int64) string {
	name = b.fresh(name)
	b.graph.Initializer = append(b.graph.Initializer, Tensor{Name: name, Dims: []int64{int64(len(data))}, DataType: typeInt64, Ints: data})
	return name
}

// scalar adds a float32 scalar initializer.
func (b *builder) scalar(name string, v float32) string {
	name = b.fresh(name)
	b.graph.Initializer = append(b.graph.Initializer, Tensor{Name: name, DataType: typeFloat, Floats: []float32{v}})
	return name
}

func product(dims []int64) int {
	n := 1
	for _, d := range dims {
		n *= int(d)
	}
	return n
}

// keras returns v's tensor in Keras' channels-last order.
func (b *builder) keras(v value) string {
	if !v.nchw {
		return v.name
	}
	return b.transpose(v.name, "_nhwc", 0, 2, 3, 1)
}

// channelsFirst returns an image tensor in NCHW order.
func (b *builder) channelsFirst(v value) string {
	if v.nchw || !v.image() {
		return v.name
	}
	return b.transpose(v.name, "_nchw", 0, 3, 1, 2)
}

func (b *builder) transpose(name, suffix string, perm ...int64) string {
	key := name + ">" + suffix
	if t, ok := b.converted[key]; ok {
		return t
	}
	t := b.node("Transpose", name+suffix, []string{name}, intsAttr("perm", perm...))
	b.converted[key] = t
	return t
}

func intAttr(name string, v int64) Attr { return Attr{Name: name, Type: attrInt, I: v} }
func floatAttr(name string, v float32) Attr {
	return Attr{Name: name, Type: attrFloat, F: v}
}
func intsAttr(name string, vs ...int64) Attr {
	return Attr{Name: name, Type: attrInts, Ints: append([]int64(nil), vs...)}
}
func stringAttr(name, v string) Attr { return Attr{Name: name, Type: attrString, S: v} }
