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
	e.varint(1, m.IRVersion)
	e.str(2, m.ProducerName)
	e.str(3, m.ProducerVersion)
	e.str(6, m.DocString)
	e.msg(7, m.Graph.marshal)
	e.msg(8, func(s *enc) { s.varint(2, m.Opset) })
	for _, kv := range m.Metadata {
		e.msg(14, func(s *enc) {
			s.str(1, kv.Key)
			s.str(2, kv.Value)
		})
	}
	return e.b
}

func (g *Graph) marshal(e *enc) {
	for i := range g.Nodes {
		e.msg(1, g.Nodes[i].marshal)
	}
	e.str(2, g.Name)
	for i := range g.Initializer {
		e.msg(5, g.Initializer[i].marshal)
	}
	for i := range g.Inputs {
		e.msg(11, g.Inputs[i].marshal)
	}
	for i := range g.Outputs {
		e.msg(12, g.Outputs[i].marshal)
	}
}

func (n *Node) marshal(e *enc) {
	for _, s := range n.Inputs {
		e.bytes(1, []byte(s)) // an empty name is an omitted optional input
	}
	for _, s := range n.Outputs {
		e.bytes(2, []byte(s))
	}
	e.str(3, n.Name)
	e.str(4, n.Op)
	for i := range n.Attrs {
		e.msg(5, n.Attrs[i].marshal)
	}
	e.str(7, n.Domain)
}

func (a *Attr) marshal(e *enc) {
	e.str(1, a.Name)
	switch a.Type {
	case attrFloat:
		e.float(2, a.F)
	case attrInt:
		e.varint(3, a.I)
	case attrString:
		e.bytes(4, []byte(a.S))
	case attrTensor:
		e.msg(5, a.T.marshal)
	case attrFloats:
		e.packedFloats(7, a.Floats)
	case attrInts:
		e.packedInts(8, a.Ints)
	}
	e.varint(20, int64(a.Type))
}

func (t *Tensor) marshal(e *enc) {
	e.packedInts(1, t.Dims)
	e.varint(2, int64(t.DataType))
	e.str(8, t.Name)
	switch t.DataType {
	case typeFloat:
		raw := enc{b: make([]byte, 0, 4*len(t.Floats))}
		for _, v := range t.Floats {
			raw.b = appendFloat32(raw.b, v)
		}
		e.bytes(9, raw.b)
	case typeInt64:
		raw := make([]byte, 0, 8*len(t.Ints))
		for _, v := range t.Ints {
			raw = appendInt64(raw, v)
		}
		e.bytes(9, raw)
	}
}

func (v *ValueInfo) marshal(e *enc) {
	e.str(1, v.Name)
	e.msg(2, func(tp *enc) {
		tp.msg(1, func(tt *enc) {
			tt.varint(1, int64(v.ElemType))
			tt.msg(2, func(sh *enc) {
				for i, d := range v.Dims {
					sh.msg(1, func(dim *enc) {
						if d >= 0 {
							dim.varint(1, d)
						} else {
							dim.str(2, v.Params[i])
						}
					})
				}
			})
		})
	})
	e.str(3, v.DocString)
}
