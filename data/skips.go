package data

import (
	"fmt"
	"slices"
	"strings"
)

// collectSkips merges the walk's skips with the candidates that failed,
// sorted by path.
func collectSkips(name string, walked []Skipped, cands []candidate) []Skipped {
	out := slices.Clone(walked)
	for _, c := range cands {
		if c.err != nil {
			out = append(out, Skipped{Path: DisplayPath(joinSource(name, c.path)), Reason: c.err.Error()})
		}
	}
	slices.SortStableFunc(out, func(a, b Skipped) int { return strings.Compare(a.Path, b.Path) })
	return out
}

func countSkips(walked []Skipped, cands []candidate) int {
	n := len(walked)
	for _, c := range cands {
		if c.err != nil {
			n++
		}
	}
	return n
}

// strictCheck fails a strict load on any non-benign skip or warning; the
// error lists every one of them, one per line.
func strictCheck(name string, strict bool, skipped []Skipped, warnings []string) error {
	if !strict {
		return nil
	}
	var lines []string
	for _, s := range skipped {
		if !s.Benign {
			lines = append(lines, s.Path+": "+s.Reason)
		}
	}
	lines = append(lines, warnings...)
	switch len(lines) {
	case 0:
		return nil
	case 1:
		return fmt.Errorf("image folder %s (strict): %s", DisplayPath(name), lines[0])
	}
	return fmt.Errorf("image folder %s (strict): %d problems:\n  %s", DisplayPath(name), len(lines), strings.Join(lines, "\n  "))
}

// warnUnreadClasses warns about each class whose folder has image files
// none of which could be read (a class without files was warned about by
// the walk).
func warnUnreadClasses(ds *Dataset, cands []candidate) {
	files := make([]int, len(ds.Classes))
	for _, c := range cands {
		files[c.label]++
	}
	loaded := CountClasses(ds.Labels, nil, len(ds.Classes))
	for k, n := range files {
		if n > 0 && loaded[k] == 0 {
			ds.Warnings = append(ds.Warnings, fmt.Sprintf("class %q: none of its %d image files could be read: the model gets an output for a class it never sees", ds.Classes[k], n))
		}
	}
}
