package diagnose

import (
	"fmt"

	"github.com/cnnscope/cnnscope/data"
)

// splitFix is the fix of a validation split too small to show learning,
// checked against the run's own images: each class's training and
// validation count, split again as data.SplitStratified splits them at
// 0.2 and 0.3. It names the smallest of those larger than the run's split
// whose perfect score would be clearly above chance (the larger of 1/C
// and the largest class's share of either part), or says that none would
// and more images are needed (fraction 0). ok is false when the counts
// are unknown or the judged split is not the validation split.
func splitFix(s *Signals) (fix string, fraction float64, ok bool) {
	v, split := s.lastEval()
	d := s.Facts.Data
	if v == nil || split != "validation" || d == nil || len(d.TrainCounts) == 0 {
		return "", 0, false
	}
	var labels []int32
	for c, n := range d.TrainCounts {
		if c < len(v.Support) {
			n += v.Support[c]
		}
		for range n {
			labels = append(labels, int32(c))
		}
	}
	cur := 0.1
	if s.Spec != nil && s.Spec.Data.ValidationSplit != nil {
		cur = *s.Spec.Data.ValidationSplit
	}
	classes := max(s.NumClasses(), len(d.TrainCounts))
	n, chance := 0, 0.0
	for _, f := range []float64{0.2, 0.3} {
		if f <= cur {
			continue
		}
		n, chance = splitChance(labels, f, classes)
		if AboveChance(1, n, chance) {
			return fmt.Sprintf("use a larger validation split: data.validation_split: %g (--val-split %g) holds out %d of the %d images, enough for a good score to show learning", f, f, n, len(labels)), f, true
		}
	}
	if n == 0 {
		return "", 0, false // the split is already 0.3 or more: the other fixes say more images
	}
	return fmt.Sprintf("add images to every class: even data.validation_split: 0.3 would hold out only %d of these %d images, where a perfect score (95%% lower bound %.3f) would not be clearly above chance %.3f",
		n, len(labels), mustLower(n), chance), 0, true
}

// splitChance splits labels as a run's validation split does and returns
// the validation images' number and the chance level the run would be
// judged against.
func splitChance(labels []int32, fraction float64, classes int) (n int, chance float64) {
	train, val, err := data.SplitStratified(labels, nil, fraction, 0)
	if err != nil || len(val) == 0 {
		return len(val), 1
	}
	tc, vc := make([]int, classes), make([]int, classes)
	for _, i := range train {
		tc[labels[i]]++
	}
	for _, i := range val {
		vc[labels[i]]++
	}
	ts, _ := majority(tc)
	vs, _ := majority(vc)
	return len(val), max(1/float64(classes), ts, vs)
}

// mustLower is a perfect score's 95% lower bound on n images.
func mustLower(n int) float64 {
	lo, _ := AccuracyInterval(1, n)
	return lo
}
