package main

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"

	"github.com/cnnscope/cnnscope/data"
	"github.com/cnnscope/cnnscope/modelfile"
	"github.com/cnnscope/cnnscope/nn"
	"github.com/cnnscope/cnnscope/spec"
	"github.com/cnnscope/cnnscope/train"
)

func init() {
	commands["evaluate"] = command{summary: "measure a saved model on a test set: loss, accuracy, per-class metrics, confusion matrix", run: runEvaluate}
}

func runEvaluate(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("evaluate", "evaluate RUN_DIR [--data mnist|fashion-mnist|DIR] [--json]",
		"  cnnscope evaluate runs/mnist --data mnist\n  cnnscope evaluate runs/pets --data path/to/test --json\n", stderr)
	src := fs.String("data", "", "test data: mnist, fashion-mnist (their test split) or a folder of class folders (default: the run's data.test, else its data: a folder with train/ and test/ gives test/)")
	batch := fs.Int("batch", 256, "batch size")
	asJSON := fs.Bool("json", false, "print one JSON object")
	addFormat(fs, asJSON)
	topK := fs.Int("top-k", 0, "also report top-k accuracy (k > 1)")
	err := parseFlags(fs, flagsFirst(fs, args))
	if err == nil && fs.NArg() != 1 {
		err = usagef("want one run directory (or model folder), got %d arguments", fs.NArg())
	}
	if err == nil && (*batch < 1 || *topK < 0 || *topK == 1) {
		err = usagef("want --batch 1 or more and --top-k 0 (off) or more than 1")
	}
	if err == nil {
		err = evaluate(stdout, stderr, fs.Arg(0), *src, *batch, *topK, *asJSON)
	}
	return exitCode(stderr, "evaluate", err)
}

func evaluate(w, errw io.Writer, dir, src string, batch, topK int, asJSON bool) error {
	m, mf, err := modelfile.Load(dir)
	if err != nil {
		return inputError(noModel("evaluate", dir, err))
	}
	if topK >= len(mf.Classes) {
		return usagef("--top-k %d: want fewer than the model's %d classes", topK, len(mf.Classes))
	}
	if e, err := m.EstimateMemory(batch, -1); err == nil {
		if err := e.Fits(); err != nil {
			return usagef("evaluating %v (try a smaller --batch)", err)
		}
	}
	if src == "" {
		src = runTestData(errw, dir)
	}
	if splits, ok := data.FindSplits(src); ok && !slices.Contains(data.Builtins, src) {
		if splits.Test == "" {
			return usagef("%s holds split folders without test/: give --data %s or another test folder", src, cmp.Or(splits.Validation, splits.Train))
		}
		fmt.Fprintf(errw, "note: %s holds split folders: evaluating %s\n", src, splits.Test)
		src = splits.Test
	}
	ds, err := loadEvalData(src, m, mf)
	if err != nil {
		return inputError(err)
	}
	warnLeftOut(errw, src, ds)
	loader, err := data.NewEvalLoader(ds, nil, data.EvalConfig{BatchSize: batch, Preprocess: &mf.Preprocessing})
	if err != nil {
		return inputError(err)
	}
	loss, err := mf.NewLoss()
	if err != nil {
		return inputError(err)
	}
	r, err := train.Evaluate(context.Background(), m, loader, loss, mf.Classes, topK)
	if err != nil {
		return err
	}
	if asJSON {
		out := map[string]any{"loss": r.Loss, "accuracy": r.Accuracy, "samples": r.Samples,
			"per_class": r.Confusion.PerClass(), "confusion": r.Confusion.Counts, "classes": mf.Classes}
		if r.TopK > 0 {
			out["top_k"], out["top_k_accuracy"] = r.TopK, r.TopKAccuracy
		}
		b, err := json.Marshal(out)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w, "%s\n", b)
		return err
	}
	fmt.Fprintf(w, "%s: %d images\nloss %.4f - accuracy %.4f", src, r.Samples, r.Loss, r.Accuracy)
	if r.TopK > 0 {
		fmt.Fprintf(w, " - top-%d accuracy %.4f", r.TopK, r.TopKAccuracy)
	}
	fmt.Fprintf(w, " - macro F1 %.4f\n\n", r.Confusion.MacroF1())
	return writeClassTable(w, r.Confusion)
}

// runTestData is the run's test data (data.test), else its data source;
// a plain folder holds the run's training images too, which is said.
func runTestData(errw io.Writer, dir string) string {
	sp, err := spec.Load(filepath.Join(dir, train.SpecFile))
	if err != nil {
		return ""
	}
	if sp.Data.Test != "" {
		return sp.Data.Test
	}
	src := sp.Data.Source
	if _, split := data.FindSplits(src); !split && !slices.Contains(data.Builtins, src) {
		fmt.Fprintf(errw, "note: evaluating %s, the run's data, its training images included (--data DIR: a test folder)\n", src)
	}
	return src
}

// loadEvalData loads a test set whose images match the model's input and
// whose classes are the model's.
func loadEvalData(src string, m nn.Model, mf *modelfile.File) (*data.Dataset, error) {
	if src == "" {
		return nil, usagef("no test data: give --data")
	}
	in := m.InputShape()
	var ds *data.Dataset
	var err error
	if slices.Contains(data.Builtins, src) {
		ds, err = data.LoadBuiltin(src, "test")
	} else {
		ds, err = data.LoadFolder(src, data.FolderOptions{Height: in[0], Width: in[1], ColorMode: data.ColorModeOf(in[2]),
			Interpolation: data.Interpolation(mf.Interpolation), Classes: mf.Classes})
	}
	if err != nil {
		return nil, err
	}
	if ds.Height != in[0] || ds.Width != in[1] || ds.Channels != in[2] {
		return nil, fmt.Errorf("%s: images are %dx%dx%d, the model takes %dx%dx%d", src, ds.Height, ds.Width, ds.Channels, in[0], in[1], in[2])
	}
	if !slices.Equal(ds.Classes, mf.Classes) && len(ds.Classes) != len(mf.Classes) {
		return nil, fmt.Errorf("%s: %d classes, the model has %d (%s)", src, len(ds.Classes), len(mf.Classes), strings.Join(mf.Classes, ", "))
	}
	return ds, nil
}

// warnLeftOut lists on stderr the files and class folders of the test
// data that are not evaluated (unreadable, or not among the model's
// classes); a model class without a folder is normal in a test set.
func warnLeftOut(w io.Writer, src string, ds *data.Dataset) {
	var left []data.Skipped
	for _, s := range ds.Skipped {
		if !strings.HasPrefix(s.Reason, "class folder missing") {
			left = append(left, s)
		}
	}
	if len(left) == 0 {
		return
	}
	fmt.Fprintf(w, "warning: %d file(s) or folder(s) of %s left out:\n", len(left), src)
	for i, s := range left {
		if i == 10 {
			fmt.Fprintf(w, "  ... and %d more (see cnnscope data inspect)\n", len(left)-10)
			break
		}
		fmt.Fprintf(w, "  %s: %s\n", s.Path, s.Reason)
	}
}

// writeClassTable prints per-class precision, recall and F1 and the
// confusion matrix (rows: true class, columns: predicted).
func writeClassTable(w io.Writer, c *train.Confusion) error {
	fmt.Fprintf(w, "%-16s %9s %9s %9s %8s\n", "class", "precision", "recall", "f1", "support")
	for _, m := range c.PerClass() {
		fmt.Fprintf(w, "%-16s %9.4f %9.4f %9.4f %8d\n", m.Class, m.Precision, m.Recall, m.F1, m.Support)
	}
	fmt.Fprintf(w, "\nconfusion matrix (rows: true class, columns: predicted)\n%16s", "")
	for j := range c.Classes {
		fmt.Fprintf(w, " %6d", j)
	}
	fmt.Fprintln(w)
	for i, row := range c.Counts {
		name := c.Classes[i]
		if len(name) > 12 {
			name = name[:12]
		}
		fmt.Fprintf(w, "%2d %-13s", i, name)
		for _, v := range row {
			fmt.Fprintf(w, " %6d", v)
		}
		fmt.Fprintln(w)
	}
	return nil
}
