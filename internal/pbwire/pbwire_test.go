package pbwire

import (
	"bytes"
	"errors"
	"math"
	"testing"
)

// TestEncoding checks the encoder against protobuf's documented
// examples: field 1 varint 150 is 08 96 01; field 2 string "testing" is
// 12 07 74 65 73 74 69 6e 67; packed field 4 [3, 270, 86942] is
// 22 06 03 8e 02 9e a7 05; a float and a double 1.0 are fixed32 3f800000
// and fixed64 3ff0000000000000, little-endian.
func TestEncoding(t *testing.T) {
	var e Encoder
	e.Varint(1, 150)
	e.Str(2, "testing")
	e.PackedInts(4, []int64{3, 270, 86942})
	e.Float(5, 1)
	e.Double(6, 1)
	want := []byte{0x08, 0x96, 0x01, 0x12, 0x07, 't', 'e', 's', 't', 'i', 'n', 'g', 0x22, 0x06, 0x03, 0x8e, 0x02, 0x9e, 0xa7, 0x05,
		0x2d, 0x00, 0x00, 0x80, 0x3f, 0x31, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f}
	if !bytes.Equal(e.B, want) {
		t.Errorf("got % x\nwant % x", e.B, want)
	}
}

// TestRoundTrip reads back every kind of field the encoder writes.
func TestRoundTrip(t *testing.T) {
	var e Encoder
	e.Varint(1, -2)
	e.Msg(2, func(s *Encoder) { s.Str(1, "inner") })
	e.PackedFloats(3, []float32{1.5, -2})
	e.PackedDoubles(4, []float64{math.Pi, -1e300})
	e.Double(5, 0.25)
	d := Decoder{B: e.B}
	var ints []int64
	var floats []float32
	var doubles []float64
	var inner string
	for f, w, ok := d.Next(); ok; f, w, ok = d.Next() {
		switch f {
		case 1:
			ints = d.Ints(w, ints)
		case 2:
			Walk(d.Bytes(), 1, func(b []byte) { inner = string(b) })
		case 3:
			floats = d.Floats(w, floats)
		case 4, 5:
			doubles = d.Doubles(w, doubles)
		}
	}
	if d.Err != nil {
		t.Fatal(d.Err)
	}
	if len(ints) != 1 || ints[0] != -2 || inner != "inner" || len(floats) != 2 || floats[0] != 1.5 || floats[1] != -2 ||
		len(doubles) != 3 || doubles[0] != math.Pi || doubles[1] != -1e300 || doubles[2] != 0.25 {
		t.Errorf("got ints %v, inner %q, floats %v, doubles %v", ints, inner, floats, doubles)
	}
}

// TestTruncated: a message cut between two fields reads as the fields
// before the cut; cut inside a field it is ErrTruncated, never a panic.
func TestTruncated(t *testing.T) {
	var e Encoder
	e.Str(1, "abc")  // bytes 0-4
	e.Double(2, 1)   // 5-13
	e.Float(3, 1)    // 14-18
	e.Varint(4, 300) // 19-21
	boundaries := map[int]int{5: 1, 14: 2, 19: 3}
	for n := 1; n < len(e.B); n++ {
		d := Decoder{B: e.B[:n]}
		fields := 0
		for _, w, ok := d.Next(); ok; _, w, ok = d.Next() {
			if d.Skip(w); d.Err == nil {
				fields++
			}
		}
		if want, between := boundaries[n]; between {
			if d.Err != nil || fields != want {
				t.Errorf("cut at %d: %d fields, err %v; want %d fields", n, fields, d.Err, want)
			}
		} else if !errors.Is(d.Err, ErrTruncated) {
			t.Errorf("cut at %d: %d fields, err %v; want ErrTruncated", n, fields, d.Err)
		}
	}
}
