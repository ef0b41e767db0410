package data

import (
	"fmt"
	"strings"
)

// resolveShape fills in the target size and channels from the options or,
// where they are automatic, from the probed images.
func resolveShape(ds *Dataset, opts FolderOptions, cands []candidate) error {
	sizes := map[[2]int]int{}
	var order [][2]int
	ok, gray := 0, 0
	for _, c := range cands {
		if c.err != nil {
			continue
		}
		ok++
		s := [2]int{c.orig.Height, c.orig.Width}
		if sizes[s] == 0 {
			order = append(order, s)
		}
		sizes[s]++
		if c.orig.Mode == string(Grayscale) {
			gray++
		}
	}
	if ok == 0 {
		return ErrNoImages
	}
	ds.Height, ds.Width = opts.Height, opts.Width
	if ds.Height == 0 {
		best := commonSize(ds, sizes, order, ok)
		ds.Height, ds.Width = best[0], best[1]
	}
	mode := opts.ColorMode
	if mode == Auto {
		mode = autoMode(ds, gray, ok)
	}
	ds.Channels = mode.Channels()
	return nil
}

// commonSize picks the most common image size, the larger on a tie (it
// keeps the most detail), and notes the choice when sizes differ.
func commonSize(ds *Dataset, sizes map[[2]int]int, order [][2]int, all int) [2]int {
	best := order[0]
	var tied [][2]int
	for _, s := range order[1:] {
		switch n := sizes[s]; {
		case n > sizes[best]:
			best, tied = s, nil
		case n == sizes[best]:
			tied = append(tied, s)
			if s[0]*s[1] > best[0]*best[1] {
				best = s
			}
		}
	}
	if len(order) == 1 {
		return best
	}
	hw := func(s [2]int) string { return fmt.Sprintf("%dx%d", s[0], s[1]) }
	if len(tied) == 0 {
		ds.Notes = append(ds.Notes, fmt.Sprintf("image size %s (height x width), the most common of %d sizes (%d of %d images): the others are resized to it (--target-size H,W chooses another)",
			hw(best), len(order), sizes[best], all))
		return best
	}
	names := []string{}
	for _, s := range order {
		if sizes[s] == sizes[best] {
			names = append(names, hw(s))
		}
	}
	ds.Notes = append(ds.Notes, fmt.Sprintf("image size %s (height x width): sizes %s tie as the most common of %d sizes (%d of %d images each); the largest was chosen, the others are resized to it (--target-size H,W chooses another)",
		hw(best), strings.Join(names, ", "), len(order), sizes[best], all))
	return best
}

// autoMode picks the color mode of most images (RGB on a tie) and notes
// the choice when the images disagree.
func autoMode(ds *Dataset, gray, all int) ColorMode {
	switch {
	case gray == all:
		return Grayscale
	case gray == 0:
		return RGB
	case gray > all-gray:
		ds.Notes = append(ds.Notes, fmt.Sprintf("color mode grayscale, as %d of %d images: the %d color image(s) are converted to gray (--color-mode rgb keeps color)", gray, all, all-gray))
		return Grayscale
	}
	ds.Notes = append(ds.Notes, fmt.Sprintf("color mode rgb, as %d of %d images: the %d grayscale image(s) are converted to rgb (--color-mode grayscale makes all gray)", all-gray, all, gray))
	return RGB
}
