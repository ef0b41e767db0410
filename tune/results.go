package tune

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/cnnscope/cnnscope/diagnose"
	"github.com/cnnscope/cnnscope/internal/atomicfile"
	"github.com/cnnscope/cnnscope/spec"
)

// Best is the trial's lowest validation loss and the accuracy of that
// epoch; ok is false without a finite one.
func (t *Trial) Best() (loss, acc float64, ok bool) {
	loss = worst
	for i, v := range t.ValLoss {
		if v < loss {
			loss, acc, ok = v, t.ValAccuracy[i], true
		}
	}
	return loss, acc, ok
}

// paths are the parameters' dotted paths, sorted.
func (s *Study) paths() []string {
	set := map[string]bool{}
	for _, t := range s.Trials {
		for p := range t.Params {
			set[p] = true
		}
	}
	var ps []string
	for p := range set {
		ps = append(ps, p)
	}
	sort.Strings(ps)
	return ps
}

func formatValue(v any) string {
	if f, ok := v.(float64); ok {
		return strconv.FormatFloat(f, 'g', 6, 64)
	}
	return fmt.Sprint(v)
}

func paramString(p map[string]any) string {
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteString(" ")
		}
		fmt.Fprintf(&b, "%s=%s", k, formatValue(p[k]))
	}
	return b.String()
}

// TimingColumns are trials.csv's columns that depend on timing, not on
// the study's seed: the seconds, and the steps a run reached, which for
// a trial pruned at a rung include those it ran until its process
// stopped. The rest of trials.csv is the same for a seed, however the
// tuner was stopped and resumed.
var TimingColumns = []string{"seconds", "steps", "epochs_trained"}

// WriteCSV writes trials.csv: one row per trial with its parameters,
// status, reason, epochs run (history rows taken in), best val_loss and
// val_accuracy, seconds, then the steps its run reached, its steps per
// epoch and epochs_trained = steps / steps per epoch (partial epochs
// counted; empty where the run did not say).
func (s *Study) WriteCSV(w io.Writer) error {
	paths := s.paths()
	cw := csv.NewWriter(w)
	cw.Write(append(append([]string{"trial", "bracket"}, paths...), "status", "reason", "epochs", "best_val_loss", "best_val_accuracy", "seconds", "steps", "steps_per_epoch", "epochs_trained"))
	for _, t := range s.Trials {
		row := []string{strconv.Itoa(t.ID), strconv.Itoa(t.Bracket)}
		for _, p := range paths {
			row = append(row, formatValue(t.Params[p]))
		}
		loss, acc, ok := t.Best()
		ls, as := "", ""
		if ok {
			ls, as = strconv.FormatFloat(loss, 'g', -1, 64), strconv.FormatFloat(acc, 'g', -1, 64)
		}
		row = append(row, t.Status, t.Reason, strconv.Itoa(len(t.ValLoss)), ls, as, strconv.FormatFloat(t.Seconds, 'f', 1, 64))
		steps, per, trained := "", "", ""
		if t.StepsPerEpoch > 0 {
			steps, per = strconv.Itoa(t.Steps), strconv.Itoa(t.StepsPerEpoch)
			trained = strconv.FormatFloat(float64(t.Steps)/float64(t.StepsPerEpoch), 'f', 4, 64)
		}
		cw.Write(append(row, steps, per, trained))
	}
	cw.Flush()
	return cw.Error()
}

// BestTrial is the completed trial (else any trial) with the lowest
// validation loss; nil when no trial has one.
func (s *Study) BestTrial() *Trial {
	var best *Trial
	bestLoss, bestDone := worst, false
	for _, t := range s.Trials {
		loss, _, ok := t.Best()
		if !ok {
			continue
		}
		done := t.Status == Completed
		if best == nil || (done && !bestDone) || (done == bestDone && loss < bestLoss) {
			best, bestLoss, bestDone = t, loss, done
		}
	}
	return best
}

// WriteResults writes trials.csv, study.html and best.yaml (the best
// trial's complete spec) into the study directory.
func (s *Study) WriteResults(base *spec.Spec) error {
	err := atomicfile.WriteFile(filepath.Join(s.dir, TrialsCSV), s.WriteCSV, 0o644)
	if err != nil {
		return err
	}
	if err := atomicfile.WriteFile(filepath.Join(s.dir, HTMLFile), s.WriteHTML, 0o644); err != nil {
		return err
	}
	t := s.BestTrial()
	if t == nil {
		return nil
	}
	spec, err := Apply(base, t.Params)
	if err != nil {
		return err
	}
	b, err := spec.Marshal()
	if err != nil {
		return err
	}
	head := fmt.Sprintf("# best trial %d of study %s (%s): cnnscope train --spec best.yaml\n", t.ID, s.dir, paramString(t.Params))
	if note := s.bestNote(t); note != "" {
		head += "# " + note + "\n"
	}
	return atomicfile.WriteFile(filepath.Join(s.dir, BestFile), func(w io.Writer) error {
		_, err := io.WriteString(w, head+string(b))
		return err
	}, 0o644)
}

// WriteTable prints the trials ranked: completed by val_loss, then pruned, then failed.
func (s *Study) WriteTable(w io.Writer) {
	ts := s.ranked()
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "trial\tstatus\tepochs\tval_loss\tval_acc\tseconds\tparameters\treason")
	for _, t := range ts {
		loss, acc, ok := t.Best()
		ls, as := "-", "-"
		if ok {
			ls, as = fmt.Sprintf("%.4f", loss), fmt.Sprintf("%.4f", acc)
		}
		fmt.Fprintf(tw, "%d\t%s\t%d\t%s\t%s\t%.0f\t%s\t%s\n", t.ID, t.Status, len(t.ValLoss), ls, as, t.Seconds, paramString(t.Params), t.Reason)
	}
	tw.Flush()
	if best := s.BestTrial(); best != nil {
		if note := s.bestNote(best); note != "" {
			fmt.Fprintf(w, "\nNote: %s\n", note)
		}
	}
}

// bestNote says when the best trial's own diagnosis (its run's
// diagnosis.json) does not find it learning: the lowest val_loss of a
// study is no evidence that its settings work. "" when the verdict is
// learning (with or without problems) or unknown.
func (s *Study) bestNote(t *Trial) string {
	dir := s.RunDir(t.ID)
	b, err := os.ReadFile(filepath.Join(dir, diagnose.DiagnosisFile))
	if err != nil {
		return ""
	}
	var d diagnose.Diagnosis
	if json.Unmarshal(b, &d) != nil || (d.Verdict != diagnose.NotLearning && d.Verdict != diagnose.Inconclusive) {
		return ""
	}
	return fmt.Sprintf("the best trial (%d) is %s by its own diagnosis: %s; its settings are the study's lowest val_loss, not a model shown to learn (cnnscope diagnose %s)",
		t.ID, d.Verdict, strings.TrimSuffix(strings.Join(strings.Fields(d.Summary), " "), "."), dir)
}

// writeSpecs writes each trial's spec file (trials/007.yaml) that does
// not exist yet.
func (s *Study) writeSpecs(base *spec.Spec) error {
	if err := os.MkdirAll(filepath.Join(s.dir, TrialsDir), 0o755); err != nil {
		return err
	}
	for _, t := range s.Trials {
		if t.Params == nil { // a TPE trial not drawn yet
			continue
		}
		if err := s.writeSpec(base, t, false); err != nil {
			return err
		}
	}
	return nil
}

// writeSpec writes trial t's spec file, unless it exists and !replace.
func (s *Study) writeSpec(base *spec.Spec, t *Trial, replace bool) error {
	path := s.RunDir(t.ID) + ".yaml"
	if _, err := os.Stat(path); err == nil && !replace {
		return nil
	}
	spec, err := Apply(base, t.Params)
	if err != nil {
		return fmt.Errorf("trial %d: %v", t.ID, err)
	}
	trialLogDir(spec, t.ID)
	if len(s.inEpochRungs(t.Bracket)) > 0 && (spec.Fit.MetricsEvery == 0 || spec.Fit.MetricsEvery > inEpochMetricsEvery) {
		spec.Fit.MetricsEvery = inEpochMetricsEvery // the values at rungs inside an epoch
	}
	b, err := spec.Marshal()
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(path, func(w io.Writer) error { _, err := w.Write(b); return err }, 0o644)
}

// trialLogDir gives a trial its own TensorBoard folder, LOGDIR/trial-007
// under the base spec's fit.tensorboard.log_dir, so that the trials'
// curves do not mix (TensorBoard shows each folder as a run).
func trialLogDir(sp *spec.Spec, id int) {
	if tb := sp.Fit.TensorBoard; tb != nil && tb.LogDir != "" {
		tb.LogDir = filepath.Join(tb.LogDir, fmt.Sprintf("trial-%03d", id))
	}
}
