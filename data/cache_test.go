package data

import (
	"errors"
	"io/fs"
	"os"
	"runtime"
	"testing"
)

// A temporary pixel cache has no name from the moment it is created, so
// a kill at any point leaves nothing in the temporary directory.
func TestTemporaryPixelCacheHasNoName(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("an open file keeps its name on Windows")
	}
	s, err := newPixelStore(3, 4, false, "")
	if err != nil {
		t.Fatal(err)
	}
	defer s.abort()
	if _, err := os.Stat(s.f.Name()); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("%s exists while the cache is written (stat: %v)", s.f.Name(), err)
	}
	for i := range 3 {
		if err := s.put(i, []byte{byte(i), 1, 2, 3}); err != nil {
			t.Fatal(err)
		}
	}
	ds := &Dataset{Height: 2, Width: 2, Channels: 1, Classes: []string{"a"}, Labels: []int32{0, 0}, Sources: []string{"x", "z"}}
	if err := s.finish(ds, []int{0, 2}, [32]byte{}); err != nil {
		t.Fatal(err)
	}
	defer ds.Close()
	if string(ds.Pixels) != string([]byte{0, 1, 2, 3, 2, 1, 2, 3}) {
		t.Errorf("pixels %v", ds.Pixels)
	}
}
