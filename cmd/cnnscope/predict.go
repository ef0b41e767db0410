package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/cnnscope/cnnscope/data"
	"github.com/cnnscope/cnnscope/predict"
)

func init() {
	commands["predict"] = command{summary: "classify images or a folder of images with a saved model", run: runPredict}
}

// prediction is one image's row in the output.
type prediction struct {
	File        string                     `json:"file"`
	Class       string                     `json:"class"`
	Probability float64                    `json:"probability"`
	Top         []predict.ClassProbability `json:"top"`
	Error       string                     `json:"error,omitempty"`
}

func runPredict(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("predict", "predict RUN_DIR IMAGE|FOLDER... [--format table|csv|json] [--top-k K]",
		"  cnnscope predict runs/mnist digit.png\n  cnnscope predict runs/pets photos/ --format csv > predictions.csv\n"+
			"Exit code 2 when an image could not be read: the others are still classified, each bad one is a line on\n"+
			"stderr and an error row in the output.\n", stderr)
	format := fs.String("format", "table", "output: table, csv or json")
	top := fs.Int("top-k", 3, "how many classes to list per image")
	alias(fs, "top", "top-k")
	batch := fs.Int("batch", 64, "batch size")
	err := parseFlags(fs, flagsFirst(fs, args))
	if err == nil && fs.NArg() < 2 {
		err = usagef("want a run directory and at least one image or folder")
	}
	if err == nil && !slices.Contains([]string{"table", "csv", "json"}, *format) {
		err = usagef("--format %q: want table, csv or json", *format)
	}
	if err == nil && (*top < 1 || *batch < 1) {
		err = usagef("--top-k and --batch must be positive")
	}
	if err == nil {
		var preds []prediction
		preds, err = classify(stderr, fs.Arg(0), fs.Args()[1:], predict.Options{Top: *top, Batch: *batch})
		if err == nil {
			err = writePredictions(stdout, preds, *format)
		}
		if n := countErrors(preds); err == nil && n > 0 {
			err = usagef("%d of %d image(s) could not be read (error rows in the output)", n, len(preds))
		}
	}
	return exitCode(stderr, "predict", err)
}

func countErrors(ps []prediction) int {
	n := 0
	for _, p := range ps {
		if p.Error != "" {
			n++
		}
	}
	return n
}

// classify runs the library's Predictor on the images and reports
// on stderr each file that could not be read and, once per kind, the
// images whose size or color mode differ from the model's input.
func classify(stderr io.Writer, dir string, paths []string, opts predict.Options) ([]prediction, error) {
	p, err := predict.Load(dir)
	if err != nil {
		return nil, inputError(err)
	}
	files, err := data.ListImages(paths)
	if err != nil {
		return nil, usageError{err.Error()}
	}
	if e, err := p.Model.EstimateMemory(min(opts.Batch, max(len(files), 1)), -1); err == nil {
		if err := e.Fits(); err != nil {
			return nil, usagef("predicting %v (try a smaller --batch)", err)
		}
	}
	res := p.PredictFiles(files, opts)
	rows := make([]prediction, len(res))
	mismatches := map[string][]int{}
	var kinds []string
	for i, r := range res {
		rows[i] = prediction{File: r.File, Class: r.Class, Probability: r.Probability, Top: r.Top}
		if r.Err != nil {
			rows[i].Error = r.Err.Error()
			fmt.Fprintf(stderr, "cnnscope predict: %v\n", r.Err)
		}
		if r.Mismatch != "" {
			// One line per kind: resized or not, and the file's mode.
			k := fmt.Sprint(r.Original.Width != p.Model.InputShape()[1] || r.Original.Height != p.Model.InputShape()[0], r.Original.Mode)
			if mismatches[k] == nil {
				kinds = append(kinds, k)
			}
			mismatches[k] = append(mismatches[k], i)
		}
	}
	for _, k := range kinds {
		at := mismatches[k]
		fmt.Fprintf(stderr, "warning: %d image(s), e.g. %s: %s (the model was trained on %s images)\n", len(at), res[at[0]].File, res[at[0]].Mismatch, inputLabel(p))
	}
	return rows, nil
}

// inputLabel is the model's input as "28x28 grayscale".
func inputLabel(p *predict.Predictor) string {
	in := p.Model.InputShape()
	return fmt.Sprintf("%dx%d %s", in[1], in[0], data.ColorModeOf(in[2]))
}

func writePredictions(w io.Writer, preds []prediction, format string) error {
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(preds)
	case "csv":
		cw := csv.NewWriter(w)
		cw.Write([]string{"file", "class", "probability", "top", "error"})
		for _, p := range preds {
			var top []string
			for _, t := range p.Top {
				top = append(top, t.Class+"="+strconv.FormatFloat(t.Probability, 'f', 4, 64))
			}
			cw.Write([]string{p.File, p.Class, strconv.FormatFloat(p.Probability, 'f', 4, 64), strings.Join(top, " "), p.Error})
		}
		cw.Flush()
		return cw.Error()
	}
	width := 4
	for _, p := range preds {
		width = max(width, len(p.File))
	}
	fmt.Fprintf(w, "%-*s  %-12s %8s  %s\n", width, "file", "class", "prob", "top classes")
	for _, p := range preds {
		if p.Error != "" {
			fmt.Fprintf(w, "%-*s  error: %s\n", width, p.File, p.Error)
			continue
		}
		var top []string
		for _, t := range p.Top {
			top = append(top, fmt.Sprintf("%s %.3f", t.Class, t.Probability))
		}
		fmt.Fprintf(w, "%-*s  %-12s %8.4f  %s\n", width, p.File, p.Class, p.Probability, strings.Join(top, ", "))
	}
	return nil
}
