package onnx

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// dec reads protobuf fields from a byte slice.
type dec struct {
	b   []byte
	err error
}

var errTruncated = errors.New("truncated or malformed protobuf")

// next returns the next field's number and wire type; ok is false at the
// end or on an error.
func (d *dec) next() (field, wire int, ok bool) {
	if d.err != nil || len(d.b) == 0 {
		return 0, 0, false
	}
	v := d.uvarint()
	if d.err != nil {
		return 0, 0, false
	}
	return int(v >> 3), int(v & 7), true
}

func (d *dec) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err = errTruncated
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *dec) bytes() []byte {
	n := d.uvarint()
	if d.err != nil || n > uint64(len(d.b)) {
		d.err = errTruncated
		return nil
	}
	v := d.b[:n]
	d.b = d.b[n:]
	return v
}

func (d *dec) fixed32() uint32 {
	if len(d.b) < 4 {
		d.err = errTruncated
		return 0
	}
	v := binary.LittleEndian.Uint32(d.b)
	d.b = d.b[4:]
	return v
}

// skip passes over a field of the given wire type.
func (d *dec) skip(wire int) {
	switch wire {
	case wireVarint:
		d.uvarint()
	case wireFixed64:
		if len(d.b) < 8 {
			d.err = errTruncated
			return
		}
		d.b = d.b[8:]
	case wireBytes:
		d.bytes()
	case wireFixed32:
		d.fixed32()
	default:
		d.err = fmt.Errorf("unknown protobuf wire type %d", wire)
	}
}

// ints reads a repeated int64, packed or not.
func (d *dec) ints(wire int, to []int64) []int64 {
	if wire == wireVarint {
		return append(to, int64(d.uvarint()))
	}
	sub := dec{b: d.bytes()}
	for len(sub.b) > 0 && sub.err == nil {
		to = append(to, int64(sub.uvarint()))
	}
	if sub.err != nil {
		d.err = sub.err
	}
	return to
}

// floats reads a repeated float, packed or not.
func (d *dec) floats(wire int, to []float32) []float32 {
	if wire == wireFixed32 {
		return append(to, math.Float32frombits(d.fixed32()))
	}
	b := d.bytes()
	if len(b)%4 != 0 {
		d.err = errTruncated
		return to
	}
	for i := 0; i < len(b); i += 4 {
		to = append(to, math.Float32frombits(binary.LittleEndian.Uint32(b[i:])))
	}
	return to
}

// Unmarshal decodes an ONNX file's ModelProto (the parts this package
// uses; other fields are skipped). Only the default domain's opset is
// kept.
func Unmarshal(b []byte) (*Model, error) {
	m := &Model{}
	d := dec{b: b}
	for f, w, ok := d.next(); ok; f, w, ok = d.next() {
		switch {
		case f == 1 && w == wireVarint:
			m.IRVersion = int64(d.uvarint())
		case f == 2 && w == wireBytes:
			m.ProducerName = string(d.bytes())
		case f == 3 && w == wireBytes:
			m.ProducerVersion = string(d.bytes())
		case f == 6 && w == wireBytes:
			m.DocString = string(d.bytes())
		case f == 7 && w == wireBytes:
			d.err = m.Graph.unmarshal(d.bytes())
		case f == 8 && w == wireBytes:
			domain, version, err := unmarshalOpset(d.bytes())
			if err != nil {
				d.err = err
			} else if domain == "" || domain == "ai.onnx" {
				m.Opset = version
			}
		case f == 14 && w == wireBytes:
			kv, err := unmarshalKV(d.bytes())
			d.err = err
			m.Metadata = append(m.Metadata, kv)
		default:
			d.skip(w)
		}
	}
	if d.err != nil {
		return nil, fmt.Errorf("not an ONNX model: %w", d.err)
	}
	return m, nil
}

func unmarshalOpset(b []byte) (string, int64, error) {
	d := dec{b: b}
	var domain string
	var version int64
	for f, w, ok := d.next(); ok; f, w, ok = d.next() {
		switch {
		case f == 1 && w == wireBytes:
			domain = string(d.bytes())
		case f == 2 && w == wireVarint:
			version = int64(d.uvarint())
		default:
			d.skip(w)
		}
	}
	return domain, version, d.err
}

func unmarshalKV(b []byte) (KeyValue, error) {
	d := dec{b: b}
	var kv KeyValue
	for f, w, ok := d.next(); ok; f, w, ok = d.next() {
		switch {
		case f == 1 && w == wireBytes:
			kv.Key = string(d.bytes())
		case f == 2 && w == wireBytes:
			kv.Value = string(d.bytes())
		default:
			d.skip(w)
		}
	}
	return kv, d.err
}

func (g *Graph) unmarshal(b []byte) error {
	d := dec{b: b}
	for f, w, ok := d.next(); ok; f, w, ok = d.next() {
		if w != wireBytes {
			d.skip(w)
			continue
		}
		sub := d.bytes()
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
	return d.err
}

func (n *Node) unmarshal(b []byte) error {
	d := dec{b: b}
	for f, w, ok := d.next(); ok; f, w, ok = d.next() {
		if w != wireBytes {
			d.skip(w)
			continue
		}
		sub := d.bytes()
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
	return d.err
}

func (a *Attr) unmarshal(b []byte) error {
	d := dec{b: b}
	for f, w, ok := d.next(); ok; f, w, ok = d.next() {
		switch {
		case f == 1 && w == wireBytes:
			a.Name = string(d.bytes())
		case f == 20 && w == wireVarint:
			a.Type = int(d.uvarint())
		case f == 2 && w == wireFixed32:
			a.F = math.Float32frombits(d.fixed32())
		case f == 3 && w == wireVarint:
			a.I = int64(d.uvarint())
		case f == 4 && w == wireBytes:
			a.S = string(d.bytes())
		case f == 5 && w == wireBytes:
			a.T = &Tensor{}
			if err := a.T.unmarshal(d.bytes()); err != nil {
				return err
			}
		case f == 7:
			a.Floats = d.floats(w, a.Floats)
		case f == 8:
			a.Ints = d.ints(w, a.Ints)
		default:
			d.skip(w)
		}
	}
	return d.err
}

// Data types that decode into Tensor.Ints (all integers) besides float.
const (
	typeInt32  = 6
	typeDouble = 11
)

func (t *Tensor) unmarshal(b []byte) error {
	d := dec{b: b}
	var raw []byte
	var doubles []float64
	for f, w, ok := d.next(); ok; f, w, ok = d.next() {
		switch {
		case f == 1:
			t.Dims = d.ints(w, t.Dims)
		case f == 2 && w == wireVarint:
			t.DataType = int(d.uvarint())
		case f == 4:
			t.Floats = d.floats(w, t.Floats)
		case f == 5 || f == 7:
			t.Ints = d.ints(w, t.Ints)
		case f == 8 && w == wireBytes:
			t.Name = string(d.bytes())
		case f == 9 && w == wireBytes:
			raw = d.bytes()
		case f == 10 && w == wireFixed64:
			if len(d.b) < 8 {
				return errTruncated
			}
			doubles = append(doubles, math.Float64frombits(binary.LittleEndian.Uint64(d.b)))
			d.b = d.b[8:]
		default:
			d.skip(w)
		}
	}
	if d.err != nil {
		return d.err
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
	d := dec{b: b}
	for f, w, ok := d.next(); ok; f, w, ok = d.next() {
		switch {
		case f == 1 && w == wireBytes:
			v.Name = string(d.bytes())
		case f == 2 && w == wireBytes:
			v.unmarshalType(d.bytes())
		case f == 3 && w == wireBytes:
			v.DocString = string(d.bytes())
		default:
			d.skip(w)
		}
	}
	return d.err
}

// unmarshalType reads TypeProto.tensor_type's element type and shape.
func (v *ValueInfo) unmarshalType(b []byte) {
	walk(b, 1, func(tt []byte) {
		d := dec{b: tt}
		for f, w, ok := d.next(); ok; f, w, ok = d.next() {
			switch {
			case f == 1 && w == wireVarint:
				v.ElemType = int(d.uvarint())
			case f == 2 && w == wireBytes:
				walk(d.bytes(), 1, v.unmarshalDim)
			default:
				d.skip(w)
			}
		}
	})
}

func (v *ValueInfo) unmarshalDim(b []byte) {
	d := dec{b: b}
	dim, param := int64(-1), ""
	for f, w, ok := d.next(); ok; f, w, ok = d.next() {
		switch {
		case f == 1 && w == wireVarint:
			dim = int64(d.uvarint())
		case f == 2 && w == wireBytes:
			param = string(d.bytes())
		default:
			d.skip(w)
		}
	}
	v.Dims = append(v.Dims, dim)
	v.Params = append(v.Params, param)
}

// walk calls fn on every length-delimited field number field of b.
func walk(b []byte, field int, fn func([]byte)) {
	d := dec{b: b}
	for f, w, ok := d.next(); ok; f, w, ok = d.next() {
		if f == field && w == wireBytes {
			fn(d.bytes())
		} else {
			d.skip(w)
		}
	}
}
