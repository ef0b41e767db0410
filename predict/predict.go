// Package predict classifies images with a saved model (a run directory
// or a model folder), bringing each image to the model's input as
// training did.
package predict

import (
	"fmt"
	"image"
	"sort"

	"github.com/cnnscope/cnnscope/data"
	"github.com/cnnscope/cnnscope/modelfile"
	"github.com/cnnscope/cnnscope/nn"
	"github.com/cnnscope/cnnscope/tensor"
)

// Predictor classifies images with a saved model, bringing each image to
// the model's input as training did: resized with the model's
// interpolation, converted to its color mode, then its preprocessing.
//
//	p, err := predict.Load("runs/mnist")
//	preds := p.PredictFiles([]string{"digit.png"}, predict.Options{})
//	fmt.Println(preds[0].Class, preds[0].Probability)
type Predictor struct {
	Model nn.Model
	File  *modelfile.File
}

// Options tunes prediction; the zero value lists the top 3
// classes and classifies 64 images at a time.
type Options struct {
	Top   int // classes listed per image (default 3)
	Batch int // images per forward pass (default 64)
}

// Prediction is one image's result. Err is set, and the rest empty, when
// the image could not be read.
type Prediction struct {
	// File is the image's path as given, shown escaped where it is not
	// UTF-8 (empty for PredictImages).
	File        string             `json:"file"`
	Class       string             `json:"class"`
	Probability float64            `json:"probability"`
	Top         []ClassProbability `json:"top"`
	// Original is what the file held; Mismatch says how it differs from
	// the model's input (size or color mode), empty when it does not.
	Original data.Original `json:"original"`
	Mismatch string        `json:"mismatch,omitempty"`
	Err      error         `json:"-"`
}

// ClassProbability is one class's probability for an image.
type ClassProbability struct {
	Class       string  `json:"class"`
	Probability float64 `json:"probability"`
}

// Load loads the model saved in a run directory (or a folder
// holding model.json and model.safetensors).
func Load(dir string) (*Predictor, error) {
	m, mf, err := modelfile.Load(dir)
	if err != nil {
		return nil, err
	}
	if in := m.InputShape(); len(in) != 3 || data.ColorModeOf(in[2]) == data.Auto {
		return nil, fmt.Errorf("%s: model input %v: want height, width and 1, 3 or 4 channels", dir, m.InputShape())
	}
	if out := m.Output(); len(out) != 1 || out[0] != len(mf.Classes) || len(mf.Classes) == 0 {
		return nil, fmt.Errorf("%s: model output %v for %d classes: want one probability per class", dir, out, len(mf.Classes))
	}
	return &Predictor{Model: m, File: mf}, nil
}

func (o Options) defaults() Options {
	if o.Top <= 0 {
		o.Top = 3
	}
	if o.Batch <= 0 {
		o.Batch = 64
	}
	return o
}

// input is the model's input height, width and color mode.
func (p *Predictor) input() (h, w int, mode data.ColorMode) {
	in := p.Model.InputShape()
	return in[0], in[1], data.ColorModeOf(in[2])
}

// PredictFiles classifies image files, in order. A file that cannot be
// read (missing, not an image, over the pixel limit) gets its Err and the
// others are still classified.
func (p *Predictor) PredictFiles(paths []string, opts Options) []Prediction {
	h, w, mode := p.input()
	preds := make([]Prediction, len(paths))
	for i, path := range paths {
		preds[i].File = data.DisplayPath(path)
	}
	p.predictBatches(preds, opts, func(i int) ([]uint8, error) {
		pix, o, err := data.ReadImageFile(paths[i], h, w, mode, data.Interpolation(p.File.Interpolation))
		preds[i].Original = o
		if err == nil {
			preds[i].Mismatch = mismatch(o, h, w, mode)
		}
		return pix, err
	})
	return preds
}

// PredictImages classifies images already in memory, in order.
func (p *Predictor) PredictImages(imgs []image.Image, opts Options) []Prediction {
	h, w, mode := p.input()
	preds := make([]Prediction, len(imgs))
	p.predictBatches(preds, opts, func(i int) ([]uint8, error) {
		return data.ImagePixels(imgs[i], h, w, mode, data.Interpolation(p.File.Interpolation))
	})
	return preds
}

// predictBatches reads image i with read and fills preds batch by batch.
func (p *Predictor) predictBatches(preds []Prediction, opts Options, read func(i int) ([]uint8, error)) {
	opts = opts.defaults()
	h, w, mode := p.input()
	c := mode.Channels()
	size := h * w * c
	x := tensor.New(min(opts.Batch, max(len(preds), 1)), h, w, c)
	var probs *tensor.Tensor
	for lo := 0; lo < len(preds); lo += opts.Batch {
		var ok []int
		for i := lo; i < min(lo+opts.Batch, len(preds)); i++ {
			pix, err := read(i)
			if err != nil {
				preds[i].Err = err
				continue
			}
			p.File.Preprocessing.Apply(x.Data[len(ok)*size:(len(ok)+1)*size], pix, c)
			ok = append(ok, i)
		}
		if len(ok) == 0 {
			continue
		}
		out := p.Model.Forward(tensor.FromData(x.Data[:len(ok)*size], len(ok), h, w, c), false)
		// A model trained from logits outputs logits: its probabilities
		// are their softmax (sigmoid for binary_crossentropy).
		probs = p.File.Probabilities(out, probs)
		k := len(p.File.Classes)
		for j, i := range ok {
			p.rank(&preds[i], out.Data[j*k:(j+1)*k], probs.Data[j*k:(j+1)*k], opts.Top)
		}
	}
}

// rank fills a prediction from one row of the model's outputs (which
// order the classes: logits keep their order where probabilities
// rounded to 1 would tie) and the class probabilities they stand for.
func (p *Predictor) rank(pr *Prediction, row, prob []float32, top int) {
	order := make([]int, len(row))
	for a := range order {
		order[a] = a
	}
	sort.SliceStable(order, func(a, b int) bool { return row[order[a]] > row[order[b]] })
	cl := p.File.Classes
	pr.Class, pr.Probability = cl[order[0]], float64(prob[order[0]])
	for _, a := range order[:min(top, len(order))] {
		pr.Top = append(pr.Top, ClassProbability{cl[a], float64(prob[a])})
	}
}

// mismatch says how a file differs from the model's input, "" when its
// size and color mode are the model's.
func mismatch(o data.Original, h, w int, mode data.ColorMode) string {
	size := o.Width != w || o.Height != h
	color := o.Mode != string(mode)
	switch {
	case size && color:
		return fmt.Sprintf("%dx%d %s image resized to %dx%d and converted to %s", o.Width, o.Height, o.Mode, w, h, mode)
	case size:
		return fmt.Sprintf("%dx%d image resized to %dx%d", o.Width, o.Height, w, h)
	case color:
		return fmt.Sprintf("%s image converted to %s", o.Mode, mode)
	}
	return ""
}
