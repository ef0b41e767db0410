package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/cnnscope/cnnscope/diagnose"
	"github.com/cnnscope/cnnscope/diagnose/faults"
)

func init() {
	commands["diagnose"] = command{summary: "is a run learning effectively? findings, causes and fixes from its files (eval: the fault-injection evaluation)", run: runDiagnose}
}

const diagnoseExamples = `  cnnscope diagnose runs/20261127-101500
  cnnscope diagnose --json runs/fashion > diagnosis.json
  cnnscope diagnose eval                 # the fault-injection evaluation (a few minutes)
  cnnscope diagnose eval --quick --seeds 1
`

// runDiagnose analyzes a finished or running run from its directory. The
// exit code is 0 whatever the verdict: the diagnosis is the output.
func runDiagnose(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "eval" {
		return runDiagnoseEval(args[1:], stdout, stderr)
	}
	fs := newFlagSet("diagnose", "diagnose [--json] RUN_DIR | diagnose eval [flags]", diagnoseExamples, stderr)
	asJSON := fs.Bool("json", false, "print the diagnosis as JSON (diagnosis.json's format)")
	addFormat(fs, asJSON)
	err := parseFlags(fs, args)
	if err == nil && fs.NArg() != 1 {
		err = usagef("want one run directory, got %d arguments", fs.NArg())
	}
	if err == nil {
		var d *diagnose.Diagnosis
		if d, err = diagnose.DiagnoseRun(fs.Arg(0)); err != nil {
			err = inputError(err)
		} else {
			if *asJSON {
				err = d.WriteJSON(stdout)
			} else {
				d.WriteText(stdout)
			}
		}
	}
	return exitCode(stderr, "diagnose", err)
}

const diagnoseEvalExamples = `  cnnscope diagnose eval                            # every scenario, 3 seeds
  cnnscope diagnose eval --part heldout --seeds 5 --parallel 2   # the held-out part the bars apply to
  cnnscope diagnose eval --quick --seeds 1          # the CI subset
  cnnscope diagnose eval --only leakage,ok-basic-mnist --keep runs/eval
  cnnscope diagnose eval --markdown eval.md --json > eval.json
`

// runDiagnoseEval runs the fault-injection evaluation: exit code 0 when
// it meets the bars, 1 when it does not.
func runDiagnoseEval(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("diagnose eval", "diagnose eval [--seeds N] [--part dev|heldout] [--parallel N] [--quick] [--only NAMES] [--json] [--markdown FILE]", diagnoseEvalExamples, stderr)
	seeds := fs.Int("seeds", 3, "seeds per scenario")
	quick := fs.Bool("quick", false, "only the reduced suite (the one CI runs)")
	only := fs.String("only", "", "comma-separated scenario names (see --list)")
	list := fs.Bool("list", false, "list the scenarios and exit")
	asJSON := fs.Bool("json", false, "print the report as JSON instead of tables")
	addFormat(fs, asJSON)
	md := fs.String("markdown", "", "also write the tables to this markdown file")
	keep := fs.String("keep", "", "keep the runs (data, run directories) in this folder")
	reps := fs.Int("overhead-reps", 5, "also time a healthy run this many times with and without the monitor (0: skip)")
	part := fs.String("part", "", "dev or heldout: only that part of the suite (default both; the bars apply to the held-out part)")
	parallel := fs.Int("parallel", 1, "runs trained at once")
	err := parseFlags(fs, args)
	if err == nil && fs.NArg() > 0 {
		err = usagef("unexpected argument %q", fs.Arg(0))
	}
	if err == nil && *seeds < 1 {
		err = usagef("--seeds %d: want 1 or more", *seeds)
	}
	if err == nil && *reps < 0 {
		err = usagef("--overhead-reps %d: want 0 or more", *reps)
	}
	if err == nil && *parallel < 1 {
		err = usagef("--parallel %d: want 1 or more", *parallel)
	}
	o := faults.Options{Seeds: *seeds, Quick: *quick, Dir: *keep, OverheadReps: *reps, Part: *part, Parallel: *parallel}
	if *only != "" {
		o.Only = strings.Split(*only, ",")
	}
	if err == nil {
		if _, err = o.Selected(); err != nil {
			err = usageError{err.Error()}
		}
	}
	if err == nil && *list {
		scs, _ := faults.Options{}.Selected()
		for _, s := range scs {
			what := s.Problem
			if what == "" {
				what = "healthy"
			}
			q := ""
			if s.Quick {
				q = " [quick]"
			}
			if s.HeldOut {
				q += " [held-out]"
			}
			fmt.Fprintf(stdout, "%-30s %s%s\n", s.Name, what, q)
		}
		return 0
	}
	if err != nil {
		return exitCode(stderr, "diagnose eval", err)
	}
	if !*asJSON {
		o.Progress = stdout
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep, err := faults.Evaluate(ctx, o)
	if err != nil {
		return exitCode(stderr, "diagnose eval", err)
	}
	if *md != "" {
		f, err := os.Create(*md)
		if err == nil {
			fmt.Fprintf(f, "Produced by: cnnscope diagnose eval %s\n\n", strings.Join(args, " "))
			rep.WriteMarkdown(f)
			err = f.Close()
		}
		if err != nil {
			return exitCode(stderr, "diagnose eval", err)
		}
	}
	if *asJSON {
		if err := rep.WriteJSON(stdout); err != nil {
			return exitCode(stderr, "diagnose eval", err)
		}
	} else {
		fmt.Fprintln(stdout)
		rep.WriteMarkdown(stdout)
	}
	if f := rep.Failures(); len(f) > 0 {
		return exitCode(stderr, "diagnose eval", fmt.Errorf("short of the bars: %s", strings.Join(f, "; ")))
	}
	return 0
}
