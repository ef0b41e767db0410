package data

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
)

// Augment configures random augmentation of training images, with the
// meanings of Keras' ImageDataGenerator arguments of the same names. It is
// applied to training batches only, never to validation, test or
// prediction batches. The zero value does nothing.
//
// Differences from Keras, each deliberate: rotation and zoom turn about the
// true image center ((h-1)/2, (w-1)/2) where Keras' offset (h/2+0.5) shifts
// the result by one pixel; a shift range >= 1 draws a real number of
// pixels (Keras draws integers for int ranges); brightness multiplies the
// pixel values and clips them to 0..255 (Keras goes through PIL after
// rescaling the image to its own min..max).
type Augment struct {
	// RotationRange: rotate by a uniform angle in ±RotationRange degrees.
	RotationRange float64 `json:"rotation_range,omitempty" yaml:"rotation_range,omitempty"`
	// WidthShiftRange, HeightShiftRange: shift by a uniform amount in
	// ±range, a fraction of the width/height when < 1, else pixels.
	WidthShiftRange  float64 `json:"width_shift_range,omitempty" yaml:"width_shift_range,omitempty"`
	HeightShiftRange float64 `json:"height_shift_range,omitempty" yaml:"height_shift_range,omitempty"`
	// ShearRange: shear angle in ±ShearRange degrees, counter-clockwise.
	ShearRange float64 `json:"shear_range,omitempty" yaml:"shear_range,omitempty"`
	// ZoomRange: zoom factors for height and width drawn independently
	// and uniformly from [lo, hi]; factors below 1 zoom in. In JSON a
	// single number z means [1-z, 1+z], as in Keras.
	ZoomRange Range `json:"zoom_range,omitzero" yaml:"zoom_range,omitempty"`
	// HorizontalFlip, VerticalFlip: flip with probability 1/2.
	HorizontalFlip bool `json:"horizontal_flip,omitempty" yaml:"horizontal_flip,omitempty"`
	VerticalFlip   bool `json:"vertical_flip,omitempty" yaml:"vertical_flip,omitempty"`
	// BrightnessRange: multiply pixel values by a factor drawn uniformly
	// from [lo, hi] (e.g. [0.8, 1.2]); the zero value disables it.
	BrightnessRange Range `json:"brightness_range,omitzero" yaml:"brightness_range,omitempty"`
	// FillMode fills points outside the input: nearest (the default,
	// aaaa|abcd|dddd), constant (Cval), reflect (dcba|abcd|dcba) or wrap
	// (abcd|abcd|abcd).
	FillMode FillMode `json:"fill_mode,omitempty" yaml:"fill_mode,omitempty"`
	// Cval is the fill value of the constant mode, on the 0..255 scale.
	Cval float32 `json:"cval,omitempty" yaml:"cval,omitempty"`
}

// Range is a closed interval [lo, hi]; the zero value means "off".
type Range [2]float64

// ZoomAround returns Keras' zoom_range=z: [1-z, 1+z].
func ZoomAround(z float64) Range { return Range{1 - z, 1 + z} }

// UnmarshalYAML accepts [lo, hi] or a number z meaning [1-z, 1+z], as
// UnmarshalJSON (the decoder-function form: no YAML dependency here).
func (r *Range) UnmarshalYAML(unmarshal func(any) error) error {
	var z float64
	if err := unmarshal(&z); err == nil {
		*r = ZoomAround(z)
		return nil
	}
	var pair [2]float64
	if err := unmarshal(&pair); err != nil {
		return fmt.Errorf("range: want a number or [lo, hi]")
	}
	*r = pair
	return nil
}

// IsZero lets YAML's omitempty drop an unset range.
func (r Range) IsZero() bool { return r == Range{} }

// UnmarshalJSON accepts [lo, hi] or, as Keras' zoom_range, a number z
// meaning [1-z, 1+z].
func (r *Range) UnmarshalJSON(b []byte) error {
	var z float64
	if err := json.Unmarshal(b, &z); err == nil {
		*r = ZoomAround(z)
		return nil
	}
	var pair [2]float64
	if err := json.Unmarshal(b, &pair); err != nil {
		return fmt.Errorf("range: want a number or [lo, hi], got %s", b)
	}
	*r = pair
	return nil
}

// FillMode is how an augmented image is filled where it samples outside
// the original (scipy.ndimage's modes, as Keras uses them).
type FillMode string

const (
	FillNearest  FillMode = "nearest"
	FillConstant FillMode = "constant"
	FillReflect  FillMode = "reflect"
	FillWrap     FillMode = "wrap"
)

// Enabled reports whether a does anything.
func (a *Augment) Enabled() bool {
	return a != nil && (a.RotationRange != 0 || a.WidthShiftRange != 0 || a.HeightShiftRange != 0 ||
		a.ShearRange != 0 || a.ZoomRange != Range{} || a.HorizontalFlip || a.VerticalFlip ||
		a.BrightnessRange != Range{})
}

// MaxAugmentRange bounds rotation, shift and shear ranges: far beyond any
// use, and small enough that a draw from [-v, v] never overflows to ±Inf
// (which made NaN pixels, or a panic on the rotation's quarter-turn index).
const MaxAugmentRange = 1e300

// Check reports a configuration error, naming the field.
func (a *Augment) Check() error {
	for _, f := range []struct {
		name string
		v    float64
	}{{"rotation_range", a.RotationRange}, {"width_shift_range", a.WidthShiftRange},
		{"height_shift_range", a.HeightShiftRange}, {"shear_range", a.ShearRange}} {
		// Drawing from [-v, v] takes 2v, which must stay finite.
		if !(f.v >= 0 && f.v <= MaxAugmentRange) {
			return fmt.Errorf("augment: %s = %v, want a number from 0 to %g", f.name, f.v, MaxAugmentRange)
		}
	}
	for _, f := range []struct {
		name string
		r    Range
	}{{"zoom_range", a.ZoomRange}, {"brightness_range", a.BrightnessRange}} {
		if f.r != (Range{}) && !(f.r[0] > 0 && f.r[0] <= f.r[1] && !math.IsInf(f.r[1], 0)) {
			return fmt.Errorf("augment: %s = %v, want [lo, hi] with 0 < lo <= hi", f.name, f.r)
		}
	}
	switch a.FillMode {
	case "", FillNearest, FillConstant, FillReflect, FillWrap:
	default:
		return fmt.Errorf("augment: fill_mode %q, want nearest, constant, reflect or wrap", string(a.FillMode))
	}
	return nil
}

// Transform is one concrete augmentation, as Keras' get_random_transform
// returns it. Tx shifts rows (height) and Ty columns (width), in pixels; a
// positive shift moves the content up (left), as in Keras.
type Transform struct {
	Theta      float64 // degrees, counter-clockwise
	Tx, Ty     float64
	Shear      float64 // degrees
	Zx, Zy     float64 // zoom of rows and columns; 0 means 1
	FlipH      bool
	FlipV      bool
	Brightness float64 // 0 means 1
}

// Random draws a transform for an h x w image from rng, drawing the
// parameters in Keras' order.
func (a *Augment) Random(rng *rand.Rand, h, w int) Transform {
	var t Transform
	uniform := func(lo, hi float64) float64 { return lo + (hi-lo)*rng.Float64() }
	if a.RotationRange != 0 {
		t.Theta = uniform(-a.RotationRange, a.RotationRange)
	}
	if r := a.HeightShiftRange; r != 0 {
		t.Tx = uniform(-r, r)
		if r < 1 {
			t.Tx *= float64(h)
		}
	}
	if r := a.WidthShiftRange; r != 0 {
		t.Ty = uniform(-r, r)
		if r < 1 {
			t.Ty *= float64(w)
		}
	}
	if a.ShearRange != 0 {
		t.Shear = uniform(-a.ShearRange, a.ShearRange)
	}
	if z := a.ZoomRange; z != (Range{}) && z != (Range{1, 1}) {
		t.Zx, t.Zy = uniform(z[0], z[1]), uniform(z[0], z[1])
	}
	t.FlipH = a.HorizontalFlip && rng.Float64() < 0.5
	t.FlipV = a.VerticalFlip && rng.Float64() < 0.5
	if b := a.BrightnessRange; b != (Range{}) {
		t.Brightness = uniform(b[0], b[1])
	}
	return t
}

// affine returns the map from output pixel (row, col) to the input
// position it samples: in = m[0:3]·(r, c, 1), m[3:6]·(r, c, 1). It is
// Keras' transform (rotation · shift · shear · zoom about the center) with
// the flips folded in, and reports whether it is the identity.
func (t Transform) affine(h, w int) (m [6]float64, identity bool) {
	zx, zy := t.Zx, t.Zy
	if zx == 0 {
		zx = 1
	}
	if zy == 0 {
		zy = 1
	}
	th, sh := t.Theta*math.Pi/180, t.Shear*math.Pi/180
	cos, sin := math.Cos(th), math.Sin(th)
	if t.Theta == 0 {
		cos, sin = 1, 0
	}
	// Exact quarter turns keep pixel positions integral.
	if q := t.Theta / 90; q == math.Trunc(q) {
		cos = [4]float64{1, 0, -1, 0}[int(math.Mod(math.Mod(q, 4)+4, 4))]
		sin = [4]float64{0, 1, 0, -1}[int(math.Mod(math.Mod(q, 4)+4, 4))]
	}
	// A = R · Shear · Zoom (2x2); offset = R · (tx, ty).
	shs, shc := math.Sin(sh), math.Cos(sh)
	if t.Shear == 0 {
		shs, shc = 0, 1
	}
	// Shear · Zoom = [[zx, -sin(sh)*zy], [0, cos(sh)*zy]]
	s00, s01, s11 := zx, -shs*zy, shc*zy
	a00, a01 := cos*s00, cos*s01-sin*s11
	a10, a11 := sin*s00, sin*s01+cos*s11
	ox := cos*t.Tx - sin*t.Ty
	oy := sin*t.Tx + cos*t.Ty
	cr, cc := float64(h-1)/2, float64(w-1)/2
	// in = center + A·(o' - center) + offset, where o' is the output
	// position before the flips: r' = h-1-r (vertical), c' = w-1-c.
	fr, fc := 1.0, 1.0
	br, bc := 0.0, 0.0
	if t.FlipV {
		fr, br = -1, float64(h-1)
	}
	if t.FlipH {
		fc, bc = -1, float64(w-1)
	}
	// o' = (fr*r + br, fc*c + bc)
	m[0], m[1] = a00*fr, a01*fc
	m[2] = cr + a00*(br-cr) + a01*(bc-cc) + ox
	m[3], m[4] = a10*fr, a11*fc
	m[5] = cc + a10*(br-cr) + a11*(bc-cc) + oy
	identity = m == [6]float64{1, 0, 0, 0, 1, 0}
	return m, identity
}
