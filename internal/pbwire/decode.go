package pbwire

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// ErrTruncated is a message that ends inside a field or holds a length
// past its end.
var ErrTruncated = errors.New("truncated or malformed protobuf")

// Decoder reads protobuf fields from B; the first problem stays in Err
// and ends Next.
type Decoder struct {
	B   []byte
	Err error
}

// Next returns the next field's number and wire type; ok is false at the
// end or on an error.
func (d *Decoder) Next() (field, wire int, ok bool) {
	if d.Err != nil || len(d.B) == 0 {
		return 0, 0, false
	}
	v := d.Uvarint()
	if d.Err != nil {
		return 0, 0, false
	}
	return int(v >> 3), int(v & 7), true
}

// Uvarint reads a varint.
func (d *Decoder) Uvarint() uint64 {
	v, n := binary.Uvarint(d.B)
	if n <= 0 {
		d.Err = ErrTruncated
		return 0
	}
	d.B = d.B[n:]
	return v
}

// Bytes reads a length-delimited field's contents (a slice of B).
func (d *Decoder) Bytes() []byte {
	n := d.Uvarint()
	if d.Err != nil || n > uint64(len(d.B)) {
		d.Err = ErrTruncated
		return nil
	}
	v := d.B[:n]
	d.B = d.B[n:]
	return v
}

// Fixed32 reads four little-endian bytes.
func (d *Decoder) Fixed32() uint32 {
	if len(d.B) < 4 {
		d.Err = ErrTruncated
		return 0
	}
	v := binary.LittleEndian.Uint32(d.B)
	d.B = d.B[4:]
	return v
}

// Fixed64 reads eight little-endian bytes.
func (d *Decoder) Fixed64() uint64 {
	if len(d.B) < 8 {
		d.Err = ErrTruncated
		return 0
	}
	v := binary.LittleEndian.Uint64(d.B)
	d.B = d.B[8:]
	return v
}

// Skip passes over a field of the given wire type.
func (d *Decoder) Skip(wire int) {
	switch wire {
	case WireVarint:
		d.Uvarint()
	case WireFixed64:
		d.Fixed64()
	case WireBytes:
		d.Bytes()
	case WireFixed32:
		d.Fixed32()
	default:
		d.Err = fmt.Errorf("unknown protobuf wire type %d", wire)
	}
}

// Ints reads a repeated int64, packed or not, appending to to.
func (d *Decoder) Ints(wire int, to []int64) []int64 {
	if wire == WireVarint {
		return append(to, int64(d.Uvarint()))
	}
	sub := Decoder{B: d.Bytes()}
	for len(sub.B) > 0 && sub.Err == nil {
		to = append(to, int64(sub.Uvarint()))
	}
	if sub.Err != nil {
		d.Err = sub.Err
	}
	return to
}

// Floats reads a repeated float, packed or not, appending to to.
func (d *Decoder) Floats(wire int, to []float32) []float32 {
	if wire == WireFixed32 {
		return append(to, math.Float32frombits(d.Fixed32()))
	}
	b := d.Bytes()
	if len(b)%4 != 0 {
		d.Err = ErrTruncated
		return to
	}
	for i := 0; i < len(b); i += 4 {
		to = append(to, math.Float32frombits(binary.LittleEndian.Uint32(b[i:])))
	}
	return to
}

// Doubles reads a repeated double, packed or not, appending to to.
func (d *Decoder) Doubles(wire int, to []float64) []float64 {
	if wire == WireFixed64 {
		return append(to, math.Float64frombits(d.Fixed64()))
	}
	b := d.Bytes()
	if len(b)%8 != 0 {
		d.Err = ErrTruncated
		return to
	}
	for i := 0; i < len(b); i += 8 {
		to = append(to, math.Float64frombits(binary.LittleEndian.Uint64(b[i:])))
	}
	return to
}

// Walk calls fn on every length-delimited field number field of b.
func Walk(b []byte, field int, fn func([]byte)) {
	d := Decoder{B: b}
	for f, w, ok := d.Next(); ok; f, w, ok = d.Next() {
		if f == field && w == WireBytes {
			fn(d.Bytes())
		} else {
			d.Skip(w)
		}
	}
}
