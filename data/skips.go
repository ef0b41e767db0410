package data

import (
	"cmp"
	"fmt"
	"io"
	"maps"
	"regexp"
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

// emptyClassWarnings warns about class folders without image files: one
// warning each when there are a few, one warning naming the first three
// and the count when there are more (a folder of other files, such as
// /usr/share/doc, would otherwise print a line per sub-folder).
func emptyClassWarnings(classes []string, folders []string, counts []int, given bool) []string {
	why, whyEach := "the model gets an output for a class it never sees", "the model gets an output for each class it never sees"
	if given { // the classes are a model's or a training set's: a test set lacks some
		why, whyEach = "its precision and recall are not measured", "their precision and recall are not measured"
	}
	var empty []int
	for i, n := range counts {
		if n == 0 {
			empty = append(empty, i)
		}
	}
	if len(empty) <= 3 {
		var out []string
		for _, i := range empty {
			out = append(out, fmt.Sprintf("class %q (folder %s) has no image files: %s", classes[i], folders[i], why))
		}
		return out
	}
	names := make([]string, 0, 3)
	for _, i := range empty[:3] {
		names = append(names, fmt.Sprintf("%q", classes[i]))
	}
	return []string{fmt.Sprintf("%d of %d class folders have no image files (%s and %d more): %s",
		len(empty), len(classes), strings.Join(names, ", "), len(empty)-3, whyEach)}
}

// SkipKinds counts skipped files by kind, most common first: "not an
// image file" (with its commonest extensions), "unreadable", a decoder's
// complaint, ... as one phrase, e.g. `not an image file: 5974 (.gz 4211,
// no extension 1190, .html 112, ...); unreadable: 3`.
func SkipKinds(skipped []Skipped) string {
	kinds, exts := map[string]int{}, map[string]int{}
	for _, s := range skipped {
		k := skipKind(s.Reason)
		kinds[k]++
		if ext, ok := strings.CutPrefix(s.Reason, "not an image file (extension "); ok {
			ext = strings.Trim(strings.TrimSuffix(ext, ")"), `"`)
			exts[cmp.Or(ext, "no extension")]++
		}
	}
	var parts []string
	for _, k := range byCount(kinds) {
		p := fmt.Sprintf("%s: %d", k, kinds[k])
		if k == notImage && len(exts) > 0 {
			var es []string
			for i, e := range byCount(exts) {
				if i == 3 {
					es = append(es, "...")
					break
				}
				es = append(es, fmt.Sprintf("%s %d", e, exts[e]))
			}
			p += " (" + strings.Join(es, ", ") + ")"
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, "; ")
}

const notImage = "not an image file"

var digitRuns = regexp.MustCompile(`[0-9]+`)

// skipKind is a skip reason without its particulars: the text before its
// first ':', '(' or ',', numbers as N ("image of NxN pixels"), at most 60
// bytes.
func skipKind(reason string) string {
	k := reason
	if i := strings.IndexAny(k, ":(,"); i > 0 {
		k = strings.TrimSpace(k[:i])
	}
	k = digitRuns.ReplaceAllString(k, "N")
	if len(k) > 60 {
		k = k[:60] + "…"
	}
	return k
}

// byCount returns the keys of m, most frequent first, then by name.
func byCount(m map[string]int) []string {
	keys := slices.Collect(maps.Keys(m))
	slices.SortFunc(keys, func(a, b string) int { return cmp.Or(cmp.Compare(m[b], m[a]), strings.Compare(a, b)) })
	return keys
}

// SkippedShown is how many skipped files a summary lists by name (the
// console's, run.json's, the report's); `cnnscope data inspect` lists all.
const SkippedShown = 5

// WriteSkipped prints a summary of the files a folder load skipped:
// their count by kind, the first few paths, and where the rest are; with
// images (the images loaded) fewer than the files skipped, it asks
// whether source is an image folder at all.
func WriteSkipped(w io.Writer, source string, skipped []Skipped, images int) {
	if len(skipped) == 0 {
		return
	}
	fmt.Fprintf(w, "Skipped %d file(s): %s\n", len(skipped), SkipKinds(skipped))
	for i, s := range skipped {
		if i == SkippedShown {
			fmt.Fprintf(w, "  ... and %d more: cnnscope data inspect %s lists them all; --strict fails on them\n", len(skipped)-SkippedShown, source)
			break
		}
		fmt.Fprintf(w, "  %s: %s\n", s.Path, s.Reason)
	}
	if len(skipped) > 10 && len(skipped) > images {
		fmt.Fprintf(w, "Warning: %d of %d files are images: is %s an image folder (<class>/<image files>)?\n", images, images+len(skipped), source)
	}
}
