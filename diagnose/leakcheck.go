package diagnose

import (
	"github.com/cnnscope/cnnscope/data"
	"github.com/cnnscope/cnnscope/train"
)

// Near copies are confirmed pixel by pixel in absolute terms before they
// count as leakage: data.Inspect's near duplicates (similar difference
// hashes, relative L1 within 5%) include different photos of similar
// scenes (measured on a user's folder: mean difference 7/255, largest
// 126-173). A copy, re-encoded or slightly resized, differs from its
// original by at most nearMeanDiff gray levels on average, with at most
// nearOutliers of its values more than nearOutlierDiff levels apart.
const (
	nearMeanDiff    = 4.0
	nearOutlierDiff = 32
	nearOutliers    = 0.01
)

// sameImage reports whether two images of the same size are copies by
// that rule.
func sameImage(a, b []uint8) bool {
	if len(a) != len(b) || len(a) == 0 {
		return false
	}
	sum, far := 0, 0
	for i := range a {
		d := int(a[i]) - int(b[i])
		if d < 0 {
			d = -d
		}
		sum += d
		if d > nearOutlierDiff {
			far++
		}
	}
	n := float64(len(a))
	return float64(sum)/n <= nearMeanDiff && float64(far)/n <= nearOutliers
}

// confirmNear recounts the near copies of training images in the
// validation and test splits, keeping the groups whose members pass
// sameImage against a training member. It returns the confirmed counts
// and the confirmed groups.
func confirmNear(p *train.Prepared, groups []data.DupGroup) (val, test int, kept []data.DupGroup) {
	img := func(m data.DupMember) []uint8 {
		if m.Set == "test" && p.Test != nil {
			return p.Test.Image(m.Index)
		}
		return p.Train.Image(m.Index)
	}
	for _, g := range groups {
		if g.Kind != "near" {
			kept = append(kept, g)
			continue
		}
		var trainM []data.DupMember
		for _, m := range g.Members {
			if m.Set == "train" {
				trainM = append(trainM, m)
			}
		}
		hit := map[string]bool{}
		for _, m := range g.Members {
			if m.Set == "train" || hit[m.Set] {
				continue
			}
			for _, t := range trainM {
				if sameImage(img(t), img(m)) {
					hit[m.Set] = true
					break
				}
			}
		}
		if hit["validation"] {
			val++
		}
		if hit["test"] {
			test++
		}
		if len(hit) > 0 {
			kept = append(kept, g)
		}
	}
	return val, test, kept
}
