package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strings"

	"github.com/cnnscope/cnnscope/data"
	"github.com/cnnscope/cnnscope/diagnose"
	"github.com/cnnscope/cnnscope/spec"
	"github.com/cnnscope/cnnscope/train"
)

func init() {
	commands["doctor"] = command{summary: "try the top finding's fixes in short trainings and show side by side which restored learning", run: runDoctor}
}

const doctorExamples = `  cnnscope doctor runs/20261127-101500          # treat a run's top finding
  cnnscope doctor --data mnist --lr 1.0 --limit 6000   # or settings given as train's flags
  cnnscope doctor --spec my-model.yaml --trial-epochs 3 --json
`

func runDoctor(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("doctor", "doctor RUN_DIR | doctor [train's flags] [--trial-epochs 2] [--max-trial-epochs 50] [--trial-limit N] [--fixes 3] [--out DIR (keeps the trials)] [--json]", doctorExamples, stderr)
	var tf trainFlags
	tf.register(fs)
	var o diagnose.DoctorOptions
	fs.IntVar(&o.Epochs, "trial-epochs", 2, "epochs of each short training (by default at most the spec's; given, that many even past the spec's fit.epochs)")
	fs.IntVar(&o.MaxEpochs, "max-trial-epochs", 50, "most epochs of a fix's training when the fix needs more steps to show (BatchNormalization momentum, train longer); what is capped is said")
	fs.IntVar(&o.Limit, "trial-limit", 0, "training images of each short training (0: the spec's)")
	fs.IntVar(&o.Fixes, "fixes", 3, "how many of the top finding's fixes to try")
	asJSON := fs.Bool("json", false, "print the comparison as JSON")
	addFormat(fs, asJSON)
	err := parseFlags(fs, flagsFirst(fs, args))
	if err == nil && fs.NArg() > 1 {
		err = usagef("want at most one run directory, got %d arguments", fs.NArg())
	}
	if err == nil {
		err = firstBelow(intFlag{"trial-epochs", o.Epochs, 1}, intFlag{"max-trial-epochs", o.MaxEpochs, 1}, intFlag{"fixes", o.Fixes, 1}, intFlag{"trial-limit", o.Limit, 0})
	}
	var s *spec.Spec
	var d *diagnose.Diagnosis
	if err == nil && fs.NArg() == 1 {
		dir := fs.Arg(0)
		fs.Visit(func(f *flag.Flag) {
			if f.Name != "out" && f.Name != "trial-epochs" && f.Name != "max-trial-epochs" && f.Name != "trial-limit" && f.Name != "fixes" && f.Name != "json" && f.Name != "format" && f.Name != "threads" && err == nil {
				err = usagef("--%s: give a run directory or training flags, not both", f.Name)
			}
		})
		if err == nil {
			if s, err = spec.Load(filepath.Join(dir, train.SpecFile)); err != nil {
				err = usagef("%s is not a run directory: %v", dir, err)
			}
		}
		if err == nil {
			d, err = diagnose.DiagnoseRun(dir)
			err = inputError(err)
		}
	} else if err == nil {
		for _, n := range []string{"stop-on", "sanity", "dry-run", "tensorboard"} {
			if f := fs.Lookup(n); f != nil && f.Value.String() != f.DefValue {
				err = usagef("--%s does not apply to doctor", n)
			}
		}
		if err == nil {
			s, err = tf.toSpec(fs)
		}
	}
	if err != nil {
		return exitCode(stderr, "doctor", err)
	}
	o.Dir = tf.out
	if !setFlags(fs, nil)["trial-epochs"] {
		o.Epochs = 0 // 2, at most the spec's
	}
	if !*asJSON {
		o.Progress = stdout
	}
	ctx, stop := interruptContext()
	defer stop()
	defer setThreads(tf.threads)()
	rep, err := diagnose.Doctor(ctx, s, d, o)
	if err != nil {
		return exitCode(stderr, "doctor", err)
	}
	if *asJSON {
		b, err := json.MarshalIndent(rep, "", "  ")
		if err == nil {
			_, err = stdout.Write(append(b, '\n'))
		}
		return exitCode(stderr, "doctor", err)
	}
	writeDoctor(stdout, rep, rerunWithOut(args))
	return 0
}

// writeDoctor prints the treated finding, the trials side by side and
// the recommendation.
func writeDoctor(w io.Writer, rep *diagnose.DoctorReport, rerun string) {
	fmt.Fprintln(w)
	for _, n := range rep.Notes {
		fmt.Fprintf(w, "Note: %s.\n", n)
	}
	if rep.Finding == nil {
		if rep.Baseline.AboveChance || rep.Baseline.ByClass {
			fmt.Fprintf(w, "Nothing to treat: %s (verdict: %s).\n", rep.Baseline.Name, rep.Baseline.Verdict)
		} else {
			fmt.Fprintf(w, "Not learning, and no finding names a cause to treat: %s is not clearly above chance (accuracy %.3f on %d images, chance %.3f; verdict: %s). Check the labels, then try --sanity.\n",
				rep.Baseline.Name, float64(rep.Baseline.ValAccuracy), rep.Baseline.ValSamples, rep.Baseline.Chance, rep.Baseline.Verdict)
		}
		return
	}
	f := rep.Finding
	fmt.Fprintf(w, "Treating %s [%s] (from %s): %s\n", f.Severity, f.ID, rep.From, f.Title)
	if len(rep.Trials) == 0 {
		fmt.Fprintln(w, "None of its fixes can be applied automatically:")
		for _, a := range rep.Advice {
			fmt.Fprintf(w, "  - %s\n", a)
		}
		return
	}
	fmt.Fprintln(w)
	writeColumns(w, doctorRows(f.ID, append([]diagnose.Trial{rep.Baseline}, rep.Trials...)))
	fmt.Fprintln(w)
	writeDoctorEnd(w, rep, rerun)
}

// doctorRows is the side-by-side table of the trials: one column per
// trial, one row per measure.
func doctorRows(findingID string, trials []diagnose.Trial) [][]string {
	num := func(v train.JSONFloat) string {
		if math.IsNaN(float64(v)) {
			return "-"
		}
		return fmt.Sprintf("%.4g", float64(v))
	}
	rows := [][]string{{""}, {"outcome"}, {"verdict"}, {findingID + " raised"}, {"top finding"}, {"loss"}, {"val_loss"}, {"val_accuracy"}, {"epochs"}, {"seconds"}}
	for _, t := range trials {
		present := "no"
		if t.Treated {
			present = "yes"
		}
		top := t.Top
		if top == "" {
			top = "(none)"
		}
		outcome := t.Outcome
		if t.Error != "" {
			outcome += ": " + t.Error
		}
		col := []string{t.Name, outcome, string(t.Verdict), present, top, num(t.Loss), num(t.ValLoss), num(t.ValAccuracy),
			fmt.Sprint(t.Epochs), fmt.Sprintf("%.1f", t.Seconds)}
		for i := range rows {
			rows[i] = append(rows[i], col[i])
		}
	}
	return rows
}

// writeColumns prints rows with every column as wide as its widest cell.
func writeColumns(w io.Writer, rows [][]string) {
	widths := make([]int, len(rows[0]))
	for _, r := range rows {
		for i, c := range r {
			widths[i] = max(widths[i], len(c))
		}
	}
	for _, r := range rows {
		var b strings.Builder
		for i, c := range r {
			fmt.Fprintf(&b, "%-*s  ", widths[i], c)
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	}
}

// writeDoctorEnd prints each trial's fix, what was not tried and the
// recommendation.
func writeDoctorEnd(w io.Writer, rep *diagnose.DoctorReport, rerun string) {
	for _, t := range rep.Trials {
		fmt.Fprintf(w, "%s: %s\n     (%s)\n", t.Name, fixText(t.Fix), t.Edits)
		if t.Length != "" {
			fmt.Fprintf(w, "     trained %s\n", t.Length)
		}
	}

	if len(rep.Untried) > 0 {
		fmt.Fprintf(w, "Not tried (past --fixes %d):\n", len(rep.Trials))
		for _, a := range rep.Untried {
			fmt.Fprintf(w, "  - %s\n", a)
		}
	}
	if len(rep.Advice) > 0 {
		fmt.Fprintln(w, "Not tried (advice, not an automatic change):")
		for _, a := range rep.Advice {
			fmt.Fprintf(w, "  - %s\n", a)
		}
	}
	if rep.Baseline.Outcome == "not reproduced" {
		fmt.Fprintf(w, "Note: the short run as it is does not raise %s; lengthen the trials with --trial-epochs before trusting the comparison.\n", rep.Finding.ID)
	}
	if rep.Best >= 0 {
		t := rep.Trials[rep.Best]
		if t.Outcome == "restored" {
			fmt.Fprintf(w, "Best: %s restored learning: %s\n", t.Name, fixText(t.Fix))
		} else {
			fmt.Fprintf(w, "Best: %s improved learning (verdict: %s, validation accuracy %.3f, clearly above the untreated run): %s\n", t.Name, t.Verdict, float64(t.ValAccuracy), fixText(t.Fix))
		}
		writeFixedSpec(w, t, rep.Best, rerun)
	} else {
		fmt.Fprintln(w, "None of the fixes tried restored learning.")
	}
}

// fixText is a fix's text without a last clause that sends the user to
// `cnnscope doctor`: within doctor's own output it is circular.
func fixText(fix string) string {
	if i := strings.Index(fix, "; `cnnscope doctor"); i >= 0 {
		return fix[:i]
	}
	return fix
}

// writeFixedSpec says where the best trial's settings are: its run
// directory's spec (with --out), or how to rerun doctor to keep them.
func writeFixedSpec(w io.Writer, t diagnose.Trial, best int, rerun string) {
	if t.Dir != "" {
		sp := data.ShellArg(filepath.Join(t.Dir, train.SpecFile))
		fmt.Fprintf(w, "     Its settings are in %s (the trial's, fit.epochs %d: set the length you want), to train in full with `cnnscope train --spec %s --out DIR`.\n", sp, t.Epochs, sp)
		return
	}
	fmt.Fprintf(w, "     Its settings were kept only in a temporary folder, now removed; to keep them rerun `%s` (they will be in DIR/fix-%d/%s).\n", rerun, best+1, train.SpecFile)
}

// rerunWithOut is the doctor command line given, with --out DIR added.
func rerunWithOut(args []string) string {
	words := []string{"cnnscope", "doctor"}
	for _, a := range args {
		words = append(words, data.ShellArg(a))
	}
	return strings.Join(append(words, "--out", "DIR"), " ")
}
