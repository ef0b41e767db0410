package diagnose

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
)

// A healthy run raises nothing at any point: every prefix the live
// monitor analyzes, and the finished run.
func TestHealthyRunHasNoFindingsAtAnyPrefix(t *testing.T) {
	s := healthySignals(t, synthEpochs)
	for step := 0; step <= synthEpochs*synthSPE; step += 5 {
		d := Analyze(prefix(s, step))
		for _, f := range d.Findings {
			t.Errorf("step %d: %s %s: %s", step, f.Severity, f.ID, f.Title)
		}
		if d.Verdict != LearningEffectively {
			t.Fatalf("step %d: verdict %q", step, d.Verdict)
		}
	}
	d := Analyze(s)
	if !strings.Contains(d.Summary, "no problems found") {
		t.Errorf("summary %q", d.Summary)
	}
}

// A cause ranks before the symptoms it explains, is raised to their
// severity, and is listed first among their causes with its fix first.
func TestAnalyzeRanksCausesBeforeSymptoms(t *testing.T) {
	s := healthySignals(t, 1)
	s.Spec.Compile.LearningRate = 1
	setLoss(s, func(st int) float64 {
		if st < 3 {
			return 2.3
		}
		return 14
	}, func(int) float64 { return 0.1 })
	d := Analyze(s)
	if d.Verdict != NotLearning {
		t.Fatalf("verdict %q, want not learning: %+v", d.Verdict, d.Findings)
	}
	if d.Findings[0].ID != "lr_too_high" || d.Findings[0].Severity != Critical {
		t.Fatalf("top finding %s (%s), want lr_too_high raised to critical", d.Findings[0].ID, d.Findings[0].Severity)
	}
	div := find(d, "divergence")
	if div == nil || !strings.Contains(div.Causes[0], "see lr_too_high") || !strings.HasPrefix(div.Fixes[0], "lower compile.learning_rate from 1 to 0.001 (--lr 0.001)") {
		t.Errorf("divergence not linked to its cause: %+v", div)
	}
	for _, c := range div.Causes[1:] {
		if strings.Contains(c, "learning rate") {
			t.Errorf("generic cause %q kept next to the linked one", c)
		}
	}
}

// diagnosis.json never holds NaN (JSON has none) and round-trips.
func TestDiagnosisJSONWithNaN(t *testing.T) {
	s := healthySignals(t, 1)
	setLoss(s, func(st int) float64 {
		if st >= 40 {
			return math.NaN()
		}
		return 2.3
	}, func(int) float64 { return 0.1 })
	d := Analyze(s)
	d.Facts = &s.Facts
	var b strings.Builder
	if err := d.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	var back Diagnosis
	if err := json.Unmarshal([]byte(b.String()), &back); err != nil {
		t.Fatal(err)
	}
	if find(&back, "nan") == nil || back.Facts.Loss.Len() != s.Facts.Loss.Len() || !math.IsNaN(float64(back.Facts.Loss.Loss[60])) {
		t.Errorf("round trip lost the NaN finding or trace: %v", back.Findings)
	}
}

func TestLossTraceHalvesWhenFull(t *testing.T) {
	var tr LossTrace
	for st := 1; st <= 3*maxTracePoints; st++ {
		tr.Add(st, 1, float64(st), 1)
	}
	if tr.Len() >= maxTracePoints || tr.Stride < 2 {
		t.Fatalf("len %d stride %d", tr.Len(), tr.Stride)
	}
	if tr.Step[tr.Len()-1] > 3*maxTracePoints || float64(tr.Max[0]) != float64(tr.Stride) {
		t.Errorf("last step %d, first max %v (stride %d)", tr.Step[tr.Len()-1], tr.Max[0], tr.Stride)
	}
	if l, _, n := tr.window(0, 3*maxTracePoints); n == 0 || math.Abs(l-float64(3*maxTracePoints)/2) > float64(tr.Stride) {
		t.Errorf("mean %v over %d steps", l, n)
	}
}
