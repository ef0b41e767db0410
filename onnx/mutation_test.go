package onnx

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// TestImportSurvivesMutations: 5,000 seeded corruptions (1 to 4 bytes
// each) of two exported models each import to a model or to an error,
// never a panic. (It found an input without dimensions that panicked;
// FuzzImport does the same search with coverage, briefly, in CI.)
func TestImportSurvivesMutations(t *testing.T) {
	var seeds [][]byte
	for _, layout := range []string{LayoutNHWC, LayoutNCHW} {
		var buf bytes.Buffer
		if err := Export(&buf, fuzzSeedModel(t), ExportOptions{Layout: layout, Opset: 11}); err != nil {
			t.Fatal(err)
		}
		seeds = append(seeds, buf.Bytes())
	}
	rng := rand.New(rand.NewPCG(1, 1))
	errs := 0
	for i := range 5000 {
		seed := seeds[i%2]
		b := append([]byte(nil), seed...)
		for range 1 + rng.IntN(4) {
			b[rng.IntN(len(b))] = byte(rng.IntN(256))
		}
		im, err := Import(b, ImportOptions{})
		if err != nil {
			errs++
		} else if im.Model == nil {
			t.Fatalf("mutation %d: no model and no error", i)
		}
	}
	t.Logf("5000 corrupted files: %d errors, %d models", errs, 5000-errs)
	if errs == 0 {
		t.Error("no corruption was noticed")
	}
}
