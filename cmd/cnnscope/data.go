package main

import (
	"cmp"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/cnnscope/cnnscope/data"
)

func init() {
	commands["data"] = command{summary: "inspect a data set: class counts, image sizes, pixel stats, duplicates, bad files", run: runData}
}

func runData(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		w := stdout
		if len(args) == 0 {
			w = stderr
		}
		fmt.Fprintln(w, "Usage: cnnscope data inspect DIR|mnist|fashion-mnist [flags]   (cnnscope data inspect --help)")
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	if args[0] != "inspect" {
		return exitCode(stderr, "data", usagef("unknown subcommand %q (want inspect)", args[0]))
	}
	return runDataInspect(args[1:], stdout, stderr)
}

// inspectFlags are the options of `cnnscope data inspect`.
type inspectFlags struct {
	asJSON                  bool
	test, validation        string
	split                   float64
	seed                    uint64
	size, colorMode, interp string
	strict                  bool
	nearDistance, maxGroups int
	nearTolerance           float64
}

func runDataInspect(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("data inspect", "data inspect DIR|mnist|fashion-mnist [flags]",
		"  cnnscope data inspect photos/                   (photos/<class>/*.jpg)\n"+
			"  cnnscope data inspect data/ --json              (data/train, data/validation, data/test)\n"+
			"  cnnscope data inspect photos/ --test test-photos/ --validation-split 0.2\n"+
			"  cnnscope data inspect mnist\n", stderr)
	var f inspectFlags
	fs.BoolVar(&f.asJSON, "json", false, "print the report as JSON")
	fs.StringVar(&f.test, "test", "", "a separate test folder (same class sub-folders)")
	fs.StringVar(&f.validation, "validation", "", "a separate validation folder")
	fs.Float64Var(&f.split, "validation-split", 0, "fraction of the training folder held out for validation (stratified)")
	fs.Uint64Var(&f.seed, "seed", 1, "seed of the validation split")
	fs.StringVar(&f.size, "target-size", "", "target size H,W, e.g. 224,224 (default: the most common size; the median one within 256,256 when no size holds half the images)")
	alias(fs, "size", "target-size")
	fs.StringVar(&f.colorMode, "color-mode", "", "grayscale, rgb or rgba (default: grayscale when every image is gray, else rgb)")
	fs.StringVar(&f.interp, "interpolation", "nearest", "resizing: nearest, bilinear or bicubic")
	fs.BoolVar(&f.strict, "strict", false, "fail on any bad file instead of skipping and counting it")
	fs.IntVar(&f.nearDistance, "near-distance", 4, "difference-hash bits two near duplicates may differ in (-1: skip near duplicates)")
	fs.Float64Var(&f.nearTolerance, "near-tolerance", 0.05, "relative L1 pixel distance that confirms a near duplicate")
	fs.IntVar(&f.maxGroups, "max-groups", 20, "duplicate groups to list")
	addFormat(fs, &f.asJSON)
	dir, err := parseWithPositional(fs, args)
	if err == nil {
		err = dataInspect(stdout, dir, f)
	}
	return exitCode(stderr, "data inspect", err)
}

// parseWithPositional parses flags before and after the one positional
// argument.
func parseWithPositional(fs *flag.FlagSet, args []string) (string, error) {
	if err := parseFlags(fs, args); err != nil {
		return "", err
	}
	if fs.NArg() == 0 {
		return "", usagef("missing DIR (an image folder, or mnist / fashion-mnist)")
	}
	pos := fs.Arg(0)
	if err := parseFlags(fs, fs.Args()[1:]); err != nil {
		return "", err
	}
	if fs.NArg() > 0 {
		return "", usagef("unexpected argument %q after %q", fs.Arg(0), pos)
	}
	return pos, nil
}

func dataInspect(w io.Writer, dir string, f inspectFlags) error {
	if err := f.check(); err != nil {
		return err
	}
	sets, err := loadInspectSets(dir, f)
	if err != nil {
		return inputError(err)
	}
	defer func() {
		for _, s := range sets {
			s.Data.Close()
		}
	}()
	r := data.Inspect(sets, data.InspectOptions{NearDistance: f.nearDistance, NearTolerance: f.nearTolerance, MaxGroups: f.maxGroups})
	if f.asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	return r.WriteText(w)
}

// loadInspectSets loads the train split and whatever validation and test
// splits the arguments name or the folder layout implies.
func loadInspectSets(dir string, f inspectFlags) ([]data.InspectSet, error) {
	if !(f.split >= 0 && f.split < 1) {
		return nil, usagef("--validation-split %v: want a fraction in [0, 1)", f.split)
	}
	if slices.Contains(data.Builtins, dir) {
		if _, err := os.Stat(dir); err != nil { // a folder of that name wins
			return builtinSets(dir, f)
		}
	}
	opts := data.FolderOptions{ColorMode: data.ColorMode(f.colorMode), Interpolation: data.Interpolation(f.interp), Strict: f.strict}
	if f.size != "" {
		var h, wd int
		if _, err := fmt.Sscanf(strings.ReplaceAll(f.size, ",", "x"), "%dx%d", &h, &wd); err != nil || h <= 0 || wd <= 0 {
			return nil, usagef("--target-size %q: want H,W such as 224,224", f.size)
		}
		opts.Height, opts.Width = h, wd
	}
	trainDir, valDir, testDir := dir, f.validation, f.test
	if sub, ok := data.FindSplits(dir); ok {
		trainDir = sub.Train
		valDir = cmp.Or(valDir, sub.Validation)
		testDir = cmp.Or(testDir, sub.Test)
	}
	train, err := data.LoadFolder(trainDir, opts)
	if err != nil {
		return nil, err
	}
	sets := []data.InspectSet{{Name: "train", Data: train}}
	if f.split > 0 {
		tr, va, err := data.SplitStratified(train.Labels, nil, f.split, f.seed)
		if err != nil {
			return nil, usagef("%v", err)
		}
		sets = []data.InspectSet{{Name: "train", Data: train, Indices: tr}, {Name: "validation", Data: train, Indices: va}}
	}
	// Other splits use the training classes, size and mode, as a model
	// trained on it would see them.
	same := opts
	same.Classes, same.Height, same.Width = train.Classes, train.Height, train.Width
	same.ColorMode = map[int]data.ColorMode{1: data.Grayscale, 3: data.RGB, 4: data.RGBA}[train.Channels]
	for _, s := range []struct{ name, dir string }{{"validation", valDir}, {"test", testDir}} {
		if s.dir == "" {
			continue
		}
		if s.name == "validation" && f.split > 0 {
			return nil, usagef("--validation-split and a validation folder (%s) exclude each other", s.dir)
		}
		ds, err := data.LoadFolder(s.dir, same)
		if err != nil {
			return nil, err
		}
		sets = append(sets, data.InspectSet{Name: s.name, Data: ds})
	}
	return sets, nil
}

func builtinSets(name string, f inspectFlags) ([]data.InspectSet, error) {
	train, err := data.LoadBuiltin(name, "train")
	if err != nil {
		return nil, err
	}
	test, err := data.LoadBuiltin(name, "test")
	if err != nil {
		return nil, err
	}
	if f.split == 0 {
		return []data.InspectSet{{Name: "train", Data: train}, {Name: "test", Data: test}}, nil
	}
	tr, va, err := data.SplitStratified(train.Labels, nil, f.split, f.seed)
	if err != nil {
		return nil, err
	}
	return []data.InspectSet{{Name: "train", Data: train, Indices: tr}, {Name: "validation", Data: train, Indices: va}, {Name: "test", Data: test}}, nil
}

// check refuses option values that make no sense before anything loads.
func (f inspectFlags) check() error {
	switch {
	case f.nearDistance < -1:
		return usagef("--near-distance %d: want -1 (skip) or more", f.nearDistance)
	case !(f.nearTolerance >= 0 && f.nearTolerance <= 1):
		return usagef("--near-tolerance %v: want a fraction in [0, 1]", f.nearTolerance)
	case f.maxGroups < 0:
		return usagef("--max-groups %d: want 0 or more", f.maxGroups)
	case !slices.Contains([]string{"", "grayscale", "rgb", "rgba"}, f.colorMode):
		return usagef("--color-mode %q: want grayscale, rgb or rgba", f.colorMode)
	case !slices.Contains([]string{"nearest", "bilinear", "bicubic"}, f.interp):
		return usagef("--interpolation %q: want nearest, bilinear or bicubic", f.interp)
	}
	return nil
}
