package safetensors

import (
	"bytes"
	"encoding/binary"
	"math"
	"strings"
	"testing"

	"github.com/cnnscope/cnnscope/tensor"
)

// Byte-exact outputs of the reference implementation, as asserted by its
// own test suites (Rust: safetensors/src/tensor.rs test_serialization,
// test_empty, test_serialization_forced_alignement; Python:
// bindings/python/tests/test_simple.py test_serialization,
// test_serialization_forces_alignment, test_serialization_metadata).
const (
	z8  = "\x00\x00\x00\x00\x00\x00\x00\x00"
	f05 = "\x00\x00\x00\x00\x00\x00\x80?\x00\x00\x00@\x00\x00@@\x00\x00\x80@\x00\x00\xa0@" // float32 0..5

	refAttnDot = "@" + "\x00\x00\x00\x00\x00\x00\x00" +
		`{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}` + f05
	refEmpty         = "\x08" + "\x00\x00\x00\x00\x00\x00\x00" + "{}      "
	refEmptyMetadata = "(" + "\x00\x00\x00\x00\x00\x00\x00" + `{"__metadata__":{"framework":"pt"}}     `
	refAttn0         = "H" + "\x00\x00\x00\x00\x00\x00\x00" +
		`{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}       ` + f05
	refI32 = "@" + "\x00\x00\x00\x00\x00\x00\x00" +
		`{"test":{"dtype":"I32","shape":[2,2],"data_offsets":[0,16]}}    ` + z8 + "\x00\x00\x00\x00\x01\x00\x00\x00"
	refI32F16 = "\x80" + "\x00\x00\x00\x00\x00\x00\x00" +
		`{"test1":{"dtype":"I32","shape":[2,2],"data_offsets":[0,16]},"test2":{"dtype":"F16","shape":[2,2],"data_offsets":[16,24]}}      ` +
		z8 + z8 + z8
	refMetadataI32 = "`" + "\x00\x00\x00\x00\x00\x00\x00" +
		`{"__metadata__":{"framework":"pt"},"test1":{"dtype":"I32","shape":[2,2],"data_offsets":[0,16]}} ` + z8 + z8
	// A file from before header padding (test_deserialization): readers
	// must still accept it.
	refUnpadded = "<" + "\x00\x00\x00\x00\x00\x00\x00" +
		`{"test":{"dtype":"I32","shape":[2,2],"data_offsets":[0,16]}}` + z8 + z8
)

func f32s(vals ...float32) *tensor.Tensor { return tensor.FromData(vals, len(vals)) }

func i32Bytes(vals ...int32) []byte {
	b := make([]byte, 4*len(vals))
	for i, v := range vals {
		binary.LittleEndian.PutUint32(b[4*i:], uint32(v))
	}
	return b
}

func TestWriteMatchesReference(t *testing.T) {
	tests := []struct {
		name     string
		named    []Named
		raw      []Raw
		metadata map[string]string
		want     string
	}{
		{name: "rust attn.0", named: []Named{{"attn.0", f32s(0, 1, 2, 3, 4, 5).Reshape(1, 2, 3)}}, want: refAttnDot},
		{name: "rust empty", want: refEmpty},
		{name: "rust empty with metadata", metadata: map[string]string{"framework": "pt"}, want: refEmptyMetadata},
		{name: "rust forced alignment", named: []Named{{"attn0", f32s(0, 1, 2, 3, 4, 5).Reshape(1, 1, 2, 3)}}, want: refAttn0},
		{name: "python I32", raw: []Raw{{"test", I32, []int{2, 2}, i32Bytes(0, 0, 0, 1)}}, want: refI32},
		{name: "python I32 and F16", raw: []Raw{
			{"test2", F16, []int{2, 2}, make([]byte, 8)},
			{"test1", I32, []int{2, 2}, make([]byte, 16)},
		}, want: refI32F16},
		{name: "python metadata", raw: []Raw{{"test1", I32, []int{2, 2}, make([]byte, 16)}},
			metadata: map[string]string{"framework": "pt"}, want: refMetadataI32},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			var err error
			if tt.raw != nil {
				err = WriteRaw(&buf, tt.raw, tt.metadata)
			} else {
				err = Write(&buf, tt.named, tt.metadata)
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := buf.String(); got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
			if _, err := Parse(buf.Bytes()); err != nil {
				t.Errorf("reading it back: %v", err)
			}
		})
	}
}

func TestReadReference(t *testing.T) {
	for _, file := range []string{refAttnDot, refEmpty, refEmptyMetadata, refAttn0, refI32, refI32F16, refMetadataI32, refUnpadded} {
		f, err := Parse([]byte(file))
		if err != nil {
			t.Errorf("%q: %v", file[8:min(len(file), 60)], err)
			continue
		}
		// Writing what was read gives the same bytes back (the unpadded
		// legacy file comes back padded).
		var buf bytes.Buffer
		if err := WriteRaw(&buf, f.Raw, f.Metadata); err != nil {
			t.Fatal(err)
		}
		want := file
		if file == refUnpadded {
			want = refI32[:len(refI32)-16] + z8 + z8
		}
		if buf.String() != want {
			t.Errorf("rewrite of %q:\n got  %q\n want %q", file[8:40], buf.String(), want)
		}
	}

	f, err := Parse([]byte(refAttn0))
	if err != nil {
		t.Fatal(err)
	}
	x, err := f.Tensor("attn0")
	if err != nil {
		t.Fatal(err)
	}
	if !x.Shape.Equal(tensor.Shape{1, 1, 2, 3}) || x.Data[5] != 5 {
		t.Errorf("attn0 = %v %v", x.Shape, x.Data)
	}
	f, err = Parse([]byte(refMetadataI32))
	if err != nil {
		t.Fatal(err)
	}
	if f.Metadata["framework"] != "pt" {
		t.Errorf("metadata = %v", f.Metadata)
	}
	if _, err := f.Tensor("test1"); err == nil || !strings.Contains(err.Error(), "I32") {
		t.Errorf("Tensor on an I32 tensor: err = %v, want one naming I32", err)
	}
	if r, ok := f.Lookup("test1"); !ok || r.DType != I32 || len(r.Data) != 16 {
		t.Errorf("Lookup(test1) = %+v, %v", r, ok)
	}
}

func TestFloatConversions(t *testing.T) {
	f16 := []uint16{0x3c00, 0xc000, 0x7bff, 0x0001, 0x8000, 0x7c00, 0xfc00, 0x3555}
	want16 := []float32{1, -2, 65504, 0x1p-24, float32(math.Copysign(0, -1)), float32(math.Inf(1)), float32(math.Inf(-1)), 0.333251953125}
	bf16 := []uint16{0x3f80, 0xc0a0, 0x7f80}
	wantBF := []float32{1, -5, float32(math.Inf(1))}
	f64 := []float64{0.1, -3, 1e300, -1e300, math.MaxFloat32}
	want64 := []float32{0.1, -3, float32(math.Inf(1)), float32(math.Inf(-1)), math.MaxFloat32}

	b16 := make([]byte, 2*len(f16))
	for i, v := range f16 {
		binary.LittleEndian.PutUint16(b16[2*i:], v)
	}
	bb := make([]byte, 2*len(bf16))
	for i, v := range bf16 {
		binary.LittleEndian.PutUint16(bb[2*i:], v)
	}
	b64 := make([]byte, 8*len(f64))
	for i, v := range f64 {
		binary.LittleEndian.PutUint64(b64[8*i:], math.Float64bits(v))
	}
	var buf bytes.Buffer
	err := WriteRaw(&buf, []Raw{
		{"half", F16, []int{len(f16)}, b16},
		{"brain", BF16, []int{len(bf16)}, bb},
		{"double", F64, []int{len(f64)}, b64},
		{"nan", F16, []int{}, []byte{0x00, 0x7e}},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	f, err := Read(&buf)
	if err != nil {
		t.Fatal(err)
	}
	check := func(name string, want []float32) {
		t.Helper()
		x := f.Tensors[name]
		if x == nil {
			t.Fatalf("no tensor %q", name)
		}
		for i := range want {
			if math.Float32bits(x.Data[i]) != math.Float32bits(want[i]) {
				t.Errorf("%s[%d] = %g, want %g", name, i, x.Data[i], want[i])
			}
		}
	}
	check("half", want16)
	check("brain", wantBF)
	check("double", want64)
	if x := f.Tensors["nan"]; len(x.Shape) != 0 || x.Len() != 1 || !math.IsNaN(float64(x.Data[0])) {
		t.Errorf("scalar F16 NaN read as %v %v", x.Shape, x.Data)
	}
	// Buffer order: F64 first (highest alignment), then the 16-bit
	// types (BF16 before F16), names in byte order within a type.
	var order []string
	for _, r := range f.Raw {
		order = append(order, r.Name)
	}
	if got := strings.Join(order, " "); got != "double brain half nan" {
		t.Errorf("buffer order %q, want %q", got, "double brain half nan")
	}
}
