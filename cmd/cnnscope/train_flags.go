package main

import (
	"math"
	"runtime"
	"slices"

	"github.com/cnnscope/cnnscope/data"
)

// trainAliases maps train's flag aliases to the flag they stand for.
var trainAliases = map[string]string{"val-split": "validation-split"}

// check refuses flag values the spec cannot tell from its defaults
// (--epochs 0 would train 5) or that it would not see (--fill-mode
// without augmentation); the spec's Validate checks the rest.
func (f *trainFlags) check(set map[string]bool) error {
	positive := []struct {
		name string
		v    int
	}{{"epochs", f.epochs}, {"batch", f.batch}}
	for _, p := range positive {
		if set[p.name] && p.v < 1 {
			return usagef("--%s %d: want 1 or more", p.name, p.v)
		}
	}
	nonNegative := []struct {
		name string
		v    int
	}{{"limit", f.limit}, {"patience", f.patience}, {"threads", f.threads}}
	for _, p := range nonNegative {
		if set[p.name] && p.v < 0 {
			return usagef("--%s %d: want 0 or more", p.name, p.v)
		}
	}
	floats := []struct {
		name string
		v    float64
	}{{"lr", f.lr}, {"momentum", f.momentum}, {"validation-split", f.valSplit}, {"rescale", f.rescale},
		{"rotation-range", f.rotation}, {"width-shift-range", f.widthShift}, {"height-shift-range", f.heightShift}, {"zoom-range", f.zoom}}
	for _, p := range floats {
		if set[p.name] && (math.IsNaN(p.v) || math.IsInf(p.v, 0)) {
			return usagef("--%s %v: want a finite number", p.name, p.v)
		}
	}
	if set["lr"] && f.lr < 0 {
		return usagef("--lr %v: want a rate > 0 (0: the optimizer's default)", f.lr)
	}
	modes := []data.FillMode{data.FillNearest, data.FillConstant, data.FillReflect, data.FillWrap}
	if set["fill-mode"] && !slices.Contains(modes, data.FillMode(f.fillMode)) {
		return usagef("--fill-mode %q: want nearest, constant, reflect or wrap", f.fillMode)
	}
	if set["tensorboard"] && f.tensorboard == "" {
		return usagef("--tensorboard: empty; want the directory for TensorBoard's event files")
	}
	if set["data"] && f.data == "" {
		return usagef("--data: empty; want mnist, fashion-mnist or a folder of class folders")
	}
	return nil
}

// setThreads applies --threads: the kernels split their work over
// GOMAXPROCS workers, so the same N gives the same results on any
// machine. It returns a function that restores the previous value.
func setThreads(n int) func() {
	if n <= 0 {
		return func() {}
	}
	prev := runtime.GOMAXPROCS(n)
	return func() { runtime.GOMAXPROCS(prev) }
}
