//go:build unix

package infile

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestReadFileRefusesWhatIsNotARegularFile(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	big := filepath.Join(dir, "big")
	os.WriteFile(big, make([]byte, 11), 0o644)
	ok := filepath.Join(dir, "ok")
	os.WriteFile(ok, []byte("0123456789"), 0o644)
	for path, want := range map[string]string{fifo: "not a regular file (a named pipe)", "/dev/zero": "not a regular file (a device)",
		dir: "not a regular file (a folder)", big: "file of 11 bytes, more than the 10", filepath.Join(dir, "none"): "no such file"} {
		if _, err := ReadFile(path, 10); err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), path) {
			t.Errorf("%s: err %v, want %q naming the file", path, err, want)
		}
	}
	if b, err := ReadFile(ok, 10); err != nil || string(b) != "0123456789" {
		t.Errorf("a regular file of the limit's size: %q, %v", b, err)
	}
}
