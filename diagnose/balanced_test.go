package diagnose

import (
	"math"
	"strings"
	"testing"

	"github.com/cnnscope/cnnscope/nn"
)

// imbalancedSignals is a healthy run re-labelled as a two-class set of
// 120 "ok" and 8 "defect" training images whose every validation has
// the given per-class counts (index 0: "defect", 1: "ok").
func imbalancedSignals(t *testing.T, support, pred, correct []int) *Signals {
	s := healthySignals(t, 3)
	s.Final = true
	s.Classes = []string{"defect", "ok"}
	s.Facts.Data.Classes, s.Facts.Data.TrainCounts, s.Facts.Data.Imbalance = s.Classes, []int{8, 120}, 15
	acc := float64(correct[0]+correct[1]) / float64(support[0]+support[1])
	for i := range s.Facts.Val {
		s.Facts.Val[i].Support, s.Facts.Val[i].Pred, s.Facts.Val[i].Correct = support, pred, correct
		s.Epochs[i]["val_accuracy"] = acc
	}
	return s
}

// Issue 10, imbalanced sets: a 150:10 set's validation of 32 images can
// never put accuracy clearly above the majority share (0.94); per-class
// recall can. A model that finds both minority images and no other is
// learning by balanced accuracy (the verdict says so, with the recall's
// interval: how sure), not "inconclusive" and never "learning
// effectively"; a model that only answers the majority, or guesses,
// does not pass; one minority image cannot show anything, and the
// finding says so.
func TestImbalancedVerdictByClass(t *testing.T) {
	d := Analyze(imbalancedSignals(t, []int{2, 30}, []int{2, 30}, []int{2, 30}))
	f := find(d, "learns_by_class")
	if d.Verdict != LearningWithProblems || f == nil || f.Severity != Info || find(d, "inconclusive") != nil {
		t.Fatalf("2/2 and 30/30: verdict %q (%s), findings %v", d.Verdict, d.Summary, d.Findings)
	}
	for _, want := range []string{"balanced accuracy 1.000", `"defect" 2/2 (95% interval 0.16-1.00)`, "p = 0.002", "cannot yet be told apart from always answering the largest class (0.938): its 95% lower bound"} {
		if !strings.Contains(d.Summary, want) {
			t.Errorf("summary %q lacks %q", d.Summary, want)
		}
	}
	for _, g := range d.Findings {
		if g.Severity != Info {
			t.Errorf("a healthy imbalanced run got %s %s", g.Severity, g.ID)
		}
	}

	for name, c := range map[string][3][]int{
		"majority only":         {{2, 30}, {0, 32}, {0, 30}},
		"majority only, 75:5":   {{5, 75}, {0, 80}, {0, 75}},
		"guessing, 75:5":        {{5, 75}, {8, 72}, {1, 68}},
		"one hit of four tries": {{5, 75}, {4, 76}, {1, 72}},
	} {
		d := Analyze(imbalancedSignals(t, c[0], c[1], c[2]))
		if d.Verdict == LearningEffectively || d.Verdict == LearningWithProblems || find(d, "learns_by_class") != nil {
			t.Errorf("%s: verdict %q (%s)", name, d.Verdict, d.Summary)
		}
	}

	d = Analyze(imbalancedSignals(t, []int{1, 31}, []int{1, 31}, []int{1, 31}))
	f = find(d, "inconclusive")
	if d.Verdict != Inconclusive || f == nil || len(f.Evidence) < 2 {
		t.Fatalf("one minority image: verdict %q, findings %v", d.Verdict, d.Findings)
	}
	if e := f.Evidence[1].Text; !strings.Contains(e, `only 1 validation image(s) of "defect"`) || !strings.Contains(e, "95% interval 0.02-1.00") {
		t.Errorf("how sure: %q", e)
	}
	if !strings.Contains(f.Fixes[0], `more images of "defect": data.validation_split: 0.2`) {
		t.Errorf("first fix %q", f.Fixes[0])
	}
}

// A balanced split is judged by accuracy alone: per-class recall adds no
// second test (which would only add false "learning" calls).
func TestBalancedSplitNotJudgedByClass(t *testing.T) {
	s := healthySignals(t, 3)
	s.Final = true
	valAt(s, 3, 0.67) // 20 of 30 right over 10 classes: clearly above 0.1
	j, _ := s.judge()
	if j.Imbalanced || j.LearnsByClass() {
		t.Errorf("balanced split: imbalanced %v, learns by class %v", j.Imbalanced, j.LearnsByClass())
	}
}

func TestHypergeomTail(t *testing.T) {
	for _, c := range []struct {
		x, N, k, n int
		want       float64
	}{
		{2, 32, 2, 2, 1.0 / 496},   // both minority images, and only they, predicted as the minority
		{1, 5, 2, 2, 1 - 3.0/10},   // 1 - C(3,2)/C(5,2)
		{0, 10, 3, 4, 1},           // at least none
		{3, 10, 2, 5, 0},           // more hits than minority images
		{2, 80, 5, 2, 10.0 / 3160}, // C(5,2)/C(80,2)
	} {
		if got := hypergeomTailAtLeast(c.x, c.N, c.k, c.n); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("P(X >= %d; N=%d, k=%d, n=%d) = %g, want %g", c.x, c.N, c.k, c.n, got, c.want)
		}
	}
}

// Issue 10: fixes that name a command on the run name its directory
// (quoted when needed), not a literal RUN_DIR.
func TestRunCmdNamesTheRun(t *testing.T) {
	s := healthySignals(t, 1)
	for dir, want := range map[string]string{"runs/r1": "cnnscope doctor runs/r1", "my runs/r1": "cnnscope doctor 'my runs/r1'", "": "cnnscope doctor <run directory>"} {
		s.Dir = dir
		if got := runCmd(s, "doctor"); got != want {
			t.Errorf("dir %q: %q, want %q", dir, got, want)
		}
	}
	s.Dir = "my runs/r1"
	s.Spec.Model.Preset, s.Spec.Model.Layers = "mobilenet-v2-small", nil
	s.Model = &nn.ModelSpec{Layers: []nn.LayerSpec{{Name: "conv2d", Type: "Conv2D"}, {Name: "batch_normalization", Type: "BatchNormalization", Momentum: 0.99}}}
	if fx := bnMomentumFix(s); !strings.Contains(fx, "`cnnscope doctor 'my runs/r1'`") || strings.Contains(fx, "RUN_DIR") {
		t.Errorf("BatchNormalization fix %q", fx)
	}
}

// With more than four classes a sentence lists the smallest class and the
// lowest recalls, four in all, in class order.
func TestListedRecalls(t *testing.T) {
	var j Judgement
	for i, c := range [][2]int{{9, 10}, {2, 10}, {10, 10}, {1, 3}, {8, 10}, {5, 10}} {
		j.Recalls = append(j.Recalls, ClassRecall{Class: string(rune('a' + i)), Right: c[0], N: c[1]})
	}
	j.Minority = j.Recalls[3]
	var got []string
	for _, r := range j.listedRecalls() {
		got = append(got, r.Class)
	}
	if strings.Join(got, "") != "bdef" {
		t.Errorf("listed %v, want b d e f", got)
	}
	if txt := j.balancedText(); !strings.Contains(txt, "2 more") {
		t.Errorf("text %q does not say how many are left out", txt)
	}
}

// An ambiguous accuracy is not called "above chance" when it is not.
func TestAmbiguousText(t *testing.T) {
	j := Judgement{Split: "validation", Accuracy: 0.5, Chance: 0.5, N: 16}
	j.Lower, j.Upper = AccuracyInterval(j.Accuracy, j.N)
	if got := j.ambiguous(); !strings.Contains(got, "0.500 is not above chance 0.500, but 16 images cannot rule out learning") {
		t.Errorf("at chance: %q", got)
	}
	j.Accuracy = 0.6
	if got := j.ambiguous(); !strings.Contains(got, "0.600 is above chance 0.500, but not clearly on 16 images") {
		t.Errorf("above: %q", got)
	}
}
