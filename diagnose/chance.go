package diagnose

import (
	"fmt"
	"math"
)

// Chance: is a model's accuracy clearly above what a constant guess gets?
// The guess is the better of 1/C and the largest class's share (of the
// training split or of the judged split, whichever is larger); "clearly"
// means the lower end of the Wilson score interval (95%) of the accuracy
// on the judged split's n images is above it. With few images the
// interval is wide: 1 validation image can never show learning, 30 of a
// 95:5 set cannot either (a perfect score's lower bound is 0.89).
//
// The judged split is the validation split; without one, the training-set
// evaluation in inference mode that the monitor runs at epoch ends (see
// trainEval).
const wilsonZ = 1.96

// WilsonInterval is the Wilson score interval (95%) of a proportion p
// observed on n trials ([0, 1] when n is 0).
func WilsonInterval(p float64, n int) (lo, hi float64) {
	if n <= 0 {
		return 0, 1
	}
	fn, z2 := float64(n), wilsonZ*wilsonZ
	centre := p + z2/(2*fn)
	half := wilsonZ * math.Sqrt(p*(1-p)/fn+z2/(4*fn*fn))
	return max((centre-half)/(1+z2/fn), 0), min((centre+half)/(1+z2/fn), 1)
}

// AccuracyInterval is the 95% confidence interval of an accuracy acc
// measured on n images that the chance rules judge by: the Wilson score
// interval on exactSamples images or more, the exact (Clopper-Pearson)
// binomial interval on fewer, where the Wilson interval's normal
// approximation is loose at the extremes (one image right of one: Wilson
// 0.21..1, exact 0.025..1).
func AccuracyInterval(acc float64, n int) (lo, hi float64) {
	if n >= exactSamples || n <= 0 {
		return WilsonInterval(acc, n)
	}
	return ExactInterval(int(math.Round(acc*float64(n))), n)
}

// AboveChance reports whether an accuracy on n images is clearly above
// chance: the lower end of its AccuracyInterval is above it. However few
// the images, a decisive interval is evidence enough (18 of 18 right on 4
// classes: exact lower bound 0.81); too few to be decisive are not.
func AboveChance(acc float64, n int, chance float64) bool {
	lo, _ := AccuracyInterval(acc, n)
	return n > 0 && lo > chance
}

// ClearlyAbove reports whether accuracy a (on na images) is clearly above
// b (on nb): the difference exceeds 1.96 standard errors of the two
// proportions' difference.
func ClearlyAbove(a float64, na int, b float64, nb int) bool {
	if na <= 0 || nb <= 0 || !finite(a) {
		return false
	}
	if !finite(b) {
		return true
	}
	se := math.Sqrt(a*(1-a)/float64(na) + b*(1-b)/float64(nb))
	return a-b > wilsonZ*max(se, 1/float64(min(na, nb)))
}

// Judgement is the chance check of a run's latest evaluation.
type Judgement struct {
	Split    string  // "validation" or "training set (inference mode)"
	Epoch    int     // 1-based epoch of the evaluation
	Accuracy float64 // on N images
	N        int
	Chance   float64
	// Prior is Chance without the judged split's own largest-class share
	// (the training split's and 1/C).
	Prior float64
	// Lower and Upper: the 95% interval of Accuracy (AccuracyInterval).
	Lower, Upper float64
	// Balanced is the mean per-class recall (a constant guess gets 1/K
	// for K classes present), BalancedLower its 95% lower bound.
	Balanced, BalancedLower float64
	// Classes is the number of classes present in the evaluation (K).
	Classes int
	// Above: Lower > Chance. CanTell: even a perfect score on N images
	// would be clearly above chance (otherwise nothing can be concluded).
	// Separates: BalancedLower > 1/K: the model tells the classes apart,
	// whatever its accuracy against the largest class's share (a class-
	// weighted model trades accuracy for minority recall). AtChance: the
	// accuracy itself is at most a quarter of the way from chance to 1
	// and the classes are not told apart: with CanTell and not Above, the
	// run is not learning; between that and Above the evidence is
	// ambiguous (inconclusive). On fewer than exactSamples images AtChance
	// also needs the interval to rule out learning halfway from chance to
	// 1 (its upper end below that): there one image moves the accuracy by
	// 5 points or more, and a middling accuracy is no evidence of chance.
	Above, CanTell, Separates, AtChance bool
	// Imbalanced: Chance is at least imbalancedChance/K (balanced.go).
	// On such a split learning is judged by class too: ByClass, the
	// predictions depend on the true class beyond chance (ClassP, the
	// exact test's p-value, under byClassLevel); ClassPBest is that
	// p-value had every image been right (not under the level: the
	// smallest class has too few images to show anything). Recalls are
	// the per-class recalls with their exact intervals, Minority the
	// smallest class's.
	Imbalanced, ByClass bool
	ClassP, ClassPBest  float64
	Recalls             []ClassRecall
	Minority            ClassRecall
}

// LearnsByClass: accuracy is not clearly above chance, but on an
// imbalanced split the per-class test shows learning. The verdict is then
// "learning with problems", never "learning effectively" (accuracy within
// chance), nor "inconclusive" (balanced.go).
func (j Judgement) LearnsByClass() bool { return !j.Above && j.Imbalanced && j.ByClass }

func (j Judgement) String() string {
	return fmt.Sprintf("%s accuracy %.3f on %d images (95%% lower bound %.3f) vs chance %.3f", j.Split, j.Accuracy, j.N, j.Lower, j.Chance)
}

// judge checks the latest evaluation against chance (ok false: there is
// none).
func (s *Signals) judge() (j Judgement, ok bool) {
	v, split := s.lastEval()
	if v == nil {
		return j, false
	}
	n, correct := 0, 0
	for k, c := range v.Support {
		n += c
		if k < len(v.Correct) {
			correct += v.Correct[k]
		}
	}
	if n == 0 {
		return j, false
	}
	share, _ := majority(v.Support)
	j = Judgement{Split: split, Epoch: v.Epoch, Accuracy: float64(correct) / float64(n), N: n, Prior: s.ChanceAccuracy()}
	if c := s.NumClasses(); c > 0 {
		j.Prior = max(j.Prior, 1/float64(c))
	}
	j.Chance = max(j.Prior, share)
	j.Lower, j.Upper = AccuracyInterval(j.Accuracy, n)
	j.Above = AboveChance(j.Accuracy, n, j.Chance)
	j.CanTell = AboveChance(1, n, j.Chance)
	j.Balanced, j.BalancedLower, j.Separates = balancedAccuracy(v)
	for _, c := range v.Support {
		if c > 0 {
			j.Classes++
		}
	}
	j.AtChance = j.Accuracy <= j.Chance+(1-j.Chance)/4 && (n >= exactSamples || j.Upper < j.Chance+(1-j.Chance)/2) && !j.Separates
	j.Imbalanced = j.Classes >= 2 && j.Chance >= imbalancedChance/float64(max(s.NumClasses(), j.Classes))
	j.ClassP, j.ClassPBest = 1, 1
	if j.Imbalanced { // a balanced split is judged by accuracy alone
		b := judgeByClass(v, s.classNames())
		j.Recalls, j.ClassP, j.ClassPBest = b.recalls, b.p, b.best
		j.ByClass = b.p < byClassLevel
		if b.minor >= 0 {
			j.Minority = b.recalls[b.minor]
		}
	}
	return j, true
}

// classNames are the class names known to the signals (nil: none).
func (s *Signals) classNames() []string {
	if len(s.Classes) > 0 {
		return s.Classes
	}
	if s.Facts.Data != nil {
		return s.Facts.Data.Classes
	}
	return nil
}

// balancedAccuracy is the mean recall over the classes present in an
// evaluation, a lower bound of it (95%, normal approximation with the
// Agresti-Coull adjustment of each class's recall, so that a class of a
// few images all right or all wrong still counts as uncertain) and
// whether that bound is above 1/K, what any constant guess gets. It needs
// exactSamples images in all.
func balancedAccuracy(v *ValFacts) (mean, lower float64, separates bool) {
	k, n, variance := 0, 0, 0.0
	for c, sup := range v.Support {
		if sup <= 0 || c >= len(v.Correct) {
			continue
		}
		k++
		n += sup
		mean += float64(v.Correct[c]) / float64(sup)
		adj := (float64(v.Correct[c]) + 2) / float64(sup+4)
		variance += adj * (1 - adj) / float64(sup+4)
	}
	if k < 2 {
		return 0, 0, false
	}
	mean /= float64(k)
	lower = mean - wilsonZ*math.Sqrt(variance)/float64(k)
	return mean, lower, n >= exactSamples && lower > 1/float64(k)
}

// lastEval is the latest per-class evaluation: validation's, else the
// training-set evaluation's (nil: none).
func (s *Signals) lastEval() (*ValFacts, string) {
	if v := s.restoredEval(); v != nil {
		return v, fmt.Sprintf("validation (epoch %d, whose weights early stopping restores)", v.Epoch)
	}
	if n := len(s.Facts.Val); n > 0 {
		return &s.Facts.Val[n-1], "validation"
	}
	if n := len(s.Facts.TrainEval); n > 0 {
		return &s.Facts.TrainEval[n-1], "training set (inference mode)"
	}
	return nil, ""
}

// Too little evidence: fewer optimizer steps than minJudgeSteps cannot
// show learning whatever the accuracy. An evaluation split is judged by
// its interval alone (AccuracyInterval): on fewer than exactSamples
// images by the exact binomial interval (one image right of 10 classes
// has a Wilson lower bound of 0.21, "above" chance 0.1, but an exact one
// of 0.025), so a split is too small exactly when even a perfect score
// would not be clearly above chance (3 images of 6 classes: 0.29 vs a
// largest-class share of 1/3 or more). Per-class recall (balancedAccuracy,
// a normal approximation) still needs exactSamples images in all.
const (
	minJudgeSteps = 10
	exactSamples  = 20
)

// detectInconclusive says when a finished run cannot be judged: too few
// steps, no evaluation, or an evaluation split so small that even a
// perfect score would not be clearly above chance. It only speaks at the
// end of a run (Signals.Final: live at its end, or a finished run read
// back from its files): while a run goes on, more evidence is coming.
func detectInconclusive(s *Signals) *Finding {
	if !s.Final {
		return nil
	}
	steps := s.Steps()
	j, ok := s.judge()
	f := &Finding{Severity: Warning, Title: "Inconclusive: too little evidence to tell learning from chance"}
	more := []string{valSplitFix(s), "add more images per class", epochsFix(s, 2)}
	switch {
	case steps < minJudgeSteps && steps > 0:
		f.Evidence = append(f.Evidence, evm("steps", float64(steps), minJudgeSteps, "only %d optimizer step(s): at least %d are needed to judge", steps, minJudgeSteps))
		longer := epochsFix(s, max(2, (minJudgeSteps+steps-1)/max(steps, 1)))
		more = []string{longer, "add more images per class"}
		if ok && !j.CanTell { // more steps alone would end inconclusive again
			f.Evidence = append(f.Evidence, evm("eval_samples", float64(j.N), math.NaN(), "%s", j.tooFew()))
			more = splitFixes(s, append(byClassEvidence(s, f, j), valSplitFix(s)), longer)
		}
	case !ok:
		f.Evidence = append(f.Evidence, ev("no validation split and no evaluation of the training set"))
	case j.LearnsByClass():
		return nil // learning by class: detectLearnsByClass speaks
	case !j.CanTell:
		f.Evidence = append(f.Evidence, evm("eval_samples", float64(j.N), math.NaN(), "%s", j.tooFew()))
		more = splitFixes(s, append(byClassEvidence(s, f, j), valSplitFix(s)), epochsFix(s, 2))
	case !j.Above && !j.AtChance:
		f.Evidence = append(f.Evidence, ev(j.ambiguous()))
		if !j.Separates {
			more = append(byClassEvidence(s, f, j), more...)
		} else {
			f.Evidence = append(f.Evidence, ev(fmt.Sprintf("per-class recall shows the classes are told apart (balanced accuracy %.3f, 95%% lower bound %.3f, vs %.3f for a constant guess), but accuracy is not yet clearly better than always answering the largest class", j.Balanced, j.BalancedLower, 1/float64(j.Classes))))
			more = []string{"judge the model by per-class recall or macro F1 as well as accuracy", epochsFix(s, 2), "add more images per class"}
			if s.balancedObjective() {
				weightedLearns(f)
			}
		}
	default:
		return nil
	}
	if ok {
		f.Evidence = append(f.Evidence, ev(j.String()))
	}
	f.Causes = []string{"too few validation images or training steps to measure learning"}
	f.Fixes = nonEmpty(more...)
	return f
}

// splitFixes are the fixes of a validation split too small to tell:
// splitFix's, checked against the run's images, when it knows them (else
// the split fixes given), more images, then the other fix. On imbalanced
// training data, where no split shows learning by accuracy, the given
// fixes stay.
func splitFixes(s *Signals, given []string, other string) []string {
	fix, f, ok := splitFix(s)
	more := f == 0
	if !ok || (more && s.ChanceAccuracy() >= imbalancedChance/float64(max(s.NumClasses(), 1))) {
		// (on imbalanced data a larger split of the smallest class can still
		// show learning by class: balanced.go)
		return append(given, "add more images per class", other)
	}
	if more {
		return []string{fix, other}
	}
	return []string{fix, "add more images per class", other}
}

// weightedLearns turns an inconclusive finding into information when the
// run's class weights or resampling balance the classes (weights.go): the
// loss they define is judged by balanced accuracy, and the model clearly
// beats a constant guess's 1/K on it; accuracy against the largest class's
// share is what the weights trade away, not a sign that nothing was
// learned. The verdict stays inconclusive on accuracy.
func weightedLearns(f *Finding) {
	f.Severity = Info
	f.Title = "Accuracy is not clearly above always answering the largest class, but the class-weighted model tells the classes apart"
	f.Evidence = append(f.Evidence, ev("class weights or resampling balance the classes in the loss: its objective is per-class recall (balanced accuracy), which is clearly above a constant guess's"))
}

// ambiguous says why an accuracy neither clearly above chance nor at it
// is no verdict: above chance but not clearly, or not above it on too few
// images to rule learning out.
func (j Judgement) ambiguous() string {
	if j.Accuracy > j.Chance {
		return fmt.Sprintf("%s accuracy %.3f is above chance %.3f, but not clearly on %d images", j.Split, j.Accuracy, j.Chance, j.N)
	}
	return fmt.Sprintf("%s accuracy %.3f is not above chance %.3f, but %d images cannot rule out learning either (95%% interval %.3f-%.3f)", j.Split, j.Accuracy, j.Chance, j.N, j.Lower, j.Upper)
}

// tooFew says why an evaluation of N images cannot show learning: so few
// that even a perfect score would not be clearly above chance.
func (j Judgement) tooFew() string {
	held := ""
	if j.Chance > j.Prior {
		held = fmt.Sprintf(", %s of them of one class", pct(j.Chance))
	}
	lo, _ := AccuracyInterval(1, j.N)
	return fmt.Sprintf("only %d %s image(s)%s: even a perfect score (95%% lower bound %.3f) would not be clearly above chance %.3f; one image more or less moves the accuracy by %s",
		j.N, j.Split, held, lo, j.Chance, pct(1/float64(max(j.N, 1))))
}

// ExactInterval is the exact (Clopper-Pearson) 95% interval of k
// successes in n trials: the proportions whose binomial tail probability
// of k or more (lower end), or of k or fewer (upper end), is 2.5%.
func ExactInterval(k, n int) (lo, hi float64) {
	if n <= 0 {
		return 0, 1
	}
	k = min(max(k, 0), n)
	lo, hi = 0, 1
	if k > 0 {
		lo = bisect(func(p float64) bool { return binomTailAtLeast(k, n, p) < 0.025 })
	}
	if k < n {
		hi = bisect(func(p float64) bool { return 1-binomTailAtLeast(k+1, n, p) > 0.025 })
	}
	return lo, hi
}

// bisect finds the boundary in [0, 1] where below(p) turns false (below
// is true at small p and false at large p).
func bisect(below func(p float64) bool) float64 {
	a, b := 0.0, 1.0
	for range 60 {
		if m := (a + b) / 2; below(m) {
			a = m
		} else {
			b = m
		}
	}
	return (a + b) / 2
}

// binomTailAtLeast is P(X >= k) for X ~ Binomial(n, p).
func binomTailAtLeast(k, n int, p float64) float64 {
	if k <= 0 {
		return 1
	}
	if p <= 0 {
		return 0
	}
	if p >= 1 {
		return 1
	}
	sum := 0.0
	for i := k; i <= n; i++ {
		sum += math.Exp(logChoose(n, i) + float64(i)*math.Log(p) + float64(n-i)*math.Log1p(-p))
	}
	return min(sum, 1)
}
