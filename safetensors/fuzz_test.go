package safetensors

import (
	"bytes"
	"maps"
	"testing"
)

// FuzzRead checks that no input makes the reader panic, that Parse and
// Read agree, and that whatever reads also writes back and reads back
// the same. Seeds are in testdata/fuzz/FuzzRead.
func FuzzRead(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		parsed, err := Parse(data)
		_, errRead := Read(bytes.NewReader(data))
		if (err == nil) != (errRead == nil) {
			t.Fatalf("Parse and Read disagree: %v / %v", err, errRead)
		}
		if err != nil {
			return
		}
		var buf bytes.Buffer
		if err := WriteRaw(&buf, parsed.Raw, parsed.Metadata); err != nil {
			t.Fatalf("writing back what was read: %v", err)
		}
		again, err := Parse(buf.Bytes())
		if err != nil {
			t.Fatalf("reading back what was written: %v", err)
		}
		if len(again.Raw) != len(parsed.Raw) || len(again.Tensors) != len(parsed.Tensors) {
			t.Fatalf("%d tensors became %d", len(parsed.Raw), len(again.Raw))
		}
		for _, r := range parsed.Raw {
			a, ok := again.Lookup(r.Name)
			if !ok || a.DType != r.DType || fmtShape(a.Shape) != fmtShape(r.Shape) || !bytes.Equal(a.Data, r.Data) {
				t.Fatalf("tensor %q changed: %v %v -> %v %v", r.Name, r.DType, r.Shape, a.DType, a.Shape)
			}
		}
		if len(parsed.Metadata) > 0 && !maps.Equal(again.Metadata, parsed.Metadata) {
			t.Fatalf("metadata changed: %v -> %v", parsed.Metadata, again.Metadata)
		}
		// The written form is canonical: writing it again changes nothing.
		var buf2 bytes.Buffer
		if err := WriteRaw(&buf2, again.Raw, again.Metadata); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(buf.Bytes(), buf2.Bytes()) {
			t.Fatal("writing is not idempotent")
		}
	})
}
