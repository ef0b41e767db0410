package atomicfile

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

func writeString(s string) func(io.Writer) error {
	return func(w io.Writer) error {
		_, err := io.WriteString(w, s)
		return err
	}
}

// onlyFile fails unless dir holds exactly the one file named base.
func onlyFile(t *testing.T, dir, base string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if len(names) != 1 || names[0] != base {
		t.Errorf("directory holds %v, want just %s", names, base)
	}
}

func readString(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestWriteFileCreatesAndReplaces(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "model.safetensors")
	if err := WriteFile(path, writeString("first"), 0o640); err != nil {
		t.Fatal(err)
	}
	if got := readString(t, path); got != "first" {
		t.Errorf("content %q, want first", got)
	}
	if err := WriteFile(path, writeString("second, longer"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := readString(t, path); got != "second, longer" {
		t.Errorf("content %q, want the second", got)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", st.Mode().Perm())
	}
	onlyFile(t, dir, "model.safetensors")
}

func TestWriteFileRelativePath(t *testing.T) {
	t.Chdir(t.TempDir())
	if err := WriteFile("plain.txt", writeString("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := readString(t, "plain.txt"); got != "x" {
		t.Errorf("content %q", got)
	}
	onlyFile(t, ".", "plain.txt")
}

func TestWriteErrorKeepsOldFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f")
	if err := WriteFile(path, writeString("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	errBoom := errors.New("boom")
	err := WriteFile(path, func(w io.Writer) error {
		w.Write(bytes.Repeat([]byte("new"), 100000)) // past the buffer: on disk already
		return errBoom
	}, 0o644)
	if err != errBoom {
		t.Errorf("err = %v, want the write function's error unchanged", err)
	}
	if got := readString(t, path); got != "old" {
		t.Errorf("content %q after a failed write, want old", got[:min(len(got), 20)])
	}
	onlyFile(t, dir, "f")
}

func TestPanicKeepsOldFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f")
	if err := WriteFile(path, writeString("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("the panic did not propagate")
			}
		}()
		WriteFile(path, func(w io.Writer) error {
			io.WriteString(w, "partial")
			panic("bug in the writer")
		}, 0o644)
	}()
	if got := readString(t, path); got != "old" {
		t.Errorf("content %q, want old", got)
	}
	onlyFile(t, dir, "f")
}

func TestErrorsNameThePath(t *testing.T) {
	path := filepath.Join(t.TempDir(), "no-such-dir", "f")
	err := WriteFile(path, writeString("x"), 0o644)
	if err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("err = %v, want one naming %s", err, path)
	}
	// A missing folder is named as such, not as the temporary file.
	if err == nil || strings.Contains(err.Error(), ".tmp-") || !strings.Contains(err.Error(), "folder "+filepath.Dir(path)) || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("err = %v, want one naming the missing folder, not the temporary file", err)
	}
	// Renaming over a directory fails after the data was written.
	dir := t.TempDir()
	target := filepath.Join(dir, "sub")
	if err := os.Mkdir(target, 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(target, "keep"), nil, 0o644)
	err = WriteFile(target, writeString("x"), 0o644)
	if err == nil || !strings.Contains(err.Error(), target) {
		t.Errorf("err = %v, want one naming %s", err, target)
	}
	onlyFile(t, dir, "sub")
}

// TestConcurrentReaders replaces a file over and over while readers read
// it: every read must see one whole version, never a mix or a prefix.
func TestConcurrentReaders(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f")
	versions := []string{
		strings.Repeat("a", 300_000),
		strings.Repeat("b", 200_000),
		strings.Repeat("c", 450_000),
	}
	if err := WriteFile(path, writeString(versions[0]), 0o644); err != nil {
		t.Fatal(err)
	}
	var done atomic.Bool
	var reads atomic.Int64
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !done.Load() {
				b, err := os.ReadFile(path)
				if err != nil {
					t.Errorf("read: %v", err)
					return
				}
				reads.Add(1)
				ok := false
				for _, v := range versions {
					ok = ok || string(b) == v
				}
				if !ok {
					t.Errorf("read %d bytes that are no whole version", len(b))
					return
				}
			}
		}()
	}
	for i := range 30 {
		v := versions[i%len(versions)]
		// Write in small pieces so that a non-atomic write would show.
		err := WriteFile(path, func(w io.Writer) error {
			for k := 0; k < len(v); k += 1000 {
				if _, err := io.WriteString(w, v[k:min(k+1000, len(v))]); err != nil {
					return err
				}
			}
			return nil
		}, 0o644)
		if err != nil {
			t.Fatal(err)
		}
	}
	done.Store(true)
	wg.Wait()
	t.Logf("%d reads during 30 replacements", reads.Load())
	onlyFile(t, dir, "f")
}
