package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"

	"github.com/cnnscope/cnnscope/report"
)

func init() {
	commands["plot"] = command{summary: "draw one chart of a run (curves, gradients, confusion, lr) as PNG or SVG", run: runPlot}
}

const plotExamples = `  cnnscope plot runs/mnist --what curves --out curves.png
  cnnscope plot runs/mnist --what gradients --out grads.svg
  cnnscope plot runs/mnist --what confusion --out confusion.png
`

func runPlot(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("plot", "plot RUN_DIR --what curves|gradients|confusion|lr --out FILE.png|FILE.svg", plotExamples, stderr)
	what := fs.String("what", "curves", "what to draw: "+strings.Join(report.PlotKinds, ", "))
	out := fs.String("out", "", "image file to write, .png or .svg (required)")
	err := parseFlags(fs, flagsFirst(fs, args))
	switch {
	case err != nil:
	case fs.NArg() != 1:
		err = usagef("want one run directory, got %d arguments", fs.NArg())
	case !slices.Contains(report.PlotKinds, *what):
		err = usagef("--what %q: want one of %s", *what, strings.Join(report.PlotKinds, ", "))
	case *out == "":
		err = usagef("--out: give the image file to write (.png or .svg)")
	default:
		if ext := strings.ToLower(filepath.Ext(*out)); ext != ".png" && ext != ".svg" {
			err = usagef("--out %q: want a .png or .svg file", *out)
		}
	}
	if err == nil {
		err = checkRunDir(fs.Arg(0))
	}
	if err == nil {
		if err = report.Plot(context.Background(), fs.Arg(0), *what, *out); err == nil {
			fmt.Fprintf(stdout, "Wrote %s\n", *out)
		}
	}
	return exitCode(stderr, "plot", err)
}
