package onnx

// The subset of onnx.proto's messages that image CNNs need, as plain Go
// values. Field numbers in the marshal methods are onnx.proto's.

// Data types (TensorProto.DataType).
const (
	typeFloat = 1
	typeInt64 = 7
)

// Attribute types (AttributeProto.AttributeType).
const (
	attrFloat  = 1
	attrInt    = 2
	attrString = 3
	attrTensor = 4
	attrFloats = 6
	attrInts   = 7
)

// Model is ModelProto.
type Model struct {
	IRVersion       int64
	Opset           int64 // of the default ("ai.onnx") domain
	ProducerName    string
	ProducerVersion string
	DocString       string
	Graph           Graph
	Metadata        []KeyValue
}

// KeyValue is StringStringEntryProto (metadata_props).
type KeyValue struct{ Key, Value string }

// Graph is GraphProto.
type Graph struct {
	Name        string
	Nodes       []Node
	Initializer []Tensor
	Inputs      []ValueInfo
	Outputs     []ValueInfo
}

// Node is NodeProto.
type Node struct {
	Name    string
	Op      string
	Domain  string
	Inputs  []string
	Outputs []string
	Attrs   []Attr
}

// Attr is AttributeProto; Type says which value is set.
type Attr struct {
	Name   string
	Type   int
	F      float32
	I      int64
	S      string
	T      *Tensor
	Floats []float32
	Ints   []int64
}

// Tensor is TensorProto with float32 or int64 data.
type Tensor struct {
	Name     string
	Dims     []int64
	DataType int
	Floats   []float32
	Ints     []int64
}

// ValueInfo is ValueInfoProto for a float tensor; a dimension is either
// a size (Dims[i] >= 0) or, when Dims[i] < 0, the symbol Params[i].
type ValueInfo struct {
	Name      string
	DocString string
	ElemType  int
	Dims      []int64
	Params    []string
}

// Marshal encodes m as an ONNX file.
func (m *Model) Marshal() []byte {
	var e enc
	e.Varint(1, m.IRVersion)
	e.Str(2, m.ProducerName)
	e.Str(3, m.ProducerVersion)
	e.Str(6, m.DocString)
	e.Msg(7, m.Graph.marshal)
	e.Msg(8, func(s *enc) { s.Varint(2, m.Opset) })
	for _, kv := range m.Metadata {
		e.Msg(14, func(s *enc) {
			s.Str(1, kv.Key)
			s.Str(2, kv.Value)
		})
	}
	return e.B
}

func (g *Graph) marshal(e *enc) {
	for i := range g.Nodes {
		e.Msg(1, g.Nodes[i].marshal)
	}
	e.Str(2, g.Name)
	for i := range g.Initializer {
		e.Msg(5, g.Initializer[i].marshal)
	}
	for i := range g.Inputs {
		e.Msg(11, g.Inputs[i].marshal)
	}
	for i := range g.Outputs {
		e.Msg(12, g.Outputs[i].marshal)
	}
}

func (n *Node) marshal(e *enc) {
	for _, s := range n.Inputs {
		e.Bytes(1, []byte(s)) // an empty name is an omitted optional input
	}
	for _, s := range n.Outputs {
		e.Bytes(2, []byte(s))
	}
	e.Str(3, n.Name)
	e.Str(4, n.Op)
	for i := range n.Attrs {
		e.Msg(5, n.Attrs[i].marshal)
	}
	e.Str(7, n.Domain)
}

func (a *Attr) marshal(e *enc) {
	e.Str(1, a.Name)
	switch a.Type {
	case attrFloat:
		e.Float(2, a.F)
	case attrInt:
		e.Varint(3, a.I)
	case attrString:
		e.Bytes(4, []byte(a.S))
	case attrTensor:
		e.Msg(5, a.T.marshal)
	case attrFloats:
		e.PackedFloats(7, a.Floats)
	case attrInts:
		e.PackedInts(8, a.Ints)
	}
	e.Varint(20, int64(a.Type))
}

func (t *Tensor) marshal(e *enc) {
	e.PackedInts(1, t.Dims)
	e.Varint(2, int64(t.DataType))
	e.Str(8, t.Name)
	switch t.DataType {
	case typeFloat:
		raw := enc{B: make([]byte, 0, 4*len(t.Floats))}
		for _, v := range t.Floats {
			raw.B = appendFloat32(raw.B, v)
		}
		e.Bytes(9, raw.B)
	case typeInt64:
		raw := make([]byte, 0, 8*len(t.Ints))
		for _, v := range t.Ints {
			raw = appendInt64(raw, v)
		}
		e.Bytes(9, raw)
	}
}

func (v *ValueInfo) marshal(e *enc) {
	e.Str(1, v.Name)
	e.Msg(2, func(tp *enc) {
		tp.Msg(1, func(tt *enc) {
			tt.Varint(1, int64(v.ElemType))
			tt.Msg(2, func(sh *enc) {
				for i, d := range v.Dims {
					sh.Msg(1, func(dim *enc) {
						if d >= 0 {
							dim.Varint(1, d)
						} else {
							dim.Str(2, v.Params[i])
						}
					})
				}
			})
		})
	})
	e.Str(3, v.DocString)
}
