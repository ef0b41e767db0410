package onnx

import (
	"encoding/binary"
	"math"
)

// Protobuf wire types.
const (
	wireVarint  = 0
	wireFixed64 = 1
	wireBytes   = 2
	wireFixed32 = 5
)

// enc appends protobuf fields to a byte slice.
type enc struct{ b []byte }

func (e *enc) tag(field, wire int) { e.b = binary.AppendUvarint(e.b, uint64(field)<<3|uint64(wire)) }

// varint writes an int64 (negative values take ten bytes, as protobuf's
// int64 does).
func (e *enc) varint(field int, v int64) {
	e.tag(field, wireVarint)
	e.b = binary.AppendUvarint(e.b, uint64(v))
}

func (e *enc) bytes(field int, v []byte) {
	e.tag(field, wireBytes)
	e.b = binary.AppendUvarint(e.b, uint64(len(v)))
	e.b = append(e.b, v...)
}

// str writes a string field, skipping the empty string (proto3's default).
func (e *enc) str(field int, s string) {
	if s != "" {
		e.bytes(field, []byte(s))
	}
}

func (e *enc) float(field int, v float32) {
	e.tag(field, wireFixed32)
	e.b = binary.LittleEndian.AppendUint32(e.b, math.Float32bits(v))
}

// msg writes an embedded message built by fill.
func (e *enc) msg(field int, fill func(*enc)) {
	var sub enc
	fill(&sub)
	e.bytes(field, sub.b)
}

// packedInts writes repeated int64 as one packed field.
func (e *enc) packedInts(field int, vs []int64) {
	if len(vs) == 0 {
		return
	}
	var sub []byte
	for _, v := range vs {
		sub = binary.AppendUvarint(sub, uint64(v))
	}
	e.bytes(field, sub)
}

// packedFloats writes repeated float as one packed field.
func (e *enc) packedFloats(field int, vs []float32) {
	if len(vs) == 0 {
		return
	}
	sub := make([]byte, 0, 4*len(vs))
	for _, v := range vs {
		sub = binary.LittleEndian.AppendUint32(sub, math.Float32bits(v))
	}
	e.bytes(field, sub)
}

func appendFloat32(b []byte, v float32) []byte {
	return binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
}

func appendInt64(b []byte, v int64) []byte {
	return binary.LittleEndian.AppendUint64(b, uint64(v))
}
