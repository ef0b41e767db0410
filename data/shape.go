package data

import (
	"fmt"
	"strings"
)

// shapeCounts are the images' sizes, in first-seen order, and how many
// are grayscale, over the candidates without an error.
type shapeCounts struct {
	sizes     map[[2]int]int
	order     [][2]int
	all, gray int
}

// countShapes counts the candidates without an error by what their probe
// found (probes[i] is cands[i]'s: decoding may refine a mode, as a
// transparent image's to rgba, and the choice was made on the probes).
func countShapes(cands []candidate, probes []Original) shapeCounts {
	s := shapeCounts{sizes: map[[2]int]int{}}
	for i, c := range cands {
		if c.err != nil {
			continue
		}
		s.all++
		hw := [2]int{probes[i].Height, probes[i].Width}
		if s.sizes[hw] == 0 {
			s.order = append(s.order, hw)
		}
		s.sizes[hw]++
		if probes[i].Mode == string(Grayscale) {
			s.gray++
		}
	}
	return s
}

// probedOriginals are what the candidates' probes found, kept before
// decoding replaces them.
func probedOriginals(cands []candidate) []Original {
	o := make([]Original, len(cands))
	for i, c := range cands {
		o[i] = c.orig
	}
	return o
}

// resolveShape fills in the target size and channels from the options or,
// where they are automatic, from the probed images (their headers: the
// pixels are decoded to the chosen shape after).
func resolveShape(ds *Dataset, opts FolderOptions, probed shapeCounts) error {
	if probed.all == 0 {
		return ErrNoImages
	}
	ds.Height, ds.Width = opts.Height, opts.Width
	if ds.Height == 0 {
		best, _ := commonSize(probed)
		ds.Height, ds.Width = best[0], best[1]
	}
	mode := opts.ColorMode
	if mode == Auto {
		mode, _ = autoMode(probed)
	}
	ds.Channels = mode.Channels()
	return nil
}

// noteShape notes the automatic choices resolveShape made, counted over
// the images that loaded. Where images whose header read but whose pixels
// did not would change the choice, the note counts the headers and says
// how many of them could not be decoded.
func noteShape(ds *Dataset, opts FolderOptions, probed, loaded shapeCounts) {
	headers := fmt.Sprintf("; counted by the files' headers: %d of those files could not be decoded", probed.all-loaded.all)
	if opts.Height == 0 {
		best, note := commonSize(loaded)
		if best != [2]int{ds.Height, ds.Width} {
			_, note = commonSize(probed)
			note += headers
		}
		if note != "" {
			ds.Notes = append(ds.Notes, note)
		}
	}
	if opts.ColorMode == Auto {
		mode, note := autoMode(loaded)
		if mode.Channels() != ds.Channels {
			_, note = autoMode(probed)
			note += headers
		}
		if note != "" {
			ds.Notes = append(ds.Notes, note)
		}
	}
}

// commonSize picks the most common image size, the larger on a tie (it
// keeps the most detail), and notes the choice when sizes differ.
func commonSize(s shapeCounts) ([2]int, string) {
	best := s.order[0]
	var tied [][2]int
	for _, hw := range s.order[1:] {
		switch n := s.sizes[hw]; {
		case n > s.sizes[best]:
			best, tied = hw, nil
		case n == s.sizes[best]:
			tied = append(tied, hw)
			if hw[0]*hw[1] > best[0]*best[1] {
				best = hw
			}
		}
	}
	if len(s.order) == 1 {
		return best, ""
	}
	str := func(hw [2]int) string { return fmt.Sprintf("%dx%d", hw[0], hw[1]) }
	if len(tied) == 0 {
		return best, fmt.Sprintf("image size %s (height x width), the most common of %d sizes (%d of %d images): the others are resized to it (--target-size H,W chooses another)",
			str(best), len(s.order), s.sizes[best], s.all)
	}
	names := []string{}
	for _, hw := range s.order {
		if s.sizes[hw] == s.sizes[best] {
			names = append(names, str(hw))
		}
	}
	const named = 5 // a folder of photos may tie thousands of sizes
	if len(names) > named {
		return best, fmt.Sprintf("image size %s (height x width): %d of %d sizes tie as the most common (%d of %d images each), %s and %d more; the largest was chosen, the others are resized to it (--target-size H,W chooses another)",
			str(best), len(names), len(s.order), s.sizes[best], s.all, strings.Join(names[:named], ", "), len(names)-named)
	}
	return best, fmt.Sprintf("image size %s (height x width): sizes %s tie as the most common of %d sizes (%d of %d images each); the largest was chosen, the others are resized to it (--target-size H,W chooses another)",
		str(best), strings.Join(names, ", "), len(s.order), s.sizes[best], s.all)
}

// autoMode picks the color mode of most images (RGB on a tie) and notes
// the choice when the images disagree.
func autoMode(s shapeCounts) (ColorMode, string) {
	gray, all := s.gray, s.all
	switch {
	case gray == all:
		return Grayscale, ""
	case gray == 0:
		return RGB, ""
	case gray > all-gray:
		return Grayscale, fmt.Sprintf("color mode grayscale, as %d of %d images: the %d color image(s) are converted to gray (--color-mode rgb keeps color)", gray, all, all-gray)
	}
	return RGB, fmt.Sprintf("color mode rgb, as %d of %d images: the %d grayscale image(s) are converted to rgb (--color-mode grayscale makes all gray)", all-gray, all, gray)
}
