package onnx

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"

	"github.com/cnnscope/cnnscope/data"
	"github.com/cnnscope/cnnscope/nn"
	"github.com/cnnscope/cnnscope/tensor"
)

// ImportOptions says what the file may leave open.
type ImportOptions struct {
	// Input is the per-sample input (height, width, channels) to use
	// where the file's input has symbolic dimensions; nil takes the
	// file's.
	Input tensor.Shape
}

// Imported is an ONNX model turned into a cnnscope functional model.
type Imported struct {
	Model *nn.Graph // built, with the file's weights
	// InputLayout is how the file's input is laid out ("nchw", or "nhwc"
	// for files cnnscope exported so); the cnnscope model takes NHWC.
	InputLayout string
	Metadata    map[string]string
	// Classes and Preprocess are read back from cnnscope's metadata, when
	// the file has it.
	Classes    []string
	Preprocess *data.Preprocess
}

// ival is an ONNX tensor computed at run time: a cnnscope tensor, its
// ONNX dimensions (without the batch) and, for images, whether ONNX holds
// it channels-last (after a Transpose to NHWC) instead of NCHW.
type ival struct {
	ref  nn.Ref
	dims []int
	nhwc bool
	// dense is the Dense a MatMul became, whose bias a following Add of
	// a constant sets.
	dense *nn.Dense
}

// shape is the cnnscope (channels-last) per-sample shape of v.
func (v ival) shape() []int {
	if len(v.dims) == 3 && !v.nhwc {
		return []int{v.dims[1], v.dims[2], v.dims[0]}
	}
	return v.dims
}

// importer turns ONNX nodes into layer calls on a Graph; weights are
// copied once the graph is built.
type importer struct {
	g       *nn.Graph
	opset   int64
	consts  map[string]*Tensor
	vals    map[string]ival
	weights []func() error
	uses    map[string]int // how many node inputs name each tensor
}

// maxInputValues bounds an imported model's input (values per sample):
// 8192x8192 RGB images.
const maxInputValues = 8192 * 8192 * 3

// batchDim stands for the batch in folded shape vectors.
const batchDim = -1 << 40

// Import decodes an ONNX file and turns it into a cnnscope model, for the
// ops image CNNs use (see doc.go). Anything else is an error naming the
// op and the node.
func Import(b []byte, opts ImportOptions) (*Imported, error) {
	pm, err := Unmarshal(b)
	if err != nil {
		return nil, err
	}
	return FromModel(pm, opts)
}

// FromModel turns a decoded ONNX model into a cnnscope model.
func FromModel(pm *Model, opts ImportOptions) (*Imported, error) {
	im := &importer{opset: pm.Opset, consts: map[string]*Tensor{}, vals: map[string]ival{}, uses: map[string]int{}}
	for _, n := range pm.Graph.Nodes {
		for _, in := range n.Inputs {
			im.uses[in]++
		}
	}
	if im.opset == 0 {
		im.opset = 1
	}
	meta := map[string]string{}
	for _, kv := range pm.Metadata {
		meta[kv.Key] = kv.Value
	}
	for i := range pm.Graph.Initializer {
		im.consts[pm.Graph.Initializer[i].Name] = &pm.Graph.Initializer[i]
	}
	layout, err := im.input(&pm.Graph, opts.Input, meta["cnnscope.input_layout"] == "NHWC")
	if err != nil {
		return nil, err
	}
	for i := range pm.Graph.Nodes {
		n := &pm.Graph.Nodes[i]
		if err := im.node(n); err != nil {
			name := n.Name
			if name == "" && len(n.Outputs) > 0 {
				name = n.Outputs[0]
			}
			return nil, fmt.Errorf("onnx import: node %q (%s): %w", name, n.Op, err)
		}
	}
	if len(pm.Graph.Outputs) != 1 {
		return nil, fmt.Errorf("onnx import: %d graph outputs, want one", len(pm.Graph.Outputs))
	}
	out, ok := im.vals[pm.Graph.Outputs[0].Name]
	if !ok {
		return nil, fmt.Errorf("onnx import: output %q is not computed from the input", pm.Graph.Outputs[0].Name)
	}
	im.g.SetOutput(out.ref)
	if err := im.build(); err != nil {
		return nil, err
	}
	res := &Imported{Model: im.g, InputLayout: layout, Metadata: meta}
	if err := res.readMetadata(); err != nil {
		return nil, err
	}
	return res, nil
}

// input declares the graph's input (the first input that is not an
// initializer): NCHW, or NHWC where cnnscope's metadata says so or where
// the input goes only into Transposes to NCHW (channelsLast).
func (im *importer) input(g *Graph, given tensor.Shape, nhwc bool) (string, error) {
	var in *ValueInfo
	for i := range g.Inputs {
		if im.consts[g.Inputs[i].Name] == nil {
			in = &g.Inputs[i]
			break
		}
	}
	if in == nil {
		return "", fmt.Errorf("onnx import: the graph has no input")
	}
	nhwc = nhwc || len(in.Dims) == 4 && channelsLast(g, in.Name)
	if in.ElemType != typeFloat {
		return "", fmt.Errorf("onnx import: input %q has element type %d, want float", in.Name, in.ElemType)
	}
	if len(in.Dims) < 2 {
		return "", fmt.Errorf("onnx import: input %q has dimensions %v, want a batch and a sample shape", in.Name, in.Dims)
	}
	dims := make([]int, 0, len(in.Dims))
	for _, d := range in.Dims[1:] {
		dims = append(dims, int(d))
	}
	if len(dims) == 3 && given != nil {
		if len(given) != 3 {
			return "", fmt.Errorf("onnx import: input size %v: want height, width, channels", given)
		}
		file := []int{given[2], given[0], given[1]}
		if nhwc {
			file = []int(given.Clone())
		}
		for i, d := range dims {
			if d > 0 && d != file[i] {
				return "", fmt.Errorf("onnx import: input size %v does not fit the file's input %v", given, in.Dims)
			}
		}
		dims = file
	}
	size := 1
	for _, d := range dims {
		if d <= 0 {
			return "", fmt.Errorf("onnx import: input %q has open dimensions %v: give its size (cnnscope import --input H,W,C; ImportOptions.Input)", in.Name, in.Dims)
		}
		if d > maxInputValues || size*d > maxInputValues {
			return "", fmt.Errorf("onnx import: input %q of %v is too large (over %d values per sample)", in.Name, dims, maxInputValues)
		}
		size *= d
	}
	v := ival{dims: dims, nhwc: nhwc && len(dims) == 3}
	im.g = nn.NewGraph(v.shape())
	v.ref = im.g.In()
	im.vals[in.Name] = v
	if v.nhwc {
		return LayoutNHWC, nil
	}
	return LayoutNCHW, nil
}

// channelsLast says whether every node that reads the input is a
// Transpose from NHWC to NCHW (perm 0,3,1,2): a channels-last input, as
// tf2onnx writes a Keras model and cnnscope its NHWC export. (Read as
// NCHW, such a Transpose would turn (N, C, H, W) into (N, W, C, H).)
func channelsLast(g *Graph, input string) bool {
	readers := 0
	for i := range g.Nodes {
		n := &g.Nodes[i]
		if !slices.Contains(n.Inputs, input) {
			continue
		}
		if n.Op != "Transpose" || fmt.Sprint(getInts(n, "perm")) != "[0 3 1 2]" {
			return false
		}
		readers++
	}
	return readers > 0
}

// build builds the graph and copies the weights into it.
func (im *importer) build() error {
	if err := im.g.Build(0); err != nil {
		return fmt.Errorf("onnx import: the model does not build: %w", err)
	}
	for _, w := range im.weights {
		if err := w(); err != nil {
			return fmt.Errorf("onnx import: %w", err)
		}
	}
	return nil
}

// readMetadata reads back what cnnscope's export writes.
func (res *Imported) readMetadata() error {
	if s, ok := res.Metadata["cnnscope.classes"]; ok {
		if err := json.Unmarshal([]byte(s), &res.Classes); err != nil {
			return fmt.Errorf("onnx import: metadata cnnscope.classes: %v", err)
		}
	}
	if s, ok := res.Metadata["cnnscope.preprocessing"]; ok {
		res.Preprocess = &data.Preprocess{}
		if err := json.Unmarshal([]byte(s), res.Preprocess); err != nil {
			return fmt.Errorf("onnx import: metadata cnnscope.preprocessing: %v", err)
		}
	}
	return nil
}

// setWeights copies data into l's param name after Build, checking the
// size.
func (im *importer) setWeights(l nn.Layer, name string, data []float32) {
	im.weights = append(im.weights, func() error {
		t := optParam(l, name)
		if t == nil || len(t.Data) != len(data) {
			return fmt.Errorf("layer %s: weight %s does not fit %d values", l.Name(), name, len(data))
		}
		copy(t.Data, data)
		return nil
	})
}

// call adds l on the inputs and records its output as ONNX tensor out.
func (im *importer) call(out string, l nn.Layer, v ival, ins ...ival) ival {
	refs := make([]nn.Ref, len(ins))
	for i, in := range ins {
		refs[i] = in.ref
	}
	v.ref = im.g.Call(l, refs...)
	im.vals[out] = v
	return v
}

// attr returns n's attribute name, or nil.
func attr(n *Node, name string) *Attr {
	for i := range n.Attrs {
		if n.Attrs[i].Name == name {
			return &n.Attrs[i]
		}
	}
	return nil
}

func getInt(n *Node, name string, def int64) int64 {
	if a := attr(n, name); a != nil {
		return a.I
	}
	return def
}

func getFloat(n *Node, name string, def float32) float32 {
	if a := attr(n, name); a != nil {
		return a.F
	}
	return def
}

func getInts(n *Node, name string) []int64 {
	if a := attr(n, name); a != nil {
		return a.Ints
	}
	return nil
}

// value returns the run-time tensor name.
func (im *importer) value(name string) (ival, error) {
	v, ok := im.vals[name]
	if !ok {
		if _, c := im.consts[name]; c {
			return ival{}, fmt.Errorf("input %q is a constant where a computed tensor is expected", name)
		}
		return ival{}, fmt.Errorf("input %q is not computed before this node", name)
	}
	return v, nil
}

// constant returns the constant tensor name, or nil.
func (im *importer) constant(name string) *Tensor { return im.consts[name] }

// floatsOf returns a constant's values as float32.
func floatsOf(t *Tensor) []float32 {
	if t.DataType == typeFloat || t.DataType == typeDouble {
		return t.Floats
	}
	f := make([]float32, len(t.Ints))
	for i, v := range t.Ints {
		f[i] = float32(v)
	}
	return f
}

// scalarOf returns a one-element constant's value.
func scalarOf(t *Tensor) (float64, bool) {
	f := floatsOf(t)
	if len(f) != 1 {
		return 0, false
	}
	return float64(f[0]), true
}

func isInf(v float32) bool {
	return math.IsInf(float64(v), 0) || math.Abs(float64(v)) >= math.MaxFloat32
}
