package onnx

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/cnnscope/cnnscope/data"
	"github.com/cnnscope/cnnscope/nn"
)

// Opsets this package writes; DefaultOpset is used when none is asked.
const (
	MinOpset     = 11
	MaxOpset     = 21
	DefaultOpset = 13
)

// Input layouts of an exported model.
const (
	LayoutNHWC = "nhwc" // the default: cnnscope's and Keras' own
	LayoutNCHW = "nchw" // PyTorch's and most ONNX tools'
)

// ExportOptions says how to write a model; the zero value writes opset
// 13 with NHWC input and no metadata beyond the layout and shapes.
type ExportOptions struct {
	Opset  int    // 0 = DefaultOpset
	Layout string // "" = LayoutNHWC
	// What a run directory's model.json holds, written to metadata_props.
	Classes       []string
	Preprocess    *data.Preprocess
	Interpolation string
	// OutputActivation, "softmax" or "sigmoid", is applied to the model's
	// output: a model trained from logits (Keras' from_logits=True)
	// exports the probabilities its predictions report, as Keras' guides
	// wrap such a model (keras.Sequential([model, layers.Softmax()])) for
	// inference. "" exports the output as it is.
	OutputActivation string
	// ProducerVersion is the producing program's version, if known.
	ProducerVersion string
}

// Checked returns o with its defaults filled in, or what is wrong with it.
func (o ExportOptions) Checked() (ExportOptions, error) {
	if o.Opset == 0 {
		o.Opset = DefaultOpset
	}
	if o.Opset < MinOpset || o.Opset > MaxOpset {
		return o, fmt.Errorf("opset %d: want %d to %d", o.Opset, MinOpset, MaxOpset)
	}
	o.Layout = strings.ToLower(o.Layout)
	if o.Layout == "" {
		o.Layout = LayoutNHWC
	}
	if o.Layout != LayoutNHWC && o.Layout != LayoutNCHW {
		return o, fmt.Errorf("layout %q: want nhwc or nchw", o.Layout)
	}
	switch o.OutputActivation {
	case "", "softmax", "sigmoid":
	default:
		return o, fmt.Errorf("output activation %q: want softmax, sigmoid or none", o.OutputActivation)
	}
	return o, nil
}

// irVersion is the IR version that goes with an opset (onnx's
// VERSION_TABLE).
func irVersion(opset int) int64 {
	switch {
	case opset <= 11:
		return 6
	case opset <= 13:
		return 7
	case opset <= 18:
		return 8
	case opset <= 20:
		return 9
	}
	return 10
}

// Export writes the built model m as an ONNX file to w.
func Export(w io.Writer, m nn.Model, opts ExportOptions) error {
	pm, err := Convert(m, opts)
	if err != nil {
		return err
	}
	_, err = w.Write(pm.Marshal())
	return err
}

// Convert turns the built model m into an ONNX model: inference mode
// (Dropout is dropped, BatchNormalization uses its moving statistics),
// the final activation kept.
func Convert(m nn.Model, opts ExportOptions) (*Model, error) {
	opts, err := opts.Checked()
	if err != nil {
		return nil, err
	}
	b := newBuilder(opts.Opset)
	in, err := b.input(m, opts.Layout)
	if err != nil {
		return nil, err
	}
	vals := map[string]value{in.key: in.v}
	var last value
	var lastName string
	for _, n := range m.Nodes() {
		ins := make([]value, len(n.Inputs))
		for i, name := range n.Inputs {
			ins[i] = vals[name]
		}
		v, err := b.layer(n.Layer, ins, n.Output)
		if err != nil {
			return nil, fmt.Errorf("onnx export: %w", err)
		}
		vals[n.Layer.Name()] = v
		last, lastName = v, n.Layer.Name()
	}
	if opts.OutputActivation != "" {
		if last, err = b.activation(opts.OutputActivation, last, lastName+"_"+opts.OutputActivation); err != nil {
			return nil, fmt.Errorf("onnx export: %w", err)
		}
	}
	b.output(last, lastName, opts.Layout)
	b.graph.Name = m.Name()
	return &Model{
		IRVersion: irVersion(opts.Opset), Opset: int64(opts.Opset),
		ProducerName: "cnnscope", ProducerVersion: opts.ProducerVersion,
		DocString: "exported by cnnscope; input " + layoutDoc(opts.Layout, m.InputShape()),
		Graph:     b.graph, Metadata: metadata(m, opts),
	}, nil
}

type namedValue struct {
	key string
	v   value
}

// input declares the graph input (batch first, symbolic) in the asked
// layout; an NCHW image input is used as is by the spatial ops.
func (b *builder) input(m nn.Model, layout string) (namedValue, error) {
	shape := []int(m.InputShape())
	name := inputName(m)
	b.used[name] = true
	vi := ValueInfo{Name: name, ElemType: typeFloat, Dims: append([]int64{-1}, dims64(shape...)...), Params: make([]string, len(shape)+1)}
	vi.Params[0] = "batch"
	nchw := layout == LayoutNCHW && len(shape) == 3
	if nchw {
		vi.Dims = []int64{-1, int64(shape[2]), int64(shape[0]), int64(shape[1])}
	}
	vi.DocString = layoutDoc(layout, shape)
	b.graph.Inputs = append(b.graph.Inputs, vi)
	return namedValue{key: name, v: value{name: name, shape: shape, nchw: nchw}}, nil
}

// inputName is the name a model's nodes give its input: the one that is
// no layer's.
func inputName(m nn.Model) string {
	layers := map[string]bool{}
	for _, n := range m.Nodes() {
		layers[n.Layer.Name()] = true
	}
	for _, n := range m.Nodes() {
		for _, in := range n.Inputs {
			if !layers[in] {
				return in
			}
		}
	}
	return nn.DefaultInputName
}

// output declares the graph output, named after the last layer, in the
// asked layout.
func (b *builder) output(v value, name, layout string) {
	t := v.name
	if v.image() && layout == LayoutNCHW {
		t = b.channelsFirst(v)
	} else {
		t = b.keras(v)
	}
	if t != name {
		b.rename(name, b.fresh(name+"_inner"))
		if t == b.graph.Inputs[0].Name {
			b.graph.Nodes = append(b.graph.Nodes, Node{Name: b.fresh(name + "_output"), Op: "Identity", Inputs: []string{t}, Outputs: []string{name}})
		} else {
			b.rename(t, name)
		}
	}
	vi := ValueInfo{Name: name, ElemType: typeFloat, Dims: append([]int64{-1}, dims64(v.shape...)...), Params: make([]string, len(v.shape)+1)}
	vi.Params[0] = "batch"
	if v.image() && layout == LayoutNCHW {
		vi.Dims = []int64{-1, int64(v.shape[2]), int64(v.shape[0]), int64(v.shape[1])}
	}
	b.graph.Outputs = append(b.graph.Outputs, vi)
}

// rename renames tensor from to to in every node.
func (b *builder) rename(from, to string) {
	for i := range b.graph.Nodes {
		n := &b.graph.Nodes[i]
		for j, s := range n.Inputs {
			if s == from {
				n.Inputs[j] = to
			}
		}
		for j, s := range n.Outputs {
			if s == from {
				n.Outputs[j] = to
			}
		}
	}
}

// layoutDoc says in words what the input holds.
func layoutDoc(layout string, shape []int) string {
	if len(shape) != 3 {
		return fmt.Sprintf("float32 (batch, %s)", joinInts(shape, ", "))
	}
	if layout == LayoutNCHW {
		return fmt.Sprintf("NCHW float32 (batch, channels %d, height %d, width %d), preprocessed as metadata cnnscope.preprocessing says", shape[2], shape[0], shape[1])
	}
	return fmt.Sprintf("NHWC float32 (batch, height %d, width %d, channels %d), preprocessed as metadata cnnscope.preprocessing says", shape[0], shape[1], shape[2])
}

func joinInts(s []int, sep string) string {
	parts := make([]string, len(s))
	for i, v := range s {
		parts[i] = fmt.Sprint(v)
	}
	return strings.Join(parts, sep)
}

// metadata lists what a user of the file needs to feed it: the layout,
// the input size, the class names and the preprocessing.
func metadata(m nn.Model, o ExportOptions) []KeyValue {
	in := m.InputShape()
	kv := []KeyValue{{"cnnscope.input_layout", strings.ToUpper(o.Layout)}}
	if len(in) == 3 {
		kv = append(kv, KeyValue{"cnnscope.target_size", fmt.Sprintf("%d,%d", in[0], in[1])},
			KeyValue{"cnnscope.channels", fmt.Sprint(in[2])})
	}
	if o.Classes != nil {
		b, _ := json.Marshal(o.Classes)
		kv = append(kv, KeyValue{"cnnscope.classes", string(b)})
	}
	if o.Preprocess != nil {
		b, _ := json.Marshal(o.Preprocess)
		kv = append(kv, KeyValue{"cnnscope.preprocessing", string(b)}, KeyValue{"cnnscope.preprocessing_steps", steps(o.Preprocess)})
	}
	if o.Interpolation != "" {
		kv = append(kv, KeyValue{"cnnscope.interpolation", o.Interpolation})
	}
	if o.OutputActivation != "" {
		kv = append(kv, KeyValue{"cnnscope.output", fmt.Sprintf("probabilities: %s appended to the model's logits (trained with from_logits)", o.OutputActivation)})
	}
	return kv
}

// steps spells the preprocessing out in Keras' order, for a reader.
func steps(p *data.Preprocess) string {
	s := []string{"x = pixel value 0..255 (float32)"}
	if p.Rescale != 0 && p.Rescale != 1 {
		s = append(s, fmt.Sprintf("x = x * %g", p.Rescale))
	}
	if p.SamplewiseCenter {
		s = append(s, "x = x - mean(x over the image)")
	}
	if p.SamplewiseStdNormalization {
		s = append(s, "x = x / (std(x over the image) + 1e-6)")
	}
	if p.FeaturewiseCenter {
		s = append(s, fmt.Sprintf("x = x - mean[channel], mean = %v", p.Mean))
	}
	if p.FeaturewiseStdNormalization {
		s = append(s, fmt.Sprintf("x = x / (std[channel] + 1e-6), std = %v", p.Std))
	}
	return strings.Join(s, "; ")
}
