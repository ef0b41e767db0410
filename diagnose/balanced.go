package diagnose

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
)

// Learning on an imbalanced split. Accuracy's chance is the largest
// class's share: on a 150:10 set that is 0.94, and no validation split of
// a few dozen images can show an accuracy clearly above it (32 images all
// right: Wilson lower bound 0.89), whatever the model learned. There,
// learning shows in per-class recall: a model that finds the minority
// images without mistaking the others predicts each class more often
// where it is the true one than a guess independent of the image would.
//
// The test (byClassTest): for each class, its recall given how many
// images the model predicted as it, against the hypergeometric law of a
// guess independent of the image (Fisher's exact test, one-sided); over K
// classes, the smallest p times K (Bonferroni; one test for two classes,
// whose two tables are the same). Clearly above chance: p < 0.025, the
// accuracy rule's one-sided level. A model that always answers the
// majority predicts no other class: p = 1. Balanced accuracy (mean
// per-class recall; a constant guess gets 1/K) is what the verdict names,
// with each class's recall and its 95% interval by the split's count of
// that class (exact under exactSamples images): "how sure" on a split
// with few minority images.
//
// The split is imbalanced when its chance is at least imbalancedChance
// times 1/K; on a balanced split accuracy already is per-class recall,
// and a second test would only add false alarms.
const (
	imbalancedChance = 1.5
	byClassLevel     = 0.025
)

// ClassRecall is one class's recall on the judged split, with its 95%
// interval (AccuracyInterval: exact, Clopper-Pearson, under exactSamples
// images of the class, where it matters; Wilson's on more).
type ClassRecall struct {
	Class        string
	Right, N     int
	Lower, Upper float64
}

func (c ClassRecall) String() string {
	return fmt.Sprintf("%s %d/%d (95%% interval %.2f-%.2f)", c.Class, c.Right, c.N, c.Lower, c.Upper)
}

// byClass is the per-class judgement of an evaluation.
type byClass struct {
	recalls []ClassRecall // classes present, in class order
	minor   int           // index in recalls of the smallest class (-1: none)
	p       float64       // the test's p-value
	best    float64       // its p-value had every image been right
}

// judgeByClass tests an evaluation's predictions against a guess
// independent of the image; names are the class names (may be short).
func judgeByClass(v *ValFacts, names []string) byClass {
	b := byClass{minor: -1, p: 1, best: 1}
	n := 0
	for _, c := range v.Support {
		n += max(c, 0)
	}
	for c, sup := range v.Support {
		if sup <= 0 || c >= len(v.Correct) || c >= len(v.Pred) {
			continue
		}
		name := fmt.Sprintf("class %d", c)
		if c < len(names) {
			name = fmt.Sprintf("%q", names[c])
		}
		r := ClassRecall{Class: name, Right: v.Correct[c], N: sup}
		r.Lower, r.Upper = AccuracyInterval(float64(r.Right)/float64(sup), sup)
		if b.minor < 0 || sup < b.recalls[b.minor].N {
			b.minor = len(b.recalls)
		}
		b.recalls = append(b.recalls, r)
		b.p = min(b.p, hypergeomTailAtLeast(v.Correct[c], n, sup, v.Pred[c]))
	}
	k := len(b.recalls)
	if k < 2 {
		return byClass{minor: -1, p: 1, best: 1}
	}
	if m := b.recalls[b.minor]; m.N > 0 {
		b.best = hypergeomTailAtLeast(m.N, n, m.N, m.N)
	}
	if k > 2 {
		b.p, b.best = min(b.p*float64(k), 1), min(b.best*float64(k), 1)
	}
	return b
}

// hypergeomTailAtLeast is P(X >= x) for X the successes among n draws
// without replacement from N items of which k are successes.
func hypergeomTailAtLeast(x, N, k, n int) float64 {
	if x <= 0 {
		return 1
	}
	if n <= 0 || k <= 0 || N <= 0 || x > min(k, n) {
		return 0
	}
	total, sum := logChoose(N, n), 0.0
	for i := x; i <= min(k, n); i++ {
		if n-i > N-k {
			continue
		}
		sum += math.Exp(logChoose(k, i) + logChoose(N-k, n-i) - total)
	}
	return min(sum, 1)
}

// logChoose is ln C(n, k) (0 <= k <= n).
func logChoose(n, k int) float64 {
	ln, _ := math.Lgamma(float64(n + 1))
	lk, _ := math.Lgamma(float64(k + 1))
	lnk, _ := math.Lgamma(float64(n - k + 1))
	return ln - lk - lnk
}

// balancedText says how the per-class measure judged the split: balanced
// accuracy, each class's recall with its interval, and the test.
func (j Judgement) balancedText() string {
	var parts []string
	for _, r := range j.listedRecalls() {
		parts = append(parts, r.String())
	}
	if n := len(j.Recalls) - len(parts); n > 0 {
		parts = append(parts, fmt.Sprintf("%d more", n))
	}
	verb := "depend"
	if !j.ByClass {
		verb = "do not clearly depend"
	}
	return fmt.Sprintf("balanced accuracy %.3f on %d %s images (a constant guess gets %.3f); recall per class: %s; the predictions %s on the true class (exact test, p = %.2g)",
		j.Balanced, j.N, j.Split, 1/float64(max(j.Classes, 1)), strings.Join(parts, ", "), verb, j.ClassP)
}

// minorityTooFew says why the smallest class's images cannot show
// learning: even all right, with no other image predicted as it, the
// test would not be clearly above chance.
func (j Judgement) minorityTooFew() string {
	m := j.Minority
	return fmt.Sprintf("only %d %s image(s) of %s, the smallest class: even all of them found (and no other image predicted as it) would not be clearly above chance (p = %.2g); its recall %d/%d has the 95%% interval %.2f-%.2f",
		m.N, j.Split, m.Class, j.ClassPBest, m.Right, m.N, m.Lower, m.Upper)
}

// byClassSummary is the verdict's sentence for a run that learns by
// class: the measure used, and the accuracy it is not yet clear on
// (worded so that an accuracy of 1.000 on a few images does not read as
// below a chance of 0.909: a stranger took it for a contradiction).
func (j Judgement) byClassSummary() string {
	return fmt.Sprintf("%s; %s accuracy %.3f on %d images cannot yet be told apart from always answering the largest class (%.3f): its 95%% lower bound %.3f is not above it",
		j.balancedText(), j.Split, j.Accuracy, j.N, j.Chance, j.Lower)
}

// byClassEvidence adds to an inconclusive finding on an imbalanced split
// what per-class recall says: the smallest class has too few images to
// show learning (how sure the finding is), or the test and its numbers.
// It returns the fixes that follow: more validation images of the
// smallest class (none on a balanced split).
func byClassEvidence(s *Signals, f *Finding, j Judgement) []string {
	if !j.Imbalanced || len(j.Recalls) < 2 {
		return nil
	}
	if j.ClassPBest >= byClassLevel {
		f.Evidence = append(f.Evidence, ev(j.minorityTooFew()))
		return []string{minorityValFix(s, j.Minority.Class)}
	}
	f.Evidence = append(f.Evidence, ev("per class: "+j.balancedText()))
	return []string{minorityValFix(s, j.Minority.Class)}
}

// detectLearnsByClass speaks at the end of a run whose accuracy is not
// clearly above chance on an imbalanced split while per-class recall shows
// learning (Judgement.LearnsByClass): information, not a problem of the
// model (class weights trade accuracy for minority recall by design); the
// verdict is "learning with problems" and says which measure it used.
func detectLearnsByClass(s *Signals) *Finding {
	if !s.Final {
		return nil
	}
	j, ok := s.judge()
	if !ok || !j.LearnsByClass() || s.Steps() < minJudgeSteps {
		return nil
	}
	f := &Finding{Severity: Info, Title: fmt.Sprintf("Learning shows in per-class recall (balanced accuracy %.3f), not yet in accuracy: the largest class is %s of the %s images", j.Balanced, pct(j.Chance), j.Split)}
	f.Evidence = []Evidence{evm("balanced_accuracy", j.Balanced, 1/float64(max(j.Classes, 1)), "%s", j.balancedText()),
		evm("accuracy", j.Accuracy, j.Chance, "%s", j.String())}
	f.Causes = []string{"an imbalanced split: always answering the largest class already scores its share, and the few images of the other classes move the accuracy too little to tell"}
	f.Fixes = []string{fmt.Sprintf("judge the model by per-class recall or macro F1 (%s), as well as accuracy", runCmd(s, "evaluate")),
		minorityValFix(s, j.Minority.Class)}
	if !s.balancedObjective() {
		f.Fixes = append(f.Fixes, balancedFix)
	}
	return f
}

// minorityValFix asks for more validation images of the smallest class: a
// larger split (stratified: it keeps each class's share) up to 0.3, then
// more images of that class.
func minorityValFix(s *Signals, class string) string {
	cur := 0.1
	if s.Spec != nil && s.Spec.Data.ValidationSplit != nil {
		cur = *s.Spec.Data.ValidationSplit
	}
	for _, next := range []float64{0.2, 0.3} {
		if cur < next {
			return fmt.Sprintf("validate on more images of %s: data.validation_split: %g (--val-split %g) holds out that share of each class; or add images of that class", class, next, next)
		}
	}
	return fmt.Sprintf("add images of %s: the validation split already holds out %s of each class", class, pct(cur))
}

// listedRecalls are the recalls a sentence lists: all of up to four
// classes; of more, the smallest class and the lowest recalls (four in
// all), in class order.
func (j Judgement) listedRecalls() []ClassRecall {
	if len(j.Recalls) <= 4 {
		return j.Recalls
	}
	order := make([]int, len(j.Recalls))
	for i := range order {
		order[i] = i
	}
	rate := func(r ClassRecall) float64 { return float64(r.Right) / float64(max(r.N, 1)) }
	slices.SortStableFunc(order, func(a, b int) int {
		ra, rb := j.Recalls[a], j.Recalls[b]
		if (ra == j.Minority) != (rb == j.Minority) {
			if ra == j.Minority {
				return -1
			}
			return 1
		}
		return cmp.Compare(rate(ra), rate(rb))
	})
	keep := order[:4]
	slices.Sort(keep)
	out := make([]ClassRecall, len(keep))
	for i, k := range keep {
		out[i] = j.Recalls[k]
	}
	return out
}
