package data

import (
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strings"
	"text/tabwriter"
)

// WriteText prints the report as tables for a terminal.
func (r *Report) WriteText(w io.Writer) error {
	ew := &errWriter{w: w}
	for _, s := range r.Sets {
		ew.printf("== %s: %d images, stored as %dx%dx%d (height x width x channels)\n", s.Name, s.Images, s.Height, s.Width, s.Channels)
		counts := make([]int, len(s.Classes))
		names := make([]string, len(s.Classes))
		for i, c := range s.Classes {
			counts[i], names[i] = c.Count, c.Name
		}
		if ew.err == nil {
			ew.err = WriteCountTable(ew.w, names, counts, nil)
		}
		if len(s.EmptyClasses) > 0 {
			ew.printf("empty classes: %s\n", strings.Join(s.EmptyClasses, ", "))
		}
		if len(s.SourceSizes) > 0 {
			ew.printf("file sizes (WxH): %s\n", sizeList(s.SourceSizes))
			ew.printf("file modes: %s%s\n", countList(s.SourceModes), modesConverted(s.SourceModes, s.Channels))
			ew.printf("file formats: %s\n", countList(s.Formats))
		}
		for k := range s.Pixels.Mean {
			ew.printf("pixels, channel %d: mean %.2f  std %.2f  min %d  max %d\n", k, s.Pixels.Mean[k], s.Pixels.Std[k], s.Pixels.Min[k], s.Pixels.Max[k])
		}
		for _, n := range s.Notes {
			ew.printf("note: %s\n", n)
		}
		for _, wn := range s.Warnings {
			ew.printf("warning: %s\n", wn)
		}
		if len(s.Skipped) > 0 {
			ew.printf("skipped %d files:\n", len(s.Skipped))
			for _, sk := range s.Skipped {
				ew.printf("  %s: %s\n", sk.Path, sk.Reason)
			}
		}
		ew.printf("\n")
	}
	d := r.Duplicates
	ew.printf("== duplicates (images repeating an earlier one)\n")
	tw := tabwriter.NewWriter(ew, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "where\texact\tnear\t")
	keys := slices.Sorted(maps.Keys(d.Exact))
	for k := range d.Near {
		if _, ok := d.Exact[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		fmt.Fprintf(tw, "%s\t%d\t%d\t\n", k, d.Exact[k], d.Near[k])
	}
	if len(keys) == 0 {
		fmt.Fprintln(tw, "(none)\t0\t0\t")
	}
	tw.Flush()
	if d.NearDistance < 0 {
		ew.printf("near duplicates not sought\n")
	} else {
		ew.printf("near: difference hashes at most %d bits apart and pixels within %.2f (relative L1)", d.NearDistance, d.NearTolerance)
		if d.NearTruncated > 0 {
			ew.printf("; %d entries of crowded hash buckets not compared (some near duplicates may be missed)", d.NearTruncated)
		}
		ew.printf("\n")
	}
	ew.printf("groups whose labels disagree: %d\n", d.ConflictingLabels)
	for i, g := range d.Groups {
		ew.printf("group %d (%s):\n", i+1, g.Kind)
		for _, m := range g.Members {
			ew.printf("  %-10s %-12s %s\n", m.Set, m.Class, m.Source)
		}
	}
	if d.TotalGroups > len(d.Groups) {
		ew.printf("... and %d more groups\n", d.TotalGroups-len(d.Groups))
	}
	return ew.err
}

func countList(m map[string]int) string {
	keys := slices.Sorted(maps.Keys(m))
	slices.SortStableFunc(keys, func(a, b string) int { return m[b] - m[a] })
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s: %d", k, m[k])
	}
	return strings.Join(parts, ", ")
}

// sizeListMax is how many file sizes the text report names; the rest are
// counted, with the range of all widths and heights (the JSON has them all).
const sizeListMax = 10

// sizeList is countList of "WxH" sizes, the sizeListMax most common named:
// a folder of photos, nearly each its own size, would print hundreds.
func sizeList(m map[string]int) string {
	if len(m) <= sizeListMax {
		return countList(m)
	}
	keys := slices.Sorted(maps.Keys(m))
	slices.SortStableFunc(keys, func(a, b string) int { return m[b] - m[a] })
	parts := make([]string, sizeListMax)
	for i, k := range keys[:sizeListMax] {
		parts[i] = fmt.Sprintf("%s: %d", k, m[k])
	}
	rest, images, each := keys[sizeListMax:], 0, m[keys[sizeListMax]]
	for _, k := range rest {
		images += m[k]
		if m[k] != each {
			each = 0
		}
	}
	more := fmt.Sprintf("and %d more sizes (%d images)", len(rest), images)
	if each == 1 {
		more = fmt.Sprintf("and %d more sizes of 1 image each", len(rest))
	} else if each > 1 {
		more = fmt.Sprintf("and %d more sizes of %d images each", len(rest), each)
	}
	w0, w1, h0, h1 := math.MaxInt, 0, math.MaxInt, 0
	for k := range m {
		var w, h int
		if _, err := fmt.Sscanf(k, "%dx%d", &w, &h); err == nil {
			w0, w1, h0, h1 = min(w0, w), max(w1, w), min(h0, h), max(h1, h)
		}
	}
	if w1 > 0 {
		more += fmt.Sprintf("; all sizes: widths %d-%d, heights %d-%d", w0, w1, h0, h1)
	}
	return strings.Join(parts, ", ") + ", " + more
}

// modesConverted says how files of another mode than the stored one
// (channels: 1 grayscale, 3 rgb, 4 rgba) were converted: " (stored as
// rgb: rgba's alpha channel dropped, grayscale copied into 3 channels)";
// "" when every file has the stored mode.
func modesConverted(modes map[string]int, channels int) string {
	stored := map[int]ColorMode{1: Grayscale, 3: RGB, 4: RGBA}[channels]
	how := map[ColorMode]map[ColorMode]string{
		Grayscale: {RGB: "rgb converted to gray", RGBA: "rgba's alpha channel dropped, colors converted to gray"},
		RGB:       {Grayscale: "grayscale copied into 3 channels", RGBA: "rgba's alpha channel dropped, colors kept as stored"},
		RGBA:      {Grayscale: "grayscale copied into 3 channels with an opaque alpha", RGB: "rgb given an opaque alpha"},
	}[stored]
	var parts []string
	for _, m := range []ColorMode{RGBA, RGB, Grayscale} {
		if modes[string(m)] > 0 && how[m] != "" {
			parts = append(parts, how[m])
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return fmt.Sprintf(" (stored as %s: %s)", stored, strings.Join(parts, ", "))
}

// errWriter keeps the first write error and drops later writes.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}

func (e *errWriter) printf(format string, args ...any) { fmt.Fprintf(e, format, args...) }
