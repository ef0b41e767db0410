package report

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"html/template"
	"image"
	"image/png"
	"math/rand/v2"
	"sort"

	xdraw "golang.org/x/image/draw"

	"github.com/cnnscope/cnnscope/data"
	"github.com/cnnscope/cnnscope/nn"
	"github.com/cnnscope/cnnscope/train"
)

// Sample is one image of a grid, embedded as a PNG data URI.
type Sample struct {
	PNG        template.URL
	True, Pred string
	Loss       float64
	Confidence float64
	Caption    string
	Wrong      bool
	Source     string
	Original   bool // the untransformed image of an augmentation row
}

// Evaluation is the saved model measured on the validation split (the
// test set when there is none), recomputed when the report is made.
type Evaluation struct {
	Split  string // "validation" or "test"
	Result *train.EvalResult
	// Worst are the highest-loss images, worst first.
	Worst []Sample
}

// evaluate runs m over the run's validation split (or test set).
// loss is the model's (from logits when it was trained so), or an error
// saying why it is unknown.
func evaluate(ctx context.Context, m nn.Model, loss nn.Loss, lossErr error, pp *data.Preprocess, p *train.Prepared, worst int) (*Evaluation, error) {
	if lossErr != nil {
		return nil, lossErr
	}
	ds, idx, split := p.Train, p.ValIdx, "validation"
	if len(idx) == 0 {
		if p.Test == nil {
			return nil, fmt.Errorf("the run has neither a validation split nor a test set")
		}
		ds, idx, split = p.Test, nil, "test"
	}
	loader, err := data.NewEvalLoader(ds, idx, data.EvalConfig{BatchSize: 256, Preprocess: pp})
	if err != nil {
		return nil, err
	}
	res, err := train.Evaluate(ctx, m, loader, loss, p.Classes, 0)
	if err != nil {
		return nil, err
	}
	ev := &Evaluation{Split: split, Result: res}
	out := append([]train.Outcome(nil), res.Outcomes...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Loss > out[j].Loss })
	for _, o := range out[:min(worst, len(out))] {
		s := Sample{PNG: imageURI(ds.Image(o.Index), ds.Height, ds.Width, ds.Channels),
			True: p.Classes[o.Label], Pred: p.Classes[o.Pred], Loss: float64(o.Loss), Confidence: float64(o.Confidence),
			Wrong: o.Label != o.Pred, Source: ds.Sources[o.Index]}
		ev.Worst = append(ev.Worst, s)
	}
	return ev, nil
}

// maxThumb is the largest side of an embedded image; larger ones are
// scaled down to keep the report small.
const maxThumb = 96

// imageURI encodes HWC uint8 pixels (1, 3 or 4 channels) as a PNG data URI.
func imageURI(px []uint8, h, w, c int) template.URL {
	var img image.Image
	switch c {
	case 1:
		img = &image.Gray{Pix: px, Stride: w, Rect: image.Rect(0, 0, w, h)}
	case 4:
		img = &image.NRGBA{Pix: px, Stride: 4 * w, Rect: image.Rect(0, 0, w, h)}
	default:
		rgba := image.NewNRGBA(image.Rect(0, 0, w, h))
		for i := 0; i < h*w; i++ {
			copy(rgba.Pix[4*i:4*i+3], px[c*i:c*i+3])
			rgba.Pix[4*i+3] = 255
		}
		img = rgba
	}
	if h > maxThumb || w > maxThumb {
		f := float64(maxThumb) / float64(max(h, w))
		dst := image.NewNRGBA(image.Rect(0, 0, max(1, int(float64(w)*f)), max(1, int(float64(h)*f))))
		xdraw.CatmullRom.Scale(dst, dst.Bounds(), img, img.Bounds(), xdraw.Src, nil)
		img = dst
	}
	var b bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&b, img); err != nil {
		panic("report: PNG of an in-memory image: " + err.Error())
	}
	return template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(b.Bytes()))
}

// augmentedGrid shows rows of training images: the original, then
// perCol random augmentations drawn as training draws them.
func augmentedGrid(p *train.Prepared, aug *data.Augment, seed uint64, rows, perRow int) [][]Sample {
	if !aug.Enabled() || len(p.TrainIdx) == 0 {
		return nil
	}
	ds := p.Train
	h, w, c := ds.Height, ds.Width, ds.Channels
	fill := aug.FillMode
	if fill == "" {
		fill = data.FillNearest
	}
	rng := rand.New(rand.NewPCG(seed, 0xa06))
	// One image of each of the first classes met, for variety.
	var picks []int
	seen := map[int32]bool{}
	for _, i := range p.TrainIdx {
		if !seen[ds.Labels[i]] {
			seen[ds.Labels[i]] = true
			picks = append(picks, i)
			if len(picks) == rows {
				break
			}
		}
	}
	dst := make([]float32, ds.ImageSize())
	px := make([]uint8, ds.ImageSize())
	var grid [][]Sample
	for _, i := range picks {
		src := ds.Image(i)
		label := p.Classes[ds.Labels[i]]
		row := []Sample{{PNG: imageURI(src, h, w, c), True: label, Caption: "original", Original: true}}
		for k := 0; k < perRow; k++ {
			t := aug.Random(rng, h, w)
			data.ApplyTransform(dst, src, h, w, c, t, fill, aug.Cval)
			for j, v := range dst {
				px[j] = uint8(min(255, max(0, v+0.5)))
			}
			row = append(row, Sample{PNG: imageURI(px, h, w, c), True: label, Caption: describe(t)})
		}
		grid = append(grid, row)
	}
	return grid
}

// describe names a transform's main parameters.
func describe(t data.Transform) string {
	var b bytes.Buffer
	if t.Theta != 0 {
		fmt.Fprintf(&b, "rot %.0f° ", t.Theta)
	}
	if t.Tx != 0 || t.Ty != 0 {
		fmt.Fprintf(&b, "shift %.1f,%.1f ", t.Ty, t.Tx)
	}
	if t.Zx != 0 {
		fmt.Fprintf(&b, "zoom %.2f ", (t.Zx+t.Zy)/2)
	}
	if t.FlipH {
		b.WriteString("flip ")
	}
	if t.FlipV {
		b.WriteString("vflip ")
	}
	if t.Brightness != 0 {
		fmt.Fprintf(&b, "bright %.2f", t.Brightness)
	}
	if b.Len() == 0 {
		return "unchanged"
	}
	return string(bytes.TrimSpace(b.Bytes()))
}
