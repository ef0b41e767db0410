package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// An error about a spec file's model names the file, as its other errors
// do (a stranger's "cnnscope train: model: the last layer has 7 outputs
// but the data has 4 classes" did not say which of six specs), and exits
// 2; through --model the spec's model is not the one at fault.
func TestTrainModelErrorNamesSpecFile(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "imgs")
	for i := range 8 {
		writePNG(t, filepath.Join(src, []string{"a", "b", "c", "d"}[i%4], fmt.Sprintf("%d.png", i)), i+1)
	}
	for _, c := range []struct{ layers, want string }{
		{"    - {type: Flatten}\n    - {type: Dense, units: 7, activation: softmax}\n", "b6.yaml: model: the last layer has 7 outputs but the data has 4 classes"},
		{"    - {type: Conv2D, filters: 4, kernel_size: 1}\n", "b6.yaml: model: the output is (None, 8, 8, 4), want one score per class"},
		{"    - {type: Conv2D, filters: 4, kernel_size: 99}\n", "b6.yaml: model: layer 0"},
	} {
		file := filepath.Join(dir, "b6.yaml")
		yaml := "data:\n  source: " + src + "\nfit:\n  epochs: 1\nmodel:\n  layers:\n" + c.layers
		if err := os.WriteFile(file, []byte(yaml), 0o644); err != nil {
			t.Fatal(err)
		}
		for _, dry := range []string{"--out", "--dry-run"} {
			args := []string{"train", "--spec", file, dry}
			if dry == "--out" {
				args = append(args, filepath.Join(dir, "run"), "--overwrite")
			}
			code, _, stderr := runCLI(args...)
			if code != 2 || !strings.Contains(stderr, strings.Replace(c.want, "b6.yaml", file, 1)) {
				t.Errorf("%s %s: exit %d, stderr %q; want 2 and %q", c.layers, dry, code, stderr, c.want)
			}
		}
	}
}
