//go:build unix

package data

import (
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// predict's reader refuses what is not a regular file at once: a named
// pipe (opening it waited forever for a writer), a device (/dev/zero was
// read to the 1 GiB limit, 2 GB of memory) and a folder.
func TestReadImageFileRefusesNonRegularFiles(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "pipe.png")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	for path, kind := range map[string]string{fifo: "a named pipe", "/dev/zero": "a device", t.TempDir(): "a folder"} {
		_, _, err := ReadImageFile(path, 4, 4, RGB, Nearest)
		if err == nil || !strings.Contains(err.Error(), path+": not a regular file ("+kind+")") {
			t.Errorf("%s: err %v, want not a regular file (%s)", path, err, kind)
		}
	}
}
