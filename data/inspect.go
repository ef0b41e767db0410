package data

import (
	"fmt"
	"math"
	"slices"
)

// InspectSet is one split to inspect: the samples at Indices (all of Data
// when nil), called Name ("train", "validation", "test").
type InspectSet struct {
	Name    string
	Data    *Dataset
	Indices []int
}

// InspectOptions tunes Inspect; the zero value uses the defaults.
type InspectOptions struct {
	// NearDistance is the largest Hamming distance between two 64-bit
	// difference hashes that makes two images near-duplicate candidates
	// (default 4; negative turns near-duplicate detection off).
	NearDistance int
	// NearTolerance confirms a candidate: the relative L1 distance of
	// the two images, each less its mean, sum|a-b| / (sum|a| + sum|b|),
	// must be at most this (default 0.05: on MNIST that is two strokes
	// drawn almost pixel for pixel alike).
	NearTolerance float64
	// MaxGroups is how many duplicate groups the report lists (default
	// 20); all are counted.
	MaxGroups int
}

// Report is what Inspect finds: one SetReport per split and the duplicates
// within and across them. It marshals to JSON as is.
type Report struct {
	Sets       []SetReport     `json:"sets"`
	Duplicates DuplicateReport `json:"duplicates"`
}

// SetReport describes one split.
type SetReport struct {
	Name     string `json:"name"`
	Images   int    `json:"images"`
	Height   int    `json:"height"`
	Width    int    `json:"width"`
	Channels int    `json:"channels"`
	// Classes lists every class with its count, in class index order.
	Classes        []ClassCount `json:"classes"`
	EmptyClasses   []string     `json:"empty_classes,omitempty"`
	ImbalanceRatio float64      `json:"imbalance_ratio"`
	// SourceSizes and SourceModes count the files' sizes ("28x28", width
	// first) and modes before decoding; Formats their encodings.
	SourceSizes map[string]int `json:"source_sizes,omitempty"`
	SourceModes map[string]int `json:"source_modes,omitempty"`
	Formats     map[string]int `json:"formats,omitempty"`
	// Pixels are statistics of the stored 0..255 values, per channel.
	Pixels PixelStats `json:"pixels"`
	// Skipped and Warnings come from loading the set's dataset (reported
	// with the first set that uses it).
	Skipped  []Skipped `json:"skipped,omitempty"`
	Warnings []string  `json:"warnings,omitempty"`
	Notes    []string  `json:"notes,omitempty"`
}

// ClassCount is one class's share of a split.
type ClassCount struct {
	Index int    `json:"index"`
	Name  string `json:"name"`
	Count int    `json:"count"`
}

// PixelStats holds per-channel statistics of pixel values (0..255).
type PixelStats struct {
	Mean []float64 `json:"mean"`
	Std  []float64 `json:"std"`
	Min  []int     `json:"min"`
	Max  []int     `json:"max"`
}

// DuplicateReport counts duplicate images. Each count is a number of
// images that repeat an earlier one: within a split, or in a later split
// (e.g. test) of an image in an earlier one (e.g. train), keyed
// "train", "train/test" and so on.
type DuplicateReport struct {
	Exact map[string]int `json:"exact"`
	Near  map[string]int `json:"near"`
	// ConflictingLabels counts duplicate groups whose members disagree
	// on the label.
	ConflictingLabels int `json:"conflicting_labels"`
	// NearDistance and NearTolerance are the thresholds used
	// (NearDistance -1: near duplicates not sought).
	NearDistance  int     `json:"near_distance"`
	NearTolerance float64 `json:"near_tolerance"`
	// NearTruncated counts entries of crowded hash buckets (over 256
	// images sharing a hash band: near-blank images, mostly) that were
	// not compared within that bucket; some near duplicates among them
	// may be missed.
	NearTruncated int        `json:"near_truncated,omitempty"`
	Groups        []DupGroup `json:"groups,omitempty"`
	TotalGroups   int        `json:"total_groups"`
}

// DupGroup is a set of images that are copies (exact) or near copies of
// one another.
type DupGroup struct {
	Kind    string      `json:"kind"` // "exact" or "near"
	Members []DupMember `json:"members"`
}

// DupMember is one image of a duplicate group.
type DupMember struct {
	Set    string `json:"set"`
	Index  int    `json:"index"`
	Source string `json:"source"`
	Class  string `json:"class"`
}

// Inspect describes the splits and finds duplicates within and across
// them. The sets must share image size and channels to be compared for
// duplicates; sets that do not are only described.
func Inspect(sets []InspectSet, opts InspectOptions) *Report {
	if opts.NearDistance == 0 {
		opts.NearDistance = 4
	}
	if opts.NearTolerance == 0 {
		opts.NearTolerance = 0.05
	}
	if opts.MaxGroups == 0 {
		opts.MaxGroups = 20
	}
	r := &Report{}
	reported := map[*Dataset]bool{}
	var items []item
	for si, s := range sets {
		idx := s.Indices
		if idx == nil {
			idx = make([]int, s.Data.Len())
			for i := range idx {
				idx[i] = i
			}
		}
		sr := describe(s.Name, s.Data, idx)
		if !reported[s.Data] {
			reported[s.Data] = true
			sr.Skipped, sr.Warnings, sr.Notes = s.Data.Skipped, s.Data.Warnings, s.Data.Notes
		}
		r.Sets = append(r.Sets, sr)
		d0 := sets[0].Data
		if s.Data.Height != d0.Height || s.Data.Width != d0.Width || s.Data.Channels != d0.Channels {
			continue
		}
		for _, i := range idx {
			items = append(items, item{set: si, index: i, img: s.Data.Image(i), label: s.Data.Labels[i]})
		}
	}
	r.Duplicates = duplicates(sets, items, opts)
	return r
}

// describe computes one split's counts and pixel statistics.
func describe(name string, ds *Dataset, idx []int) SetReport {
	sr := SetReport{Name: name, Images: len(idx), Height: ds.Height, Width: ds.Width, Channels: ds.Channels}
	counts := CountClasses(ds.Labels, idx, ds.NumClasses())
	for k, n := range counts {
		sr.Classes = append(sr.Classes, ClassCount{k, ds.Classes[k], n})
		if n == 0 {
			sr.EmptyClasses = append(sr.EmptyClasses, ds.Classes[k])
		}
	}
	sr.ImbalanceRatio = ImbalanceRatio(counts)
	if ds.Originals != nil {
		sr.SourceSizes, sr.SourceModes, sr.Formats = map[string]int{}, map[string]int{}, map[string]int{}
		for _, i := range idx {
			o := ds.Originals[i]
			sr.SourceSizes[fmt.Sprintf("%dx%d", o.Width, o.Height)]++
			sr.SourceModes[o.Mode]++
			sr.Formats[o.Format]++
		}
	}
	c := ds.Channels
	hist := make([][256]int64, c)
	for _, i := range idx {
		img := ds.Image(i)
		if c == 1 {
			h := &hist[0]
			for _, v := range img {
				h[v]++
			}
			continue
		}
		for j, v := range img {
			hist[j%c][v]++
		}
	}
	for k := range c {
		var n, s, s2 float64
		lo, hi := -1, -1
		for v, cnt := range hist[k] {
			if cnt == 0 {
				continue
			}
			if lo < 0 {
				lo = v
			}
			hi = v
			f := float64(cnt)
			n += f
			s += f * float64(v)
			s2 += f * float64(v) * float64(v)
		}
		mean, std := 0.0, 0.0
		if n > 0 {
			mean = s / n
			std = math.Sqrt(max(0, s2/n-mean*mean))
		}
		sr.Pixels.Mean = append(sr.Pixels.Mean, mean)
		sr.Pixels.Std = append(sr.Pixels.Std, std)
		sr.Pixels.Min = append(sr.Pixels.Min, max(lo, 0))
		sr.Pixels.Max = append(sr.Pixels.Max, max(hi, 0))
	}
	return sr
}

// duplicates finds exact groups, then near groups among one
// representative per exact group.
func duplicates(sets []InspectSet, items []item, opts InspectOptions) DuplicateReport {
	dr := DuplicateReport{Exact: map[string]int{}, Near: map[string]int{}, NearDistance: opts.NearDistance, NearTolerance: opts.NearTolerance}
	if opts.NearDistance < 0 {
		dr.NearDistance = -1
	}
	t := dupTally{sets: sets, items: items, maxGroups: opts.MaxGroups, dr: &dr}
	exact := exactGroups(items)
	rep := make([]bool, len(items)) // representative of its exact group, or unique
	for i := range rep {
		rep[i] = true
	}
	for _, g := range exact {
		slices.SortFunc(g, func(a, b int) int { return items[a].set - items[b].set })
		t.add("exact", g, dr.Exact)
		for _, m := range g[1:] {
			rep[m] = false
		}
	}
	if opts.NearDistance >= 0 && len(items) > 0 {
		near, trunc := nearGroups(sets, items, rep, opts)
		dr.NearTruncated = trunc
		for _, g := range near {
			t.add("near", g, dr.Near)
		}
	}
	return dr
}

// dupTally counts duplicate groups into a report, keeping the first
// maxGroups of them with their members.
type dupTally struct {
	sets      []InspectSet
	items     []item
	maxGroups int
	dr        *DuplicateReport
}

// add counts one group (items' indices, sorted by set) of a kind into
// the per-set counts into.
func (t *dupTally) add(kind string, members []int, into map[string]int) {
	items, sets := t.items, t.sets
	// Each member after the first of its set-pair repeats an earlier
	// image: count it against the earliest set holding a copy.
	first := items[members[0]].set
	seenSet := map[int]bool{}
	conflict := false
	for n, m := range members {
		s := items[m].set
		if items[m].label != items[members[0]].label {
			conflict = true
		}
		switch {
		case n == 0:
		case s == first || seenSet[s]:
			into[sets[s].Name]++
		default:
			into[sets[first].Name+"/"+sets[s].Name]++
		}
		seenSet[s] = true
	}
	if conflict {
		t.dr.ConflictingLabels++
	}
	t.dr.TotalGroups++
	if len(t.dr.Groups) < t.maxGroups {
		g := DupGroup{Kind: kind}
		for _, m := range members {
			it := items[m]
			ds := sets[it.set].Data
			g.Members = append(g.Members, DupMember{sets[it.set].Name, it.index, DisplayPath(ds.Sources[it.index]), ds.Classes[it.label]})
		}
		t.dr.Groups = append(t.dr.Groups, g)
	}
}

// nearGroups groups the representatives (rep) whose difference hashes
// are within opts.NearDistance and whose pixels are within
// opts.NearTolerance, each group sorted by set; truncated counts the
// entries of crowded hash buckets that were not compared
// (DuplicateReport.NearTruncated).
func nearGroups(sets []InspectSet, items []item, rep []bool, opts InspectOptions) (groups [][]int, truncated int) {
	var ids []int
	var hashes []uint64
	var thumbs [][]float32
	ds := sets[items[0].set].Data
	for i, it := range items {
		if rep[i] {
			ids = append(ids, i)
			hashes = append(hashes, dHash(it.img, ds.Height, ds.Width, ds.Channels))
			thumbs = append(thumbs, thumbnail(it.img, ds.Height, ds.Width, ds.Channels))
		}
	}
	// Thumbnails reject most candidates cheaply; survivors are compared
	// pixel by pixel.
	confirm := func(i, j int) bool {
		return thumbDistance(thumbs[i], thumbs[j]) <= 2*opts.NearTolerance &&
			pixelDistance(items[ids[i]].img, items[ids[j]].img) <= opts.NearTolerance
	}
	pairs, truncated := nearPairs(hashes, opts.NearDistance, 256, confirm)
	uf := newUnionFind(len(ids))
	for _, p := range pairs {
		uf.join(p[0], p[1])
	}
	byRoot := map[int][]int{}
	var roots []int
	for k := range ids {
		root := uf.find(k)
		if byRoot[root] == nil {
			roots = append(roots, root)
		}
		byRoot[root] = append(byRoot[root], ids[k])
	}
	for _, root := range roots {
		if g := byRoot[root]; len(g) > 1 {
			slices.SortStableFunc(g, func(a, b int) int { return items[a].set - items[b].set })
			groups = append(groups, g)
		}
	}
	return groups, truncated
}
