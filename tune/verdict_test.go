package tune

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cnnscope/cnnscope/diagnose"
	"github.com/cnnscope/cnnscope/spec"
)

// The best trial is the lowest val_loss, which says nothing of whether it
// learns: a stranger's 4-trial study on a 4-class folder ranked first a
// trial at validation accuracy 0.333 (chance 0.308), whose own diagnosis
// was "not learning", and wrote best.yaml with no word of it (every
// trial's verdict was "not learning"). The table and best.yaml now say
// the best trial's verdict when it is not learning or inconclusive; a
// learning one adds nothing to the table.
func TestBestTrialNotLearningIsSaid(t *testing.T) {
	s := newTestStudy(t, t.TempDir(), "asha", 2, 1)
	base := baseSpec(t)
	base.Fit.Epochs = 9
	for i, tr := range s.Trials {
		tr.Status = Completed
		tr.ValLoss, tr.ValAccuracy = []float64{1.39, 1.37 + float64(i)/10}, []float64{0.3, 0.333}
	}
	writeVerdict(t, s.RunDir(s.Trials[0].ID), diagnose.NotLearning, "Not learning: validation accuracy 0.333 is not clearly above chance (0.308) after 3 epoch(s)")
	if err := s.WriteResults(base); err != nil {
		t.Fatal(err)
	}
	var table strings.Builder
	s.WriteTable(&table)
	b, err := os.ReadFile(filepath.Join(s.Dir(), BestFile))
	if err != nil {
		t.Fatal(err)
	}
	for name, text := range map[string]string{"table": table.String(), BestFile: string(b)} {
		if !strings.Contains(text, "not learning") || !strings.Contains(text, "not clearly above chance (0.308)") {
			t.Errorf("%s does not say the best trial is not learning:\n%s", name, text)
		}
	}
	if _, err := spec.Parse(BestFile, bytes.NewReader(b)); err != nil {
		t.Errorf("best.yaml no longer parses: %v", err)
	}

	writeVerdict(t, s.RunDir(s.Trials[0].ID), diagnose.LearningEffectively, "Training loss went from 1.39 to 0.1")
	table.Reset()
	s.WriteTable(&table)
	if strings.Contains(table.String(), "verdict") || strings.Contains(table.String(), "diagnosis") {
		t.Errorf("a learning best trial's table mentions its verdict:\n%s", table.String())
	}
}

func writeVerdict(t *testing.T, dir string, v diagnose.Verdict, summary string) {
	t.Helper()
	b, err := json.Marshal(diagnose.Diagnosis{Verdict: v, Summary: summary})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, diagnose.DiagnosisFile), b, 0o644); err != nil {
		t.Fatal(err)
	}
}
