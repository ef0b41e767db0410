package main

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	iofs "io/fs"
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
			"Exit code 2 when an image could not be read (a corrupt image, a missing file or folder, a folder without\n"+
			"images): the others are still classified, each bad one is a line on stderr and an error row in the output.\n", stderr)
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
	if err == nil {
		err = firstBelow(intFlag{"top-k", *top, 1}, intFlag{"batch", *batch, 1})
	}
	if err == nil {
		var preds []prediction
		var args []argImages
		topGiven := setFlags(fs, map[string]string{"top": "top-k"})["top-k"]
		preds, args, err = classify(stderr, fs.Arg(0), fs.Args()[1:], predict.Options{Top: *top, Batch: *batch}, topGiven)
		if err == nil {
			err = writePredictions(stdout, preds, *format)
		}
		if s := unreadSummary(args, preds); err == nil && s != "" {
			err = usagef("%s (error rows in the output)", s)
		}
	}
	return exitCode(stderr, "predict", err)
}

// unreadSummary counts what was given and could not be classified, empty
// when everything was: the images that could not be read among those the
// arguments gave, and the arguments that gave none, by why (a path that
// does not exist is not an image that could not be read).
func unreadSummary(args []argImages, rows []prediction) string {
	images, failed, missing, empty, unlisted := 0, 0, 0, 0, 0
	for _, a := range args {
		images += len(a.files)
		switch {
		case a.err == nil:
		case errors.Is(a.err, iofs.ErrNotExist):
			missing++
		case errors.Is(a.err, data.ErrNoImageFiles):
			empty++
		default:
			unlisted++
		}
	}
	for _, r := range rows {
		if r.Error != "" {
			failed++
		}
	}
	failed -= missing + empty + unlisted // the arguments' own error rows
	var parts, why []string
	if failed > 0 {
		parts = append(parts, fmt.Sprintf("%d of %d image(s) could not be read", failed, images))
	}
	for _, c := range []struct {
		n    int
		what string
	}{{missing, "path(s) not found"}, {empty, "folder(s) without image files"}, {unlisted, "path(s) that could not be listed"}} {
		if c.n > 0 {
			why = append(why, fmt.Sprintf("%d %s", c.n, c.what))
		}
	}
	if len(why) > 0 {
		parts = append(parts, fmt.Sprintf("of %d argument(s), %s", len(args), strings.Join(why, " and ")))
	}
	return strings.Join(parts, "; ")
}

// classify runs the library's Predictor on the images and reports
// on stderr each argument or file that could not be read and, once per
// kind, the images whose size or color mode differ from the model's input.
// A --top-k given above the model's class count is refused; the default
// lists every class of a model with fewer.
func classify(stderr io.Writer, dir string, paths []string, opts predict.Options, topGiven bool) ([]prediction, []argImages, error) {
	p, err := predict.Load(dir)
	if err != nil {
		return nil, nil, inputError(noModel("predict", dir, err))
	}
	if n := len(p.File.Classes); opts.Top > n {
		if topGiven {
			return nil, nil, usagef("--top-k %d: want at most the model's %d classes", opts.Top, n)
		}
		opts.Top = n
	}
	args := listArgs(paths)
	var files []string
	for _, a := range args {
		files = append(files, a.files...)
	}
	if e, err := p.Model.EstimateMemory(min(opts.Batch, max(len(files), 1)), -1); err == nil {
		if err := e.Fits(); err != nil {
			return nil, nil, usagef("predicting %v (try a smaller --batch)", err)
		}
	}
	res := p.PredictFiles(files, opts)
	rows := predictionRows(stderr, args, res)
	warnMismatches(stderr, p, res)
	return rows, args, nil
}

// predictionRows are the output's rows in the arguments' order: each
// argument that could not be listed is an error row, each of its files
// a prediction (or an error row); every error is also a line on stderr.
func predictionRows(stderr io.Writer, args []argImages, res []predict.Prediction) []prediction {
	rows := make([]prediction, 0, len(res)+len(args))
	next := 0 // res's first prediction of the next argument
	for _, a := range args {
		if a.err != nil {
			rows = append(rows, prediction{File: a.display, Error: a.err.Error()})
			fmt.Fprintf(stderr, "cnnscope predict: %v\n", a.err)
			continue
		}
		for _, r := range res[next : next+len(a.files)] {
			row := prediction{File: r.File, Class: r.Class, Probability: r.Probability, Top: r.Top}
			if r.Err != nil {
				row.Error = r.Err.Error()
				fmt.Fprintf(stderr, "cnnscope predict: %v\n", r.Err)
			}
			rows = append(rows, row)
		}
		next += len(a.files)
	}
	return rows
}

// warnMismatches says once per kind which images differ from the model's
// input in size or color mode.
func warnMismatches(stderr io.Writer, p *predict.Predictor, res []predict.Prediction) {
	mismatches := map[string][]int{}
	var kinds []string
	for i, r := range res {
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
		fmt.Fprintf(stderr, "warning: %d image(s), e.g. %s: %s (the model was trained on %s images; sizes are width x height)\n", len(at), res[at[0]].File, res[at[0]].Mismatch, inputLabel(p))
	}
}

// argImages is one command-line argument's images: its files (a file
// itself, or a folder's images), or why it has none.
type argImages struct {
	display string // the argument as the output shows it
	files   []string
	err     error
}

// listArgs expands each argument on its own, so that one that cannot be
// listed (a missing file or folder, a folder without images) becomes an
// error row of its own, as an unreadable image does, and the other
// arguments are still classified.
func listArgs(paths []string) []argImages {
	args := make([]argImages, len(paths))
	for i, p := range paths {
		args[i].display = data.DisplayPath(p)
		args[i].files, args[i].err = data.ListImages([]string{p})
	}
	return args
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
			prob := strconv.FormatFloat(p.Probability, 'f', 4, 64)
			if p.Error != "" {
				prob = "" // an unread image has no probability, not 0
			}
			cw.Write([]string{p.File, p.Class, prob, strings.Join(top, " "), p.Error})
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
