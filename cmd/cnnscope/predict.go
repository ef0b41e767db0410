package main

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/cnnscope/cnnscope/data"
	"github.com/cnnscope/cnnscope/tensor"
	"github.com/cnnscope/cnnscope/train"
)

func init() {
	commands["predict"] = command{summary: "classify images or a folder of images with a saved model", run: runPredict}
}

// prediction is one image's result.
type prediction struct {
	File        string             `json:"file"`
	Class       string             `json:"class"`
	Probability float64            `json:"probability"`
	Top         []classProbability `json:"top"`
	Error       string             `json:"error,omitempty"`
}

type classProbability struct {
	Class       string  `json:"class"`
	Probability float64 `json:"probability"`
}

func runPredict(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("predict", "predict RUN_DIR IMAGE|FOLDER... [--format table|csv|json] [--top K]",
		"  cnnscope predict runs/mnist digit.png\n  cnnscope predict runs/pets photos/ --format csv > predictions.csv\n", stderr)
	format := fs.String("format", "table", "output: table, csv or json")
	top := fs.Int("top", 3, "how many classes to list per image")
	batch := fs.Int("batch", 64, "batch size")
	err := parseFlags(fs, flagsFirst(fs, args))
	if err == nil && fs.NArg() < 2 {
		err = usagef("want a run directory and at least one image or folder")
	}
	if err == nil && !slices.Contains([]string{"table", "csv", "json"}, *format) {
		err = usagef("--format %q: want table, csv or json", *format)
	}
	if err == nil && (*top < 1 || *batch < 1) {
		err = usagef("--top and --batch must be positive")
	}
	if err == nil {
		var preds []prediction
		preds, err = predict(fs.Arg(0), fs.Args()[1:], *top, *batch)
		if err == nil {
			err = writePredictions(stdout, preds, *format)
		}
		if err == nil {
			for _, p := range preds {
				if p.Error != "" {
					err = fmt.Errorf("%d image(s) could not be read (see the error column)", countErrors(preds))
					break
				}
			}
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

// imageFiles expands folders into their image files (sorted, recursive,
// hidden files skipped); files are taken as given.
func imageFiles(paths []string) ([]string, error) {
	var files []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			files = append(files, p)
			continue
		}
		var found []string
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if strings.HasPrefix(d.Name(), ".") && path != p {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if !d.IsDir() && slices.Contains(data.ImageExtensions, strings.ToLower(filepath.Ext(path))) {
				found = append(found, path)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		if len(found) == 0 {
			return nil, fmt.Errorf("%s: no image files (%s)", p, strings.Join(data.ImageExtensions, " "))
		}
		sort.Strings(found)
		files = append(files, found...)
	}
	return files, nil
}

func predict(dir string, paths []string, top, batch int) ([]prediction, error) {
	m, mf, err := train.LoadModel(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, usageError{err.Error()}
	}
	if err != nil {
		return nil, err
	}
	files, err := imageFiles(paths)
	if err != nil {
		return nil, usageError{err.Error()}
	}
	in := m.Input
	h, w, c := in[0], in[1], in[2]
	mode := data.ColorModeOf(c)
	preds := make([]prediction, len(files))
	x := tensor.New(batch, h, w, c)
	for lo := 0; lo < len(files); lo += batch {
		hi := min(lo+batch, len(files))
		var ok []int
		for i := lo; i < hi; i++ {
			preds[i].File = files[i]
			img, _, err := data.ReadImageFile(files[i], h, w, mode, data.Interpolation(mf.Interpolation))
			if err != nil {
				preds[i].Error = err.Error()
				continue
			}
			mf.Preprocessing.Apply(x.Data[len(ok)*h*w*c:(len(ok)+1)*h*w*c], img, c)
			ok = append(ok, i)
		}
		if len(ok) == 0 {
			continue
		}
		xb := tensor.FromData(x.Data[:len(ok)*h*w*c], len(ok), h, w, c)
		out := m.Forward(xb, false)
		k := len(mf.Classes)
		for j, i := range ok {
			row := out.Data[j*k : (j+1)*k]
			order := make([]int, k)
			for a := range order {
				order[a] = a
			}
			sort.SliceStable(order, func(a, b int) bool { return row[order[a]] > row[order[b]] })
			p := &preds[i]
			p.Class, p.Probability = mf.Classes[order[0]], float64(row[order[0]])
			for _, a := range order[:min(top, k)] {
				p.Top = append(p.Top, classProbability{mf.Classes[a], float64(row[a])})
			}
		}
	}
	return preds, nil
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
