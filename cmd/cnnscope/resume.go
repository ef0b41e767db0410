package main

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"strconv"

	"github.com/cnnscope/cnnscope/diagnose"
	"github.com/cnnscope/cnnscope/rundir"
	"github.com/cnnscope/cnnscope/spec"
	"github.com/cnnscope/cnnscope/train"
)

func init() {
	commands["resume"] = command{summary: "continue a stopped or crashed run from its last checkpoint", run: runResume}
}

const resumeExamples = `  cnnscope resume runs/20261127-101500

A run killed before its first checkpoint starts again from epoch 1 as its
spec.yaml says. A finished run is not trained again: resume says so and
exits 0; a failed run (NaN) exits 1 (resuming would repeat it), and so
does a run the diagnosis stopped (--stop-on critical): it would most
likely stop again the same way. --stop-on none continues such a run
anyway, without stopping on critical findings; --stop-on critical
continues it and stops again on the next one.
`

func runResume(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("resume", "resume RUN_DIR [--threads N] [--stop-on critical|none]", resumeExamples, stderr)
	threads := fs.Int("threads", 0, "cores the kernels use (GOMAXPROCS; 0: the run's own, from run.json)")
	stopOn := fs.String("stop-on", "", "diagnosis: critical or none, instead of the run's own setting (run.json); given, it also continues a run the diagnosis stopped")
	err := parseFlags(fs, args)
	if err == nil && fs.NArg() != 1 {
		err = usagef("want one run directory, got %d arguments", fs.NArg())
	}
	if err == nil && *threads < 0 {
		err = usagef("--threads %d: want 0 or more", *threads)
	}
	if err == nil && *threads == 0 {
		*threads, err = resumeThreads(fs.Arg(0))
	}
	if err == nil {
		defer setThreads(*threads)()
		dir := fs.Arg(0)
		var s *spec.Spec
		s, err = spec.Load(filepath.Join(dir, train.SpecFile))
		if err == nil {
			var dopts diagnose.Options
			ro := train.RunOptions{Dir: dir, Settings: map[string]string{"threads": strconv.Itoa(runtime.GOMAXPROCS(0))}}
			if dopts, err = resumeOptions(dir); err == nil && setFlags(fs, nil)["stop-on"] {
				err = resumeStopOn(*stopOn, &dopts, &ro)
			}
			if err == nil {
				err = runSpecWith(s, ro, true, stdout, dopts)
			}
		} else {
			err = usageError{err.Error() + " (is it a run directory?)"}
		}
	}
	return exitCode(stderr, "resume", err)
}

// resumeThreads is the thread count the run trained with (run.json's
// options.threads), 0 for a run that did not record one: the steps' shards
// and sums depend on it, so resuming with another gives other weights.
func resumeThreads(dir string) (int, error) {
	info, err := rundir.ReadInfo(dir)
	if err != nil || info.Options["threads"] == "" {
		return 0, nil // no run.json (train.Run reports a damaged one), or a run from before
	}
	n, err := strconv.Atoi(info.Options["threads"])
	if err != nil || n < 1 {
		return 0, usagef("%s: options.threads %q: want a count of 1 or more", filepath.Join(dir, rundir.InfoFile), info.Options["threads"])
	}
	return n, nil
}

// resumeOptions are the diagnosis' options the run began with (run.json):
// a run started with --stop-on critical keeps stopping on critical.
func resumeOptions(dir string) (diagnose.Options, error) {
	var o diagnose.Options
	info, err := rundir.ReadInfo(dir)
	if err != nil {
		return o, nil // a run from before run.json (train.Run reports a damaged one)
	}
	switch s := info.Options["stop_on"]; s {
	case "critical":
		o.StopOn = diagnose.Critical
	case "", "none":
	default:
		return o, usagef("%s: options.stop_on %q: want critical or none", filepath.Join(dir, rundir.InfoFile), s)
	}
	return o, nil
}

// resumeStopOn applies resume's --stop-on: the diagnosis' setting for the
// rest of the run (kept in run.json), and leave to continue a run the
// diagnosis stopped.
func resumeStopOn(v string, o *diagnose.Options, ro *train.RunOptions) error {
	switch v {
	case "critical":
		o.StopOn = diagnose.Critical
	case "none":
		o.StopOn = ""
	default:
		return usagef("--stop-on %q: want critical or none", v)
	}
	ro.ResumeStopped, ro.Settings["stop_on"] = true, v
	return nil
}

// ended reports a run that resume found ended: finished (nil, exit 0),
// failed or stopped by the diagnosis (an error, exit 1).
func ended(w io.Writer, dir string, info *rundir.Info) error {
	if info.State == rundir.Failed {
		return errors.New(dir + ": the run failed: " + info.Message + "; resuming would repeat it: train again with other settings (cnnscope diagnose " + dir + " says what to change)")
	}
	if info.State == rundir.Stopped {
		return errors.New(dir + ": the diagnosis stopped this run (" + info.Message + "); resuming would most likely stop it again the same way: " +
			"train again with other settings (cnnscope diagnose " + dir + " says what to change), or continue it anyway with: cnnscope resume --stop-on none " + dir)
	}
	when := ""
	if info.Ended != nil {
		when = " on " + info.Ended.Local().Format("2006-01-02 15:04")
	}
	_, err := fmt.Fprintf(w, "%s: run %s finished%s; nothing to resume (cnnscope evaluate %s, cnnscope report %s)\n", dir, info.RunID, when, dir, dir)
	return err
}
