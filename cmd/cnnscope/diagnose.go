package main

import (
	"io"

	"github.com/cnnscope/cnnscope/diagnose"
)

func init() {
	commands["diagnose"] = command{summary: "is a run learning effectively? findings, causes and fixes from its files", run: runDiagnose}
}

const diagnoseExamples = `  cnnscope diagnose runs/20261127-101500
  cnnscope diagnose --json runs/fashion > diagnosis.json
`

// runDiagnose analyzes a finished or running run from its directory. The
// exit code is 0 whatever the verdict: the diagnosis is the output.
func runDiagnose(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("diagnose", "diagnose [--json] RUN_DIR", diagnoseExamples, stderr)
	asJSON := fs.Bool("json", false, "print the diagnosis as JSON (diagnosis.json's format)")
	err := parseFlags(fs, args)
	if err == nil && fs.NArg() != 1 {
		err = usagef("want one run directory, got %d arguments", fs.NArg())
	}
	if err == nil {
		var d *diagnose.Diagnosis
		if d, err = diagnose.DiagnoseRun(fs.Arg(0)); err == nil {
			if *asJSON {
				err = d.WriteJSON(stdout)
			} else {
				d.WriteText(stdout)
			}
		}
	}
	return exitCode(stderr, "diagnose", err)
}
