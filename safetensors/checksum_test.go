package safetensors

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeChecked writes a small checked file and returns its path and bytes.
func writeChecked(t *testing.T, md map[string]string) (string, []byte) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "w.safetensors")
	ts := []Named{{"conv/kernel", f32s(1, -2, 3.5, 4)}, {"dense/bias", f32s(0.25, 1e-30)}}
	if err := WriteFileChecked(path, ts, md); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return path, b
}

func TestChecksumRoundTrip(t *testing.T) {
	path, b := writeChecked(t, map[string]string{"format": "x", "note": `quoted "sha256":"` + zeroSum + `"`})
	f, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !f.Checked || f.Metadata["format"] != "x" || len(f.Metadata[ChecksumKey]) != 64 || f.Metadata[ChecksumKey] == zeroSum {
		t.Fatalf("Checked %v, metadata %v", f.Checked, f.Metadata)
	}
	if p, err := Parse(b); err != nil || !p.Checked {
		t.Fatalf("Parse: %v, checked %v", err, p != nil && p.Checked)
	}
	if r, err := Read(bytes.NewReader(b)); err != nil || !r.Checked {
		t.Fatalf("Read: %v", err)
	}
	plain := filepath.Join(t.TempDir(), "plain.safetensors")
	if err := WriteFile(plain, []Named{{"w", f32s(1)}}, map[string]string{"format": "x"}); err != nil {
		t.Fatal(err)
	}
	if f, err := ReadFile(plain); err != nil || f.Checked {
		t.Fatalf("a file without a checksum: err %v, checked %v", err, f != nil && f.Checked)
	}
	if err := WriteFileChecked(plain, nil, map[string]string{ChecksumKey: "x"}); err == nil {
		t.Error("metadata holding the checksum key was accepted")
	}
}

// TestChecksumCatchesEveryBitFlip flips each bit of a checked file in
// turn and truncates it at every length: each must be an error (the
// checksum covers every byte but itself, and a damaged checksum or key
// fails too), never a panic or a file that reads.
func TestChecksumCatchesEveryBitFlip(t *testing.T) {
	_, b := writeChecked(t, map[string]string{"format": "x"})
	m := make([]byte, len(b))
	for i := range b {
		for bit := range 8 {
			copy(m, b)
			m[i] ^= 1 << bit
			if _, err := Parse(m); err == nil {
				t.Fatalf("byte %d bit %d flipped: the file still reads", i, bit)
			}
		}
	}
	for n := range len(b) {
		if _, err := Parse(b[:n]); err == nil {
			t.Fatalf("truncated to %d of %d bytes: the file still reads", n, len(b))
		}
	}
}

func TestChecksumMismatchSaysWhat(t *testing.T) {
	path, b := writeChecked(t, nil)
	b[len(b)-3] ^= 0x10 // a bit in the last weight
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := ReadFile(path)
	if !errors.Is(err, ErrChecksum) || !strings.HasPrefix(err.Error(), path+": checksum mismatch") || !strings.Contains(err.Error(), "changed after it was written") {
		t.Fatalf("err = %v", err)
	}
}
