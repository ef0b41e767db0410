package safetensors

import (
	"encoding/binary"
	"math"
)

// DType names an element type exactly as the header spells it.
type DType string

// The element types of the safetensors format. Only F64, F32, F16 and
// BF16 convert to float32 (File.Tensors); every type can be read and
// written as raw bytes (File.Raw, WriteRaw).
const (
	BOOL   DType = "BOOL"
	F4     DType = "F4"
	F6E2M3 DType = "F6_E2M3"
	F6E3M2 DType = "F6_E3M2"
	U8     DType = "U8"
	I8     DType = "I8"
	F8E5M2 DType = "F8_E5M2"
	F8E4M3 DType = "F8_E4M3"
	F8E8M0 DType = "F8_E8M0"
	I16    DType = "I16"
	U16    DType = "U16"
	F16    DType = "F16"
	BF16   DType = "BF16"
	I32    DType = "I32"
	U32    DType = "U32"
	F32    DType = "F32"
	C64    DType = "C64"
	F64    DType = "F64"
	I64    DType = "I64"
	U64    DType = "U64"
)

// dtypeInfo describes one element type: its width in bits and its rank,
// the position of the type in the reference implementation's Dtype enum
// (increasing alignment). The reference writer lays tensors out by
// descending rank, then by name, and so does Write.
type dtypeInfo struct {
	bits int
	rank int
}

// dtypes lists every element type in the reference enum's order.
var dtypes = func() map[DType]dtypeInfo {
	order := []struct {
		d    DType
		bits int
	}{
		{BOOL, 8}, {F4, 4}, {F6E2M3, 6}, {F6E3M2, 6}, {U8, 8}, {I8, 8},
		{F8E5M2, 8}, {F8E4M3, 8}, {F8E8M0, 8}, {I16, 16}, {U16, 16},
		{F16, 16}, {BF16, 16}, {I32, 32}, {U32, 32}, {F32, 32}, {C64, 64},
		{F64, 64}, {I64, 64}, {U64, 64},
	}
	m := make(map[DType]dtypeInfo, len(order))
	for i, o := range order {
		m[o.d] = dtypeInfo{bits: o.bits, rank: i}
	}
	return m
}()

// dtypeNames is the list of known types, for error messages.
const dtypeNames = "BOOL, F4, F6_E2M3, F6_E3M2, U8, I8, F8_E5M2, F8_E4M3, F8_E8M0, " +
	"I16, U16, F16, BF16, I32, U32, F32, C64, F64, I64, U64"

// Bits is the width of one element in bits, or 0 for an unknown type.
func (d DType) Bits() int { return dtypes[d].bits }

// Known reports whether d is one of the types of the format.
func (d DType) Known() bool {
	_, ok := dtypes[d]
	return ok
}

// Float reports whether elements of type d convert to float32 on read.
func (d DType) Float() bool { return d == F32 || d == F64 || d == F16 || d == BF16 }

// byteSize is the number of bytes that n elements of type d take, or
// ok=false when that is not a whole number of bytes or overflows.
func (d DType) byteSize(n int) (size int, ok bool) {
	bits := d.Bits()
	if bits == 0 || (n > 0 && n > math.MaxInt/bits) {
		return 0, false
	}
	if n*bits%8 != 0 {
		return 0, false
	}
	return n * bits / 8, true
}

// toFloat32 decodes little-endian elements of a float type into dst,
// which has exactly one slot per element of src.
func toFloat32(d DType, dst []float32, src []byte) {
	switch d {
	case F32:
		for i := range dst {
			dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(src[4*i:]))
		}
	case F64:
		for i := range dst {
			dst[i] = f64to32(math.Float64frombits(binary.LittleEndian.Uint64(src[8*i:])))
		}
	case F16:
		for i := range dst {
			dst[i] = f16to32(binary.LittleEndian.Uint16(src[2*i:]))
		}
	case BF16:
		for i := range dst {
			dst[i] = math.Float32frombits(uint32(binary.LittleEndian.Uint16(src[2*i:])) << 16)
		}
	default:
		panic("safetensors: toFloat32 on non-float dtype " + string(d))
	}
}

// f64to32 rounds v to the nearest float32, giving ±Inf past the float32
// range as IEEE 754 does (Go leaves out-of-range conversions to the
// platform).
func f64to32(v float64) float32 {
	// Halfway between MaxFloat32 and the next power of two: values from
	// here on round to infinity.
	const overflow = 0x1.ffffffp127
	switch {
	case v >= overflow:
		return float32(math.Inf(1))
	case v <= -overflow:
		return float32(math.Inf(-1))
	}
	return float32(v)
}

// f16to32 widens an IEEE 754 half-precision value exactly.
func f16to32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h) & 0x3ff
	switch {
	case exp == 0:
		// Zero or subnormal: mant · 2⁻²⁴, exact in float32.
		v := float32(mant) * 0x1p-24
		return math.Float32frombits(math.Float32bits(v) | sign)
	case exp == 0x1f:
		// Infinity or NaN; the payload keeps its top bits.
		return math.Float32frombits(sign | 0xff<<23 | mant<<13)
	default:
		return math.Float32frombits(sign | (exp-15+127)<<23 | mant<<13)
	}
}
