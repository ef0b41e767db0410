package spec

import (
	"bytes"
	"strings"
	"testing"
)

// FuzzParse: whatever the bytes, Parse returns a spec or a
// one-line error naming the file (never a panic), and a spec it accepts
// survives Defaults, Validate and a round trip through its YAML (but for
// what it leaves to flags).
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"seed: 3\ndata:\n  source: mnist\n  validation_split: 0.2\nfit:\n  epochs: 2\n",
		"data:\n  augmentation:\n    zoom_range: [0.9, 1.1]\n    rotation_range: 10\n  class_weight: {a: 1, b: 2}\n",
		"model:\n  layers:\n    - {type: Conv2D, filters: 4, kernel_size: 3, strides: [1, 2]}\n    - {type: Flatten}\n    - {type: Dense, units: 3}\n",
		"compile:\n  optimizer: sgd\n  momentum: 0.9\n  clipnorm: 1\nfit:\n  early_stopping: {patience: 2}\n  reduce_lr_on_plateau: {factor: 0.5}\n",
		"seed: 1.5\n", "fit:\n  epochs: 0\n", "data: [\n", "&a x: *a\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := Parse("f.yaml", bytes.NewReader(b))
		if err != nil {
			if msg := err.Error(); strings.Contains(msg, "\n") || !strings.HasPrefix(msg, "f.yaml: ") {
				t.Errorf("error not one line naming the file: %q", msg)
			}
			return
		}
		// Momentum with no optimizer is left for --optimizer sgd to
		// complete (train validates the resolved spec, flags included).
		if s.Compile.Optimizer == "" && (s.Compile.Momentum != 0 || s.Compile.Nesterov) {
			return
		}
		s.Defaults()
		if err := s.Validate(); err != nil {
			t.Fatalf("accepted, then invalid after Defaults: %v", err)
		}
		out, err := s.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Parse("resolved.yaml", bytes.NewReader(out)); err != nil {
			t.Errorf("the resolved spec does not parse: %v\n%s", err, out)
		}
	})
}
