package main

import (
	"io"
	"path/filepath"

	"github.com/cnnscope/cnnscope/train"
)

func init() {
	commands["resume"] = command{summary: "continue a stopped or crashed run from its last checkpoint", run: runResume}
}

func runResume(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("resume", "resume RUN_DIR",
		"  cnnscope resume runs/20261127-101500\n", stderr)
	err := parseFlags(fs, args)
	if err == nil && fs.NArg() != 1 {
		err = usagef("want one run directory, got %d arguments", fs.NArg())
	}
	if err == nil {
		dir := fs.Arg(0)
		var spec *train.Spec
		spec, err = train.LoadSpec(filepath.Join(dir, train.SpecFile))
		if err == nil {
			err = runSpec(spec, dir, true, stdout)
		} else {
			err = usageError{err.Error() + " (is it a run directory?)"}
		}
	}
	return exitCode(stderr, "resume", err)
}
