package main

import (
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/cnnscope/cnnscope/diagnose"
	"github.com/cnnscope/cnnscope/report"
	"github.com/cnnscope/cnnscope/spec"
)

func init() {
	commands["lrfind"] = command{summary: "learning-rate range test: sweep the rate up until the loss blows up, suggest one", run: runLRFind}
}

const lrfindExamples = `  cnnscope lrfind --data mnist
  cnnscope lrfind --data mnist --optimizer sgd --momentum 0.9 --plot lr.svg
  cnnscope lrfind --spec my-model.yaml --start-lr 1e-6 --end-lr 10 --steps 200
`

// lrfindIgnored are train's flags that mean nothing to a range test.
var lrfindIgnored = []string{"out", "epochs", "patience", "stop-on", "sanity", "top-k", "test", "dry-run", "tensorboard"}

func runLRFind(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("lrfind", "lrfind [--data ...] [--model ...] [--optimizer ...] [train's flags] [--start-lr 1e-7] [--end-lr 1] [--plot FILE.svg]", lrfindExamples, stderr)
	var tf trainFlags
	tf.register(fs)
	var o diagnose.LRFindOptions
	fs.Float64Var(&o.StartLR, "start-lr", 1e-7, "lowest learning rate of the sweep")
	fs.Float64Var(&o.EndLR, "end-lr", 1, "highest learning rate of the sweep")
	fs.IntVar(&o.Steps, "steps", 200, "training steps of the sweep (the rate grows exponentially from start to end)")
	fs.Float64Var(&o.StopFactor, "stop-factor", 4, "stop once the loss's exponential moving average exceeds this many times its lowest")
	plot := fs.String("plot", "", "also draw the curve into this .svg file")
	asJSON := fs.Bool("json", false, "print the sweep (rates, losses, suggestion) as JSON")
	addFormat(fs, asJSON)
	err := parseFlags(fs, args)
	if err == nil && fs.NArg() > 0 {
		err = usagef("unexpected argument %q (flags only; see --help)", fs.Arg(0))
	}
	if err == nil {
		fs.Visit(func(f *flag.Flag) {
			for _, n := range lrfindIgnored {
				if f.Name == n && err == nil {
					err = usagef("--%s does not apply to lrfind (it trains a throwaway model for --steps steps and writes no run)", n)
				}
			}
		})
	}
	if err == nil && !(o.StartLR > 0 && o.EndLR > o.StartLR && !math.IsInf(o.EndLR, 1) && o.Steps >= 2 && o.Steps <= 1e6 &&
		o.StopFactor > 1 && !math.IsInf(o.StopFactor, 1)) {
		err = usagef("want 0 < --start-lr < --end-lr (finite), --steps from 2 to 1000000 and a finite --stop-factor over 1")
	}
	if err == nil && *plot != "" && strings.ToLower(filepath.Ext(*plot)) != ".svg" {
		err = usagef("--plot %q: want an .svg file", *plot)
	}
	if st, e := os.Stat(filepath.Dir(*plot)); err == nil && *plot != "" && (e != nil || !st.IsDir()) {
		err = usagef("--plot %q: folder %s does not exist (checked before the sweep, not after)", *plot, filepath.Dir(*plot))
	}
	var spec *spec.Spec
	if err == nil {
		spec, err = tf.toSpec(fs)
	}
	if err != nil {
		return exitCode(stderr, "lrfind", err)
	}
	defer setThreads(tf.threads)()
	ctx, stop := interruptContext()
	defer stop()
	r, err := diagnose.FindLR(ctx, spec, o)
	if err != nil {
		return exitCode(stderr, "lrfind", err)
	}
	if *plot != "" {
		if err := report.WriteFile(*plot, func(w io.Writer) error {
			_, err := io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+lrChart(r).SVG())
			return err
		}); err != nil {
			return exitCode(stderr, "lrfind", err)
		}
	}
	if *asJSON {
		return exitCode(stderr, "lrfind", r.WriteJSON(stdout))
	}
	r.WriteText(stdout, 64, 16)
	if *plot != "" {
		fmt.Fprintf(stdout, "Wrote %s\n", *plot)
	}
	return 0
}

// lrChart draws the sweep: the batch losses and their smoothed curve over
// log10 of the learning rate, the suggestion marked.
func lrChart(r *diagnose.LRFind) *report.Chart {
	x := make([]float64, len(r.LR))
	for i, v := range r.LR {
		x[i] = math.Log10(v)
	}
	c := &report.Chart{ID: "chart-lrfind", Title: "Learning-rate range test (" + r.Optimizer + ")", XLabel: "log10(learning rate)", YLabel: "training loss",
		Legend: true, Series: []report.Series{
			{Name: "batch loss", X: x, Y: r.Loss, Color: "#9db7cc", Width: 1},
			{Name: "smoothed", X: x, Y: r.Smoothed, Color: "#0072B2"},
		}}
	if r.Suggested > 0 {
		c.Events = []report.Event{{Kind: "lr", X: math.Log10(r.Suggested), Label: "suggested " + strings.TrimSpace(fmt.Sprintf("%.3g", r.Suggested))}}
	}
	return c
}
