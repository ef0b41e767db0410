package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

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
  cnnscope diagnose eval --part tenth --seeds 5 --parallel 2   # the tenth part the bars apply to
  cnnscope diagnose eval --quick --seeds 1          # the CI subset
  cnnscope diagnose eval --only leakage,ok-basic-mnist --keep runs/eval
  cnnscope diagnose eval --markdown eval.md --json > eval.json
`

// diagnoseEvalFlags holds the flags of diagnose eval.
type diagnoseEvalFlags struct {
	seeds, reps, parallel *int
	quick, list, asJSON   *bool
	only, md, keep, part  *string
}

// register declares diagnose eval's flags on fs.
func (f *diagnoseEvalFlags) register(fs *flag.FlagSet) {
	f.seeds = fs.Int("seeds", 3, "seeds per scenario")
	f.quick = fs.Bool("quick", false, "only the reduced suite (the one CI runs)")
	f.only = fs.String("only", "", "comma-separated scenario names (see --list)")
	f.list = fs.Bool("list", false, "list the scenarios and exit")
	f.asJSON = fs.Bool("json", false, "print the report as JSON instead of tables")
	addFormat(fs, f.asJSON)
	f.md = fs.String("markdown", "", "also write the tables to this markdown file")
	f.keep = fs.String("keep", "", "keep the runs (data, run directories) in this folder")
	f.reps = fs.Int("overhead-reps", 5, "also time a healthy run this many times with and without the monitor (0: skip)")
	f.part = fs.String("part", "", "dev, heldout, unseen, fresh, novel, fifth, sixth, seventh, eighth, ninth or tenth: only that part of the suite (default all; the bars apply to the newest held-out part present: tenth, else ninth, else eighth, else seventh, else sixth, else fifth, else novel, else fresh, else unseen, else heldout)")
	f.parallel = fs.Int("parallel", 1, "runs trained at once")
}

// options parses args into the evaluation's options; a bad flag, argument
// or scenario selection is a usage error.
func (f *diagnoseEvalFlags) options(fs *flag.FlagSet, args []string) (faults.Options, error) {
	err := parseFlags(fs, args)
	if err == nil && fs.NArg() > 0 {
		err = usagef("unexpected argument %q", fs.Arg(0))
	}
	if err == nil && *f.seeds < 1 {
		err = usagef("--seeds %d: want 1 or more", *f.seeds)
	}
	if err == nil && *f.reps < 0 {
		err = usagef("--overhead-reps %d: want 0 or more", *f.reps)
	}
	if err == nil && *f.parallel < 1 {
		err = usagef("--parallel %d: want 1 or more", *f.parallel)
	}
	o := faults.Options{Seeds: *f.seeds, Quick: *f.quick, Dir: *f.keep, OverheadReps: *f.reps, Part: *f.part, Parallel: *f.parallel}
	if *f.only != "" {
		o.Only = strings.Split(*f.only, ",")
	}
	if err == nil {
		if _, err = o.Selected(); err != nil {
			err = usageError{err.Error()}
		}
	}
	return o, err
}

// listScenarios prints every scenario with its problem and its parts.
func listScenarios(stdout io.Writer) {
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
		if s.Unseen {
			q += " [unseen]"
		}
		if s.Fresh {
			q += " [fresh]"
		}
		if s.Novel {
			q += " [novel]"
		}
		if s.Fifth {
			q += " [fifth]"
		}
		if s.Sixth {
			q += " [sixth]"
		}
		if s.Seventh {
			q += " [seventh]"
		}
		if s.Eighth {
			q += " [eighth]"
		}
		if s.Ninth {
			q += " [ninth]"
		}
		if s.Tenth {
			q += " [tenth]"
		}
		fmt.Fprintf(stdout, "%-30s %s%s\n", s.Name, what, q)
	}
}

// runDiagnoseEval runs the fault-injection evaluation: exit code 0 when
// it meets the bars, 1 when it does not.
func runDiagnoseEval(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("diagnose eval", "diagnose eval [--seeds N] [--part dev|heldout|unseen|fresh|novel|fifth|sixth|seventh|eighth|ninth|tenth] [--parallel N] [--quick] [--only NAMES] [--json] [--markdown FILE]", diagnoseEvalExamples, stderr)
	var f diagnoseEvalFlags
	f.register(fs)
	o, err := f.options(fs, args)
	if err == nil && *f.list {
		listScenarios(stdout)
		return 0
	}
	if err != nil {
		return exitCode(stderr, "diagnose eval", err)
	}
	if !*f.asJSON {
		o.Progress = stdout
	}
	ctx, stop := interruptContext()
	defer stop()
	rep, err := faults.Evaluate(ctx, o)
	if err != nil {
		return exitCode(stderr, "diagnose eval", err)
	}
	if err := writeEvalReport(rep, *f.md, *f.asJSON, args, stdout); err != nil {
		return exitCode(stderr, "diagnose eval", err)
	}
	if f := rep.Failures(); len(f) > 0 {
		return exitCode(stderr, "diagnose eval", fmt.Errorf("short of the bars: %s", strings.Join(f, "; ")))
	}
	return 0
}

// writeEvalReport writes the report to the markdown file md (if any), then
// to stdout as JSON or as tables.
func writeEvalReport(rep *faults.Report, md string, asJSON bool, args []string, stdout io.Writer) error {
	if md != "" {
		f, err := os.Create(md)
		if err == nil {
			fmt.Fprintf(f, "Produced by: cnnscope diagnose eval %s\n\n", strings.Join(args, " "))
			rep.WriteMarkdown(f)
			err = f.Close()
		}
		if err != nil {
			return err
		}
	}
	if asJSON {
		return rep.WriteJSON(stdout)
	}
	fmt.Fprintln(stdout)
	rep.WriteMarkdown(stdout)
	return nil
}
