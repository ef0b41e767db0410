package safetensors

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// file assembles a safetensors file from a header, unpadded, and data.
func file(header string, data []byte) []byte {
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	b = append(b, header...)
	return append(b, data...)
}

// lengthOnly is a file whose header length is n but holds only rest.
func lengthOnly(n uint64, rest string) []byte {
	return append(binary.LittleEndian.AppendUint64(nil, n), rest...)
}

func entry1(dtype, shape, offsets string) string {
	return `{"t":{"dtype":` + dtype + `,"shape":` + shape + `,"data_offsets":` + offsets + `}}`
}

func TestReadRejectsMalformed(t *testing.T) {
	half := strconv.Itoa(math.MaxInt/2 + 1) // twice it overflows an int
	tests := []struct {
		name string
		data []byte
		want string // in the error of Parse
	}{
		{"empty file", nil, "file of 0 bytes is shorter than the 8-byte header length"},
		{"short file", []byte{1, 2, 3, 4, 5}, "file of 5 bytes is shorter than the 8-byte header length"},
		{"header over limit", lengthOnly(100_000_001, "{}"), "header length 100000001 exceeds the 100000000-byte limit"},
		{"header length max uint64", lengthOnly(1<<64-1, "{}"), "header length 18446744073709551615 exceeds the 100000000-byte limit"},
		{"header past end", lengthOnly(9999999, strings.Repeat(" ", 115)), "header length 9999999 exceeds file size 123"},
		{"invalid utf8", file("{\"\xff\":1}", nil), "header is not valid UTF-8"},
		{"not json", file("hello   ", nil), "header: invalid JSON"},
		{"array", file("[]", nil), "header: want a JSON object, got []"},
		{"trailing junk", file("{} x", nil), "header: invalid JSON: data after the closing brace"},
		{"two objects", file("{}{}", nil), "header: invalid JSON: data after the closing brace"},
		{"truncated json", file(`{"t":{"dtype":"F32"`, nil), "header: invalid JSON"},
		{"duplicate tensor", file(`{"t":{"dtype":"U8","shape":[],"data_offsets":[0,1]},"t":{"dtype":"U8","shape":[],"data_offsets":[1,2]}}`, []byte{1, 2}),
			`header: key "t" appears twice`},
		{"entry not object", file(`{"t":[1]}`, nil), `tensor "t": want a JSON object, got [1]`},
		{"duplicate field", file(`{"t":{"dtype":"U8","dtype":"U8","shape":[],"data_offsets":[0,1]}}`, []byte{1}), `tensor "t": key "dtype" appears twice`},
		{"missing dtype", file(`{"t":{"shape":[1],"data_offsets":[0,4]}}`, make([]byte, 4)), `tensor "t": missing dtype`},
		{"missing shape", file(`{"t":{"dtype":"F32","data_offsets":[0,4]}}`, make([]byte, 4)), `tensor "t": missing shape`},
		{"missing offsets", file(`{"t":{"dtype":"F32","shape":[1]}}`, make([]byte, 4)), `tensor "t": missing data_offsets`},
		{"unknown dtype", file(entry1(`"F7"`, `[1]`, `[0,4]`), make([]byte, 4)), `tensor "t": unknown dtype "F7" (want one of BOOL,`},
		{"lowercase dtype", file(entry1(`"f32"`, `[1]`, `[0,4]`), make([]byte, 4)), `unknown dtype "f32"`},
		{"dtype number", file(entry1(`32`, `[1]`, `[0,4]`), make([]byte, 4)), `tensor "t": dtype must be a string, got 32`},
		{"dtype null", file(entry1(`null`, `[1]`, `[0,4]`), make([]byte, 4)), `tensor "t": dtype must be a string, got null`},
		{"negative dim", file(entry1(`"F32"`, `[-1]`, `[0,4]`), make([]byte, 4)), `tensor "t": shape must be a list of non-negative integers up to `},
		{"fractional dim", file(entry1(`"F32"`, `[1.5]`, `[0,4]`), make([]byte, 4)), `got [1.5]`},
		{"exponent dim", file(entry1(`"F32"`, `[1e0]`, `[0,4]`), make([]byte, 4)), `got [1e0]`},
		{"null dim", file(entry1(`"F32"`, `[null]`, `[0,4]`), make([]byte, 4)), `got [null]`},
		{"null shape", file(entry1(`"F32"`, `null`, `[0,4]`), make([]byte, 4)), `got null`},
		{"string shape", file(entry1(`"F32"`, `"1"`, `[0,4]`), make([]byte, 4)), `got "1"`},
		{"huge dim", file(entry1(`"F32"`, `[18446744073709551616]`, `[0,4]`), make([]byte, 4)), `got [18446744073709551616]`},
		{"one offset", file(entry1(`"F32"`, `[1]`, `[0]`), make([]byte, 4)), `tensor "t": data_offsets must be [begin, end] with non-negative integers, got [0]`},
		{"three offsets", file(entry1(`"F32"`, `[1]`, `[0,4,8]`), make([]byte, 4)), `got [0,4,8]`},
		{"negative offset", file(entry1(`"F32"`, `[1]`, `[-4,0]`), make([]byte, 4)), `got [-4,0]`},
		{"end before begin", file(entry1(`"U8"`, `[0]`, `[4,0]`), nil), `tensor "t": data_offsets [4, 0] end before they begin`},
		{"gap at start", file(entry1(`"F32"`, `[1]`, `[4,8]`), make([]byte, 8)), `tensor "t": data_offsets [4, 8] leave bytes 0 to 4 unused (tensors must be contiguous)`},
		{"gap between", file(`{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"b":{"dtype":"U8","shape":[1],"data_offsets":[2,3]}}`, make([]byte, 3)),
			`tensor "b": data_offsets [2, 3] leave bytes 1 to 2 unused`},
		{"overlap", file(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}`, make([]byte, 12)),
			`tensor "b": data_offsets [4, 12] overlap the tensor before, which ends at 8`},
		{"same offsets", file(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, make([]byte, 4)),
			`tensor "b": data_offsets [0, 4] overlap the tensor before, which ends at 4`},
		{"size mismatch", file(`{"conv2d/kernel":{"dtype":"F32","shape":[3,3,1,32],"data_offsets":[0,10]}}`, make([]byte, 10)),
			`tensor "conv2d/kernel": data_offsets [0, 10] do not match F32 shape [3,3,1,32] (1152 bytes)`},
		{"shape overflow", file(entry1(`"F32"`, "["+half+",2,1]", `[0,4]`), make([]byte, 4)), `tensor "t": shape [` + half + `,2,1] overflows`},
		{"bytes overflow", file(entry1(`"U64"`, "["+half+"]", `[0,4]`), make([]byte, 4)), `U64 shape [` + half + `] is not a whole number of bytes or too large`},
		{"sub-byte", file(entry1(`"F4"`, `[3]`, `[0,2]`), make([]byte, 2)), `F4 shape [3] is not a whole number of bytes`},
		{"data short", file(entry1(`"F32"`, `[2]`, `[0,8]`), make([]byte, 4)), `data_offsets cover 8 bytes of tensor data but 4 bytes follow the header`},
		{"data long", file(entry1(`"F32"`, `[1]`, `[0,4]`), make([]byte, 5)), `data_offsets cover 4 bytes of tensor data but 5 bytes follow the header`},
		{"metadata number", file(`{"__metadata__":3}`, nil), `__metadata__: want a JSON object, got 3`},
		{"metadata value", file(`{"__metadata__":{"epochs":5}}`, nil), `__metadata__: value of "epochs" must be a string, got 5`},
		{"metadata duplicate", file(`{"__metadata__":{"a":"1","a":"2"}}`, nil), `__metadata__: key "a" appears twice`},
		{"metadata twice", file(`{"__metadata__":{},"__metadata__":{}}`, nil), `header: key "__metadata__" appears twice`},
	}
	dir := t.TempDir()
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.data)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Parse: err = %v\nwant it to contain %q", err, tt.want)
			}
			if _, err := Read(bytes.NewReader(tt.data)); err == nil {
				t.Error("Read accepted it")
			}
			path := filepath.Join(dir, "bad"+string(rune('a'+i%26))+".safetensors")
			if err := os.WriteFile(path, tt.data, 0o644); err != nil {
				t.Fatal(err)
			}
			if _, err := ReadFile(path); err == nil || !strings.HasPrefix(err.Error(), path+": ") {
				t.Errorf("ReadFile: err = %v, want one starting with the path", err)
			}
		})
	}
}

func TestReadFileErrorsNameTheFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "model.safetensors")
	if err := os.WriteFile(path, lengthOnly(9999999, strings.Repeat(" ", 115)), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := ReadFile(path)
	if want := path + ": header length 9999999 exceeds file size 123"; err == nil || err.Error() != want {
		t.Errorf("err = %v\nwant %s", err, want)
	}
	// A stream cannot know its size: the header is read as far as it
	// goes and the error says how far that was.
	_, err = Read(bytes.NewReader(lengthOnly(9999999, strings.Repeat(" ", 115))))
	if want := "safetensors: reading the 9999999-byte header: file ends after 115 of 9999999 bytes"; err == nil || err.Error() != want {
		t.Errorf("Read: err = %v\nwant %s", err, want)
	}
	_, err = Read(bytes.NewReader(file(entry1(`"F32"`, `[2]`, `[0,8]`), make([]byte, 4))))
	if want := "safetensors: reading the 8 bytes of tensor data: file ends after 4 of 8 bytes"; err == nil || err.Error() != want {
		t.Errorf("Read: err = %v\nwant %s", err, want)
	}
	_, err = ReadFile(filepath.Join(dir, "missing.safetensors"))
	if err == nil || !strings.Contains(err.Error(), "missing.safetensors") {
		t.Errorf("missing file: err = %v", err)
	}
	if _, err := ReadFile(dir); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("directory: err = %v", err)
	}
}

func TestReadAcceptsVariants(t *testing.T) {
	tests := []struct {
		name string
		data []byte
	}{
		{"whitespace around the object", file(" \n{ \"t\" : { \"dtype\" : \"U8\" , \"shape\" : [ 2 ] , \"data_offsets\" : [ 0 , 2 ] } }\t\r\n", []byte{1, 2})},
		{"entries out of offset order", file(`{"b":{"dtype":"U8","shape":[1],"data_offsets":[4,5]},"a":{"dtype":"F32","shape":[],"data_offsets":[0,4]}}`, make([]byte, 5))},
		{"unknown fields ignored", file(`{"t":{"dtype":"U8","shape":[1],"data_offsets":[0,1],"extra":{"x":[1,2]}}}`, []byte{7})},
		{"null metadata", file(`{"__metadata__":null}`, nil)},
		{"empty metadata", file(`{"__metadata__":{}}`, nil)},
		{"zero-size tensors", file(`{"a":{"dtype":"F32","shape":[0,1000000000],"data_offsets":[0,0]},"b":{"dtype":"I64","shape":[3,0],"data_offsets":[0,0]}}`, nil)},
		{"escaped name", file(`{"a\u00e9\n\"":{"dtype":"BOOL","shape":[1],"data_offsets":[0,1]}}`, []byte{1})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Parse(tt.data); err != nil {
				t.Errorf("Parse: %v", err)
			}
			if _, err := Read(bytes.NewReader(tt.data)); err != nil {
				t.Errorf("Read: %v", err)
			}
		})
	}
	f, err := Parse(tests[5].data)
	if err != nil {
		t.Fatal(err)
	}
	if x := f.Tensors["a"]; x == nil || x.Len() != 0 || x.Shape[1] != 1000000000 {
		t.Errorf("zero-size F32 tensor read as %v", x)
	}
	f, _ = Parse(tests[6].data)
	if _, ok := f.Lookup("aé\n\""); !ok {
		t.Error("escaped tensor name not decoded")
	}
}
