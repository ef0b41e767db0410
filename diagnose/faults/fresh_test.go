package faults

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cnnscope/cnnscope/spec"
)

// The fresh generators are deterministic, give the asked size, channels
// and class counts, and draw different images (none blank).
func TestFreshGenerators(t *testing.T) {
	want := map[string][3]int{"strokes": {28, 28, 1}, "cells": {40, 40, 3}, "terrain": {64, 64, 3}, "flags": {FlagHeight, FlagWidth, 3}}
	checkGenerators(t, []Data{strokesData(6), cellsData(6), terrainData(6), flagsData(6)}, want, 40)
	for name, gen := range freshGenerators {
		if _, err := gen(GenOptions{Classes: []string{"nothing", "else"}, Counts: []int{1, 1}}); err == nil {
			t.Errorf("%s: an unknown class is no error", name)
		}
	}
}

// checkGenerators checks that each data set (the same count of every
// class) is deterministic per seed, has the shape in want, its class
// counts, and different images, each spanning at least span levels.
func checkGenerators(t *testing.T, sets []Data, want map[string][3]int, span uint8) {
	t.Helper()
	for _, d := range sets {
		a, err := d.Generate(7)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := d.Generate(7)
		c, _ := d.Generate(8)
		if !bytes.Equal(a.Pixels, b.Pixels) || bytes.Equal(a.Pixels, c.Pixels) {
			t.Errorf("%s: the same seed gives other images, or another seed the same", d.Source)
		}
		if got := [3]int{a.Height, a.Width, a.Channels}; got != want[d.Source] {
			t.Errorf("%s: %v (height, width, channels), want %v", d.Source, got, want[d.Source])
		}
		counts := make([]int, len(d.Classes))
		for _, l := range a.Labels {
			counts[l]++
		}
		if slices.ContainsFunc(counts, func(n int) bool { return n != d.PerClass }) {
			t.Errorf("%s: class counts %v, want %d each", d.Source, counts, d.PerClass)
		}
		for i := 0; i < a.Len(); i++ {
			if i > 0 && bytes.Equal(a.Image(i), a.Image(i-1)) {
				t.Errorf("%s: images %d and %d are the same", d.Source, i-1, i)
			}
			if lo, hi := slices.Min(a.Image(i)), slices.Max(a.Image(i)); hi-lo < span {
				t.Errorf("%s: image %d spans only %d..%d", d.Source, i, lo, hi)
			}
		}
	}
}

func freshScenario(t *testing.T, name string) Scenario {
	t.Helper()
	return scenarioIn(t, slices.Concat(freshFaults, freshHealthy), name)
}

// scenarioIn is the scenario of that name in list.
func scenarioIn(t *testing.T, list []Scenario, name string) Scenario {
	t.Helper()
	for _, s := range list {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no scenario %q", name)
	return Scenario{}
}

// flipped counts the labels d flips for a seed (of how many).
func flipped(t *testing.T, d Data, seed uint64) (n, of int) {
	t.Helper()
	plain := d
	plain.FlipLabels = 0
	clean, _ := plain.Generate(seed)
	noisy, err := d.Generate(seed)
	if err != nil {
		t.Fatal(err)
	}
	for i := range clean.Labels {
		if clean.Labels[i] != noisy.Labels[i] {
			n++
		}
	}
	return n, clean.Len()
}

// The fresh part's broken data is broken as its scenarios say: the share
// of flipped labels, shuffled labels near chance, the imbalance counts.
func TestFreshDataFaultsAreInjected(t *testing.T) {
	for name, share := range map[string]float64{"f-label-noise-45-strokes": 0.45, "f-label-noise-25-terrain": 0.25} {
		sc := freshScenario(t, name)
		sc.Data.PerClass = 20 // the same corruption, on fewer images
		if n, of := flipped(t, sc.Data, 2); n != int(share*float64(of)+0.5) {
			t.Errorf("%s: %d of %d labels flipped, want %.0f%%", name, n, of, 100*share)
		}
	}
	sc := freshScenario(t, "f-shuffled-strokes")
	sc.Data.PerClass = 30
	plain := sc.Data
	plain.ShuffleLabels = false
	clean, _ := plain.Generate(4)
	shuffled, _ := sc.Data.Generate(4)
	same := 0
	for i := range clean.Labels {
		if clean.Labels[i] == shuffled.Labels[i] {
			same++
		}
	}
	if f := float64(same) / float64(clean.Len()); f > 0.2 {
		t.Errorf("f-shuffled-strokes: %.2f of the labels kept, want about 0.1", f)
	}
	for name, want := range map[string][]int{"f-imbalance-97-3-cells": {291, 9}, "f-imbalance-92-8-flags": {460, 40}, "ok-f-cells-weighted-90-10": {360, 40}} {
		if got := freshScenario(t, name).Data.counts(); !slices.Equal(got, want) {
			t.Errorf("%s: counts %v, want %v", name, got, want)
		}
	}
}

// A near copy (f-leakage-near-strokes) differs from its original by at
// most one level, and is not the same file.
func TestFreshNearCopies(t *testing.T) {
	d := freshScenario(t, "f-leakage-near-strokes").Data
	d.PerClass, d.Classes = 2, []string{"a", "o"}
	dir := t.TempDir()
	if err := d.Write(dir, 1); err != nil {
		t.Fatal(err)
	}
	orig, err := os.ReadFile(filepath.Join(dir, "a", "a_00000.png"))
	if err != nil {
		t.Fatal(err)
	}
	cp, err := os.ReadFile(filepath.Join(dir, "a", "a_00000_copy.png"))
	if err != nil || bytes.Equal(orig, cp) {
		t.Fatalf("the near copy is missing or the same file (%v)", err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*", "*.png"))
	if len(files) != 8 {
		t.Errorf("%d files, want 8 (4 images, each twice)", len(files))
	}
}

// Every fresh configuration fault is in the spec it trains with: the
// rates, the input scaling, the layers and the loss the problem names.
func TestFreshSpecFaultsAreInjected(t *testing.T) {
	last := func(s *spec.Spec) string {
		l := s.Model.Layers[len(s.Model.Layers)-1]
		return l.Type + ":" + l.Activation
	}
	checks := map[string]func(s *spec.Spec) bool{
		"f-lr-high-rmsprop-strokes":  func(s *spec.Spec) bool { return s.Compile.Optimizer == "rmsprop" && s.Compile.LearningRate == 0.05 },
		"f-lr-high-sgd-terrain":      func(s *spec.Spec) bool { return s.Compile.LearningRate == 0.3 && s.Compile.Momentum == 0.95 },
		"f-lr-high-adamw-cells":      func(s *spec.Spec) bool { return s.Compile.Optimizer == "adamw" && s.Compile.LearningRate == 0.3 },
		"f-lr-low-rmsprop-flags":     func(s *spec.Spec) bool { return s.Compile.LearningRate == 5e-7 },
		"f-sgd-slow-strokes":         func(s *spec.Spec) bool { return s.Compile.Optimizer == "sgd" && s.Compile.Momentum == 0 },
		"f-unscaled-terrain-rmsprop": func(s *spec.Spec) bool { return s.Data.Preprocessing.Rescale == 1 },
		"f-unscaled-strokes-nesterov": func(s *spec.Spec) bool {
			return s.Data.Preprocessing.Rescale == 1 && s.Compile.Nesterov
		},
		"f-relu-output-strokes":    func(s *spec.Spec) bool { return last(s) == "Dense:relu" },
		"f-double-softmax-terrain": func(s *spec.Spec) bool { return last(s) == "Activation:softmax" },
		"f-sigmoid-6-flags":        func(s *spec.Spec) bool { return last(s) == "Dense:sigmoid" },
		"f-linear-output-cells":    func(s *spec.Spec) bool { return last(s) == "Dense:linear" },
		"f-softmax-sigmoid-cells":  func(s *spec.Spec) bool { return last(s) == "Activation:sigmoid" },
		"f-dropout-08-terrain": func(s *spec.Spec) bool {
			return countLayers(s, func(t, a string, r float64) bool { return t == "Dropout" && r == 0.8 }) == 3
		},
		"f-init-zeros-conv-terrain": func(s *spec.Spec) bool {
			return countLayers(s, func(t, _ string, _ float64) bool { return t == "Conv2D" }) == 2 && s.Model.Layers[1].KernelInitializer == "zeros"
		},
		"f-sigmoid-deep-cells": func(s *spec.Spec) bool {
			return countLayers(s, func(t, a string, _ float64) bool { return t == "Dense" && a == "sigmoid" }) == 7
		},
		"f-bn-lag-strokes": func(s *spec.Spec) bool {
			return countLayers(s, func(t, _ string, _ float64) bool { return t == "BatchNormalization" }) == 2 && s.Model.Layers[1].Momentum == 0
		},
		"f-too-little-evidence-flags": func(s *spec.Spec) bool { return *s.Data.ValidationSplit == 0.25 },
	}
	for name, ok := range checks {
		sc := freshScenario(t, name)
		if s := Spec(sc, "data", 1); !ok(s) {
			t.Errorf("%s: the spec does not hold the injected problem (%s)", name, sc.Problem)
		}
	}
	n := 0
	for _, s := range slices.Concat(Faults, Healthy) {
		if s.Fresh {
			n++
			if s.Part() != "fresh" || !strings.HasPrefix(s.Name, "f-") && !strings.HasPrefix(s.Name, "ok-f-") {
				t.Errorf("%s: part %s", s.Name, s.Part())
			}
		}
	}
	if n != len(freshFaults)+len(freshHealthy) || len(freshHealthy) < 12 {
		t.Errorf("%d fresh scenarios registered, %d healthy", n, len(freshHealthy))
	}
}

func countLayers(s *spec.Spec, match func(typ, act string, rate float64) bool) int {
	n := 0
	for _, l := range s.Model.Layers {
		if match(l.Type, l.Activation, l.Rate) {
			n++
		}
	}
	return n
}
