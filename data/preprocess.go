package data

import (
	"fmt"
	"math"
)

// stdEpsilon is added to every standard deviation before dividing by it,
// as Keras' ImageDataGenerator does.
const stdEpsilon = 1e-6

// Preprocess is the normalization applied to every image (training,
// validation, test and prediction alike), in Keras' ImageDataGenerator
// order: rescale, samplewise center, samplewise std normalization,
// featurewise center, featurewise std normalization. It is plain data so
// that a saved model can carry it (encoding/json round-trips it).
//
// Featurewise statistics are per channel and come from Fit on the
// training split only; they describe the data as it arrives at that
// stage, i.e. after rescaling and samplewise normalization.
type Preprocess struct {
	// Rescale multiplies every pixel first; 0 means 1 (no rescaling).
	// Keras users write 1/255.
	Rescale float32 `json:"rescale,omitempty" yaml:"rescale,omitempty"`

	SamplewiseCenter            bool `json:"samplewise_center,omitempty" yaml:"samplewise_center,omitempty"`
	SamplewiseStdNormalization  bool `json:"samplewise_std_normalization,omitempty" yaml:"samplewise_std_normalization,omitempty"`
	FeaturewiseCenter           bool `json:"featurewise_center,omitempty" yaml:"featurewise_center,omitempty"`
	FeaturewiseStdNormalization bool `json:"featurewise_std_normalization,omitempty" yaml:"featurewise_std_normalization,omitempty"`

	// Mean and Std are the fitted per-channel statistics (set by Fit).
	Mean []float32 `json:"mean,omitempty" yaml:"mean,omitempty"`
	Std  []float32 `json:"std,omitempty" yaml:"std,omitempty"`
}

// Featurewise reports whether p needs Fit before use.
func (p *Preprocess) Featurewise() bool {
	return p.FeaturewiseCenter || p.FeaturewiseStdNormalization
}

// Check reports whether p can be applied to images with the given number
// of channels: fitted when it is featurewise, with one statistic per
// channel. A saved configuration that fails Check is an input error.
func (p *Preprocess) Check(channels int) error {
	if math.IsNaN(float64(p.Rescale)) || math.IsInf(float64(p.Rescale), 0) {
		return fmt.Errorf("preprocess: rescale %v, want a finite number", p.Rescale)
	}
	if p.FeaturewiseCenter && len(p.Mean) != channels {
		return fmt.Errorf("preprocess: featurewise center needs %d fitted means, have %d (call Fit on the training split)", channels, len(p.Mean))
	}
	if p.FeaturewiseStdNormalization && len(p.Std) != channels {
		return fmt.Errorf("preprocess: featurewise std normalization needs %d fitted stds, have %d (call Fit on the training split)", channels, len(p.Std))
	}
	for c, s := range p.Std {
		if s < 0 || math.IsNaN(float64(s)) {
			return fmt.Errorf("preprocess: std[%d] = %v, want >= 0", c, s)
		}
	}
	return nil
}

// Fit computes the featurewise per-channel mean and standard deviation
// (population, as numpy's std) over the images at indices, which should
// be the training split only. It does nothing when p is not featurewise.
func (p *Preprocess) Fit(ds *Dataset, indices []int) error {
	p.Mean, p.Std = nil, nil
	if !p.Featurewise() {
		return nil
	}
	if len(indices) == 0 {
		return fmt.Errorf("preprocess: fitting featurewise statistics on no images")
	}
	c := ds.Channels
	sum := make([]float64, c)
	sq := make([]float64, c)
	a, b := make([]float32, c), make([]float32, c)
	fp := *p
	fp.FeaturewiseCenter, fp.FeaturewiseStdNormalization = false, false
	tmp := make([]float32, ds.ImageSize())
	for _, i := range indices {
		img := ds.Image(i)
		for j, v := range img {
			tmp[j] = float32(v)
		}
		fp.coefficients(tmp, c, a, b)
		for j, v := range tmp {
			y := float64(v*a[j%c] + b[j%c])
			sum[j%c] += y
			sq[j%c] += y * y
		}
	}
	n := float64(len(indices) * ds.Height * ds.Width)
	p.Mean = make([]float32, c)
	p.Std = make([]float32, c)
	for k := range c {
		m := sum[k] / n
		p.Mean[k] = float32(m)
		p.Std[k] = float32(math.Sqrt(max(0, sq[k]/n-m*m)))
	}
	return nil
}

// Apply writes the preprocessed image src (HWC uint8) into dst as
// float32. dst and src have the same length.
func (p *Preprocess) Apply(dst []float32, src []uint8, channels int) {
	if len(dst) != len(src) {
		panic(fmt.Sprintf("data: Preprocess.Apply into %d floats from %d bytes", len(dst), len(src)))
	}
	for j, v := range src {
		dst[j] = float32(v)
	}
	p.ApplyFloat(dst, channels)
}

// ApplyFloat preprocesses an image given as float32 pixel values on the
// 0..255 scale (e.g. after augmentation), in place.
func (p *Preprocess) ApplyFloat(x []float32, channels int) {
	var ab [8]float32
	a, b := ab[:channels], ab[4:4+channels]
	p.coefficients(x, channels, a, b)
	if channels == 1 {
		a0, b0 := a[0], b[0]
		for j, v := range x {
			x[j] = v*a0 + b0
		}
		return
	}
	for j := 0; j < len(x); j += channels {
		for k := range channels {
			x[j+k] = x[j+k]*a[k] + b[k]
		}
	}
}

// coefficients reduces the whole pipeline for image x to one affine map
// per channel, y = x*a[c] + b[c]: every step is affine.
func (p *Preprocess) coefficients(x []float32, channels int, a, b []float32) {
	r := p.Rescale
	if r == 0 {
		r = 1
	}
	// After rescale: y = r*x.
	sa, sb := float64(r), 0.0
	if p.SamplewiseCenter || p.SamplewiseStdNormalization {
		var s, s2 float64
		for _, v := range x {
			f := float64(v)
			s += f
			s2 += f * f
		}
		n := float64(len(x))
		m := s / n
		sd := math.Sqrt(max(0, s2/n-m*m))
		// Statistics of the rescaled image.
		m, sd = m*sa, sd*math.Abs(sa)
		if p.SamplewiseCenter {
			sb -= m
			// The std of a centered image is unchanged.
		}
		if p.SamplewiseStdNormalization {
			sa /= sd + stdEpsilon
			sb /= sd + stdEpsilon
		}
	}
	for k := range channels {
		ca, cb := sa, sb
		if p.FeaturewiseCenter {
			cb -= float64(p.Mean[k])
		}
		if p.FeaturewiseStdNormalization {
			d := float64(p.Std[k]) + stdEpsilon
			ca /= d
			cb /= d
		}
		a[k], b[k] = float32(ca), float32(cb)
	}
}
