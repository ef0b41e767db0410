package diagnose

import (
	"fmt"
	"strings"
)

// Leakage thresholds: validation (or test) images that copy a training
// image, exactly or nearly (data.Inspect's difference hashes, confirmed
// pixel by pixel). Exact copies in 1% or more of the split, or copies of
// either kind in 5% or more, are a warning: the split's accuracy is
// inflated by memorized images. Any exact copy, or near copies in 2% or
// more, is info. (Our measurement: MNIST's own splits have no exact copies
// and 0.1-1% near copies, mostly plain "1"s drawn alike.)
const (
	leakExact = 0.01
	leakAny   = 0.05
	leakInfo  = 0.02
)

func detectLeakage(s *Signals) *Finding {
	d := s.Facts.Data
	if d == nil || d.Dup == nil {
		return nil
	}
	dp := d.Dup
	type split struct {
		name        string
		n, ex, near int
	}
	var worst *split
	share, sev := 0.0, Severity("")
	for _, sp := range []split{{"validation", dp.Val, dp.ExactVal, dp.NearVal}, {"test", dp.Test, dp.ExactTest, dp.NearTest}} {
		if sp.n == 0 {
			continue
		}
		r, ex := float64(sp.ex+sp.near)/float64(sp.n), float64(sp.ex)/float64(sp.n)
		level := Severity("")
		switch {
		case ex >= leakExact || r >= leakAny:
			level = Warning
		case sp.ex > 0 || r >= leakInfo:
			level = Info
		}
		if level != "" && (rank(level) > rank(sev) || level == sev && r > share) {
			sp := sp
			worst, share, sev = &sp, r, level
		}
	}
	if worst == nil {
		return nil
	}
	f := &Finding{Severity: sev}
	f.Title = fmt.Sprintf("Train/%s leakage: %s of %s images copy training images", worst.name, pct(share), worst.name)
	f.Evidence = []Evidence{evm("duplicate_share", share, leakAny, "%d exact and %d near copies of training images among %d %s images",
		worst.ex, worst.near, worst.n, worst.name)}
	for _, e := range dp.Examples {
		if strings.HasSuffix(e, "("+worst.name+")") {
			f.Evidence = append(f.Evidence, ev(e))
		}
	}
	f.Causes = []string{"the same image (or a resized/re-encoded copy) is in more than one split"}
	f.Fixes = []string{"remove the duplicates (listed by " + inspectCmd(s) + ") before splitting",
		fmt.Sprintf("treat %s accuracy as optimistic until then", worst.name)}
	return f
}
