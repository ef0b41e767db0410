package data

import (
	"fmt"
	"math"
	"slices"
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
// keeps the most detail), or, when no size is shared by half the images,
// their median size within 256x256 (mixedSize), and notes the choice when
// sizes differ.
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
	if 2*s.sizes[best] < s.all {
		return mixedSize(s, s.sizes[best])
	}
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
	return best, fmt.Sprintf("image size %s (height x width): sizes %s tie as the most common of %d sizes (%d of %d images each); the largest was chosen, the others are resized to it (--target-size H,W chooses another)",
		str(best), strings.Join(names, ", "), len(s.order), s.sizes[best], s.all)
}

// mixedSideMax is the longest side an automatic target size takes when
// no image size is shared by half the images: Keras' flow_from_directory
// default target_size is 256x256.
const mixedSideMax = 256

// mixedSize is the target size of images whose most common size (held
// by n) is not shared by half of them, as in a folder of photos: the
// median height and the median width, scaled down, aspect kept, so that
// neither side passes mixedSideMax. The largest of many tied sizes (a
// phone's photos: 3000x4000 and more) would keep detail a small CNN does
// not use at a memory cost the machine may not have.
func mixedSize(s shapeCounts, n int) ([2]int, string) {
	var hs, ws []int
	for hw, k := range s.sizes {
		for range k {
			hs, ws = append(hs, hw[0]), append(ws, hw[1])
		}
	}
	slices.Sort(hs)
	slices.Sort(ws)
	h, w := hs[len(hs)/2], ws[len(ws)/2]
	scaled := ""
	if m := max(h, w); m > mixedSideMax {
		f := float64(mixedSideMax) / float64(m)
		scaled = fmt.Sprintf(", %dx%d, scaled to fit %dx%d (Keras' default target_size)", h, w, mixedSideMax, mixedSideMax)
		h, w = max(1, int(math.Round(float64(h)*f))), max(1, int(math.Round(float64(w)*f)))
	}
	each := "images"
	if n == 1 {
		each = "image"
	}
	return [2]int{h, w}, fmt.Sprintf("image size %dx%d (height x width): no size is shared by half of the %d images (%d sizes, at most %d %s each), so the images' median height and median width were taken%s; the images are resized to it (--target-size H,W chooses another)",
		h, w, s.all, len(s.order), n, each, scaled)
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
