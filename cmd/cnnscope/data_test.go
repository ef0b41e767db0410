package main

import (
	"bytes"
	"encoding/json"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cnnscope/cnnscope/data"
)

func writePNG(t *testing.T, path string, seed int) {
	t.Helper()
	im := image.NewGray(image.Rect(0, 0, 8, 8))
	for i := range im.Pix {
		im.Pix[i] = uint8(i*seed*7 + seed)
	}
	var b bytes.Buffer
	png.Encode(&b, im)
	os.MkdirAll(filepath.Dir(path), 0o755)
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestDataInspectSplitLayoutJSON(t *testing.T) {
	dir := t.TempDir()
	for i := range 6 {
		writePNG(t, filepath.Join(dir, "train", []string{"a", "b"}[i%2], string(rune('p'+i))+".png"), i+1)
	}
	writePNG(t, filepath.Join(dir, "test", "a", "copy.png"), 1) // the pixels of train/a/p.png
	writePNG(t, filepath.Join(dir, "validation", "b", "v.png"), 50)
	os.WriteFile(filepath.Join(dir, "train", "a", "junk.txt"), []byte("x"), 0o644)
	var out, errb bytes.Buffer
	if code := run([]string{"data", "inspect", dir, "--json"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var r data.Report
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if len(r.Sets) != 3 || r.Sets[0].Name != "train" || r.Sets[1].Name != "validation" || r.Sets[2].Name != "test" {
		t.Fatalf("sets %+v", r.Sets)
	}
	if r.Sets[0].Images != 6 || len(r.Sets[0].Skipped) != 1 || r.Duplicates.Exact["train/test"] != 1 {
		t.Errorf("train %+v duplicates %+v", r.Sets[0], r.Duplicates)
	}
	// Text output, flags after the folder.
	out.Reset()
	if code := run([]string{"data", "inspect", filepath.Join(dir, "train"), "--validation-split", "0.5"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, want := range []string{"== train: 3 images", "== validation: 3 images", "junk.txt", "imbalance ratio"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestDataInspectErrors(t *testing.T) {
	dir := t.TempDir()
	writePNG(t, filepath.Join(dir, "a", "1.png"), 1)
	writePNG(t, filepath.Join(dir, "b", "1.png"), 2)
	os.WriteFile(filepath.Join(dir, "a", "bad.png"), []byte("bad"), 0o644)
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"data"}, 2, ""},
		{[]string{"data", "frobnicate"}, 2, "unknown subcommand"},
		{[]string{"data", "inspect"}, 2, "missing DIR"},
		{[]string{"data", "inspect", dir, "--size", "big"}, 2, "--target-size"},
		{[]string{"data", "inspect", dir, "extra"}, 2, "unexpected argument"},
		{[]string{"data", "inspect", dir, "--strict"}, 2, "bad.png"},
		{[]string{"data", "inspect", filepath.Join(dir, "missing")}, 2, "no such file"},
	} {
		var out, errb bytes.Buffer
		code := run(tc.args, &out, &errb)
		if code != tc.code || !strings.Contains(errb.String(), tc.msg) {
			t.Errorf("%q: exit %d (%s), want %d with %q", tc.args, code, errb.String(), tc.code, tc.msg)
		}
	}
}
