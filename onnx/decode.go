package onnx

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/cnnscope/cnnscope/internal/pbwire"
)

// MaxFileBytes is the largest ONNX file the readers take: protobuf's
// 2 GiB message limit (larger models keep their weights in external
// files, which Import does not read).
const MaxFileBytes = 2 << 30

// Unmarshal decodes an ONNX file's ModelProto (the parts this package
// uses; other fields are skipped). Only the default domain's opset is
// kept.
func Unmarshal(b []byte) (*Model, error) {
	m := &Model{}
	d := dec{B: b}
	for f, w, ok := d.Next(); ok; f, w, ok = d.Next() {
		switch {
		case f == 1 && w == wireVarint:
			m.IRVersion = int64(d.Uvarint())
		case f == 2 && w == wireBytes:
			m.ProducerName = string(d.Bytes())
		case f == 3 && w == wireBytes:
			m.ProducerVersion = string(d.Bytes())
		case f == 6 && w == wireBytes:
			m.DocString = string(d.Bytes())
		case f == 7 && w == wireBytes:
			d.Err = m.Graph.unmarshal(d.Bytes())
		case f == 8 && w == wireBytes:
			domain, version, err := unmarshalOpset(d.Bytes())
			if err != nil {
				d.Err = err
			} else if domain == "" || domain == "ai.onnx" {
				m.Opset = version
			}
		case f == 14 && w == wireBytes:
			kv, err := unmarshalKV(d.Bytes())
			d.Err = err
			m.Metadata = append(m.Metadata, kv)
		default:
			d.Skip(w)
		}
	}
	if d.Err != nil {
		return nil, fmt.Errorf("not an ONNX model: %w", d.Err)
	}
	return m, nil
}

func unmarshalOpset(b []byte) (string, int64, error) {
	d := dec{B: b}
	var domain string
	var version int64
	for f, w, ok := d.Next(); ok; f, w, ok = d.Next() {
		switch {
		case f == 1 && w == wireBytes:
			domain = string(d.Bytes())
		case f == 2 && w == wireVarint:
			version = int64(d.Uvarint())
		default:
			d.Skip(w)
		}
	}
	return domain, version, d.Err
}

func unmarshalKV(b []byte) (KeyValue, error) {
	d := dec{B: b}
	var kv KeyValue
	for f, w, ok := d.Next(); ok; f, w, ok = d.Next() {
		switch {
		case f == 1 && w == wireBytes:
			kv.Key = string(d.Bytes())
		case f == 2 && w == wireBytes:
			kv.Value = string(d.Bytes())
		default:
			d.Skip(w)
		}
	}
	return kv, d.Err
}

func (g *Graph) unmarshal(b []byte) error {
	d := dec{B: b}
	for f, w, ok := d.Next(); ok; f, w, ok = d.Next() {
		if w != wireBytes {
			d.Skip(w)
			continue
		}
		sub := d.Bytes()
		var err error
		switch f {
		case 1:
			var n Node
			err = n.unmarshal(sub)
			g.Nodes = append(g.Nodes, n)
		case 2:
			g.Name = string(sub)
		case 5:
			var t Tensor
			err = t.unmarshal(sub)
			g.Initializer = append(g.Initializer, t)
		case 11, 12:
			var v ValueInfo
			err = v.unmarshal(sub)
			if f == 11 {
				g.Inputs = append(g.Inputs, v)
			} else {
				g.Outputs = append(g.Outputs, v)
			}
		}
		if err != nil {
			return err
		}
	}
	return d.Err
}

func (n *Node) unmarshal(b []byte) error {
	d := dec{B: b}
	for f, w, ok := d.Next(); ok; f, w, ok = d.Next() {
		if w != wireBytes {
			d.Skip(w)
			continue
		}
		sub := d.Bytes()
		switch f {
		case 1:
			n.Inputs = append(n.Inputs, string(sub))
		case 2:
			n.Outputs = append(n.Outputs, string(sub))
		case 3:
			n.Name = string(sub)
		case 4:
			n.Op = string(sub)
		case 7:
			n.Domain = string(sub)
		case 5:
			var a Attr
			if err := a.unmarshal(sub); err != nil {
				return err
			}
			n.Attrs = append(n.Attrs, a)
		}
	}
	return d.Err
}

func (a *Attr) unmarshal(b []byte) error {
	d := dec{B: b}
	for f, w, ok := d.Next(); ok; f, w, ok = d.Next() {
		switch {
		case f == 1 && w == wireBytes:
			a.Name = string(d.Bytes())
		case f == 20 && w == wireVarint:
			a.Type = int(d.Uvarint())
		case f == 2 && w == wireFixed32:
			a.F = math.Float32frombits(d.Fixed32())
		case f == 3 && w == wireVarint:
			a.I = int64(d.Uvarint())
		case f == 4 && w == wireBytes:
			a.S = string(d.Bytes())
		case f == 5 && w == wireBytes:
			a.T = &Tensor{}
			if err := a.T.unmarshal(d.Bytes()); err != nil {
				return err
			}
		case f == 7:
			a.Floats = d.Floats(w, a.Floats)
		case f == 8:
			a.Ints = d.Ints(w, a.Ints)
		default:
			d.Skip(w)
		}
	}
	return d.Err
}

// Data types that decode into Tensor.Ints (all integers) besides float.
const (
	typeInt32  = 6
	typeDouble = 11
)

func (t *Tensor) unmarshal(b []byte) error {
	d := dec{B: b}
	var raw []byte
	var doubles []float64
	for f, w, ok := d.Next(); ok; f, w, ok = d.Next() {
		switch {
		case f == 1:
			t.Dims = d.Ints(w, t.Dims)
		case f == 2 && w == wireVarint:
			t.DataType = int(d.Uvarint())
		case f == 4:
			t.Floats = d.Floats(w, t.Floats)
		case f == 5 || f == 7:
			t.Ints = d.Ints(w, t.Ints)
		case f == 8 && w == wireBytes:
			t.Name = string(d.Bytes())
		case f == 9 && w == wireBytes:
			raw = d.Bytes()
		case f == 10 && w == wireFixed64:
			doubles = append(doubles, math.Float64frombits(d.Fixed64()))
		default:
			d.Skip(w)
		}
	}
	if d.Err != nil {
		return d.Err
	}
	if raw != nil {
		if err := t.fromRaw(raw); err != nil {
			return err
		}
	}
	for _, v := range doubles {
		t.Floats = append(t.Floats, float32(v))
	}
	return t.checkSize()
}

// checkSize reports a tensor whose values do not fill its dimensions.
func (t *Tensor) checkSize() error {
	n := int64(1)
	for _, d := range t.Dims {
		if d < 0 || (d > 0 && n > math.MaxInt32/d) {
			return fmt.Errorf("tensor %s: dimensions %v", t.Name, t.Dims)
		}
		n *= d
	}
	if have := int64(len(t.Floats) + len(t.Ints)); have != n {
		return fmt.Errorf("tensor %s: %d values for dimensions %v", t.Name, have, t.Dims)
	}
	return nil
}

// fromRaw decodes raw_data (little-endian) of a float, double or integer
// tensor.
func (t *Tensor) fromRaw(raw []byte) error {
	size := map[int]int{typeFloat: 4, typeDouble: 8, typeInt32: 4, typeInt64: 8}[t.DataType]
	if size == 0 {
		return fmt.Errorf("tensor %s: data type %d is not float, double, int32 or int64", t.Name, t.DataType)
	}
	if len(raw)%size != 0 {
		return fmt.Errorf("tensor %s: %d raw bytes for %d-byte elements", t.Name, len(raw), size)
	}
	for i := 0; i < len(raw); i += size {
		switch t.DataType {
		case typeFloat:
			t.Floats = append(t.Floats, math.Float32frombits(binary.LittleEndian.Uint32(raw[i:])))
		case typeDouble:
			t.Floats = append(t.Floats, float32(math.Float64frombits(binary.LittleEndian.Uint64(raw[i:]))))
		case typeInt32:
			t.Ints = append(t.Ints, int64(int32(binary.LittleEndian.Uint32(raw[i:]))))
		case typeInt64:
			t.Ints = append(t.Ints, int64(binary.LittleEndian.Uint64(raw[i:])))
		}
	}
	return nil
}

func (v *ValueInfo) unmarshal(b []byte) error {
	d := dec{B: b}
	for f, w, ok := d.Next(); ok; f, w, ok = d.Next() {
		switch {
		case f == 1 && w == wireBytes:
			v.Name = string(d.Bytes())
		case f == 2 && w == wireBytes:
			v.unmarshalType(d.Bytes())
		case f == 3 && w == wireBytes:
			v.DocString = string(d.Bytes())
		default:
			d.Skip(w)
		}
	}
	return d.Err
}

// unmarshalType reads TypeProto.tensor_type's element type and shape.
func (v *ValueInfo) unmarshalType(b []byte) {
	pbwire.Walk(b, 1, func(tt []byte) {
		d := dec{B: tt}
		for f, w, ok := d.Next(); ok; f, w, ok = d.Next() {
			switch {
			case f == 1 && w == wireVarint:
				v.ElemType = int(d.Uvarint())
			case f == 2 && w == wireBytes:
				pbwire.Walk(d.Bytes(), 1, v.unmarshalDim)
			default:
				d.Skip(w)
			}
		}
	})
}

func (v *ValueInfo) unmarshalDim(b []byte) {
	d := dec{B: b}
	dim, param := int64(-1), ""
	for f, w, ok := d.Next(); ok; f, w, ok = d.Next() {
		switch {
		case f == 1 && w == wireVarint:
			dim = int64(d.Uvarint())
		case f == 2 && w == wireBytes:
			param = string(d.Bytes())
		default:
			d.Skip(w)
		}
	}
	v.Dims = append(v.Dims, dim)
	v.Params = append(v.Params, param)
}
