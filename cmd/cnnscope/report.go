package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"

	"github.com/cnnscope/cnnscope/report"
)

func init() {
	commands["report"] = command{summary: "write a run's self-contained HTML report (or compare runs)", run: runReport}
}

const reportExamples = `  cnnscope report runs/mnist                  # writes runs/mnist/report.html
  cnnscope report runs/a runs/b runs/c        # writes compare.html comparing them
  cnnscope report runs/a runs/b --out tuning.html
`

func runReport(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("report", "report RUN_DIR [RUN_DIR...] [--out FILE.html]", reportExamples, stderr)
	out := fs.String("out", "", "output file (default: RUN_DIR/report.html for one run, compare.html for several)")
	err := parseFlags(fs, flagsFirst(fs, args))
	if err == nil && fs.NArg() == 0 {
		err = usagef("want one run directory (or several to compare)")
	}
	if err == nil && *out != "" {
		// --out names a file: never replace one that is not a report.
		if e := report.CheckReplace(*out); e != nil {
			err = usageError{e.Error()}
		}
	}
	for _, d := range fs.Args() {
		if err == nil {
			err = checkRunDir(d)
		}
	}
	if err == nil {
		err = writeReport(stdout, fs.Args(), *out)
	}
	return exitCode(stderr, "report", err)
}

func writeReport(stdout io.Writer, dirs []string, out string) error {
	ctx := context.Background()
	if out != "" {
		// --out names a file: never replace one that is not a report.
		if err := report.CheckReplace(out); err != nil {
			return usageError{err.Error()}
		}
	}
	if len(dirs) == 1 {
		var path string
		var err error
		if out == "" {
			path, err = report.WriteRun(ctx, dirs[0], report.Inputs{})
		} else {
			path, err = out, report.WriteFile(out, func(w io.Writer) error { return report.Render(ctx, w, dirs[0], report.Inputs{}) })
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Wrote %s\n", path)
		return nil
	}
	if out == "" {
		out = "compare.html"
	}
	if filepath.Ext(out) == "" {
		return usagef("--out %q: want a file name such as compare.html", out)
	}
	if err := report.WriteFile(out, func(w io.Writer) error { return report.Compare(w, dirs) }); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Wrote %s comparing %d runs\n", out, len(dirs))
	return nil
}
