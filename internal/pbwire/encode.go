// Package pbwire writes and reads the protobuf wire format by hand: the
// few encodings cnnscope's files need (ONNX models, TensorBoard event
// files), without generated message types. Field numbers live with the
// messages in the packages that use them.
package pbwire

import (
	"encoding/binary"
	"math"
)

// Protobuf wire types.
const (
	WireVarint  = 0
	WireFixed64 = 1
	WireBytes   = 2
	WireFixed32 = 5
)

// Encoder appends protobuf fields to B.
type Encoder struct{ B []byte }

// Tag writes a field's key.
func (e *Encoder) Tag(field, wire int) {
	e.B = binary.AppendUvarint(e.B, uint64(field)<<3|uint64(wire))
}

// Varint writes an int64 (negative values take ten bytes, as protobuf's
// int64 does).
func (e *Encoder) Varint(field int, v int64) {
	e.Tag(field, WireVarint)
	e.B = binary.AppendUvarint(e.B, uint64(v))
}

// Bytes writes a length-delimited field.
func (e *Encoder) Bytes(field int, v []byte) {
	e.Tag(field, WireBytes)
	e.B = binary.AppendUvarint(e.B, uint64(len(v)))
	e.B = append(e.B, v...)
}

// Str writes a string field, skipping the empty string (proto3's default).
func (e *Encoder) Str(field int, s string) {
	if s != "" {
		e.Bytes(field, []byte(s))
	}
}

// Float writes a float (fixed32) field.
func (e *Encoder) Float(field int, v float32) {
	e.Tag(field, WireFixed32)
	e.B = binary.LittleEndian.AppendUint32(e.B, math.Float32bits(v))
}

// Double writes a double (fixed64) field.
func (e *Encoder) Double(field int, v float64) {
	e.Tag(field, WireFixed64)
	e.B = binary.LittleEndian.AppendUint64(e.B, math.Float64bits(v))
}

// Msg writes an embedded message built by fill.
func (e *Encoder) Msg(field int, fill func(*Encoder)) {
	var sub Encoder
	fill(&sub)
	e.Bytes(field, sub.B)
}

// PackedInts writes repeated int64 as one packed field (nothing when empty).
func (e *Encoder) PackedInts(field int, vs []int64) {
	if len(vs) == 0 {
		return
	}
	var sub []byte
	for _, v := range vs {
		sub = binary.AppendUvarint(sub, uint64(v))
	}
	e.Bytes(field, sub)
}

// PackedFloats writes repeated float as one packed field (nothing when empty).
func (e *Encoder) PackedFloats(field int, vs []float32) {
	if len(vs) == 0 {
		return
	}
	sub := make([]byte, 0, 4*len(vs))
	for _, v := range vs {
		sub = binary.LittleEndian.AppendUint32(sub, math.Float32bits(v))
	}
	e.Bytes(field, sub)
}

// PackedDoubles writes repeated double as one packed field (nothing when
// empty).
func (e *Encoder) PackedDoubles(field int, vs []float64) {
	if len(vs) == 0 {
		return
	}
	sub := make([]byte, 0, 8*len(vs))
	for _, v := range vs {
		sub = binary.LittleEndian.AppendUint64(sub, math.Float64bits(v))
	}
	e.Bytes(field, sub)
}
