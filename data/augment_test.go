package data

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func toBytes(x []float32) []uint8 {
	b := make([]uint8, len(x))
	for i, v := range x {
		b[i] = uint8(math.Round(float64(v)))
	}
	return b
}

func applyT(src []uint8, h, w, c int, t Transform, fill FillMode, cval float32) []uint8 {
	dst := make([]float32, len(src))
	ApplyTransform(dst, src, h, w, c, t, fill, cval)
	return toBytes(dst)
}

func TestRotate90IsTransposeAndFlip(t *testing.T) {
	const n, c = 7, 2
	src := make([]uint8, n*n*c)
	for i := range src {
		src[i] = uint8(i*17 + 3)
	}
	got := applyT(src, n, n, c, Transform{Theta: 90}, FillConstant, 0)
	want := make([]uint8, len(src))
	for r := range n {
		for col := range n {
			// transpose, then reverse the columns
			copy(want[(r*n+col)*c:(r*n+col+1)*c], src[((n-1-col)*n+r)*c:((n-1-col)*n+r+1)*c])
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("rotate 90: %s", diff)
	}
	// Four quarter turns are the identity; so is a full turn.
	x := src
	for range 4 {
		x = applyT(x, n, n, c, Transform{Theta: -90}, FillConstant, 0)
	}
	if diff := cmp.Diff(src, x); diff != "" {
		t.Errorf("four turns: %s", diff)
	}
}

func TestFlipTwiceIsIdentity(t *testing.T) {
	src := make([]uint8, 5*6*3)
	for i := range src {
		src[i] = uint8(i * 7)
	}
	for _, tr := range []Transform{{FlipH: true}, {FlipV: true}, {FlipH: true, FlipV: true}} {
		once := applyT(src, 5, 6, 3, tr, FillNearest, 0)
		if cmp.Equal(once, src) {
			t.Errorf("%+v did nothing", tr)
		}
		if diff := cmp.Diff(src, applyT(once, 5, 6, 3, tr, FillNearest, 0)); diff != "" {
			t.Errorf("%+v twice: %s", tr, diff)
		}
	}
	// Horizontal flip reverses each row.
	row := applyT([]uint8{1, 2, 3, 4}, 1, 4, 1, Transform{FlipH: true}, FillNearest, 0)
	if diff := cmp.Diff([]uint8{4, 3, 2, 1}, row); diff != "" {
		t.Error(diff)
	}
}

func TestShiftMovesContentByK(t *testing.T) {
	const h, w = 8, 9
	src := make([]uint8, h*w)
	for i := range src {
		src[i] = uint8(10 + i)
	}
	for k := 1; k <= 3; k++ {
		// Tx is Keras' row shift; a negative one moves the content down.
		down := applyT(src, h, w, 1, Transform{Tx: -float64(k)}, FillConstant, 0)
		right := applyT(src, h, w, 1, Transform{Ty: -float64(k)}, FillConstant, 0)
		for r := range h {
			for c := range w {
				wantDown, wantRight := uint8(0), uint8(0)
				if r >= k {
					wantDown = src[(r-k)*w+c]
				}
				if c >= k {
					wantRight = src[r*w+c-k]
				}
				if down[r*w+c] != wantDown || right[r*w+c] != wantRight {
					t.Fatalf("k=%d at (%d,%d): down %d want %d, right %d want %d", k, r, c, down[r*w+c], wantDown, right[r*w+c], wantRight)
				}
			}
		}
	}
}

func TestFillModes(t *testing.T) {
	src := []uint8{10, 20, 30, 40}
	for mode, want := range map[FillMode][]uint8{
		FillNearest:  {30, 40, 40, 40},
		FillConstant: {30, 40, 99, 99},
		FillReflect:  {30, 40, 40, 30},
		FillWrap:     {30, 40, 10, 20},
	} {
		got := applyT(src, 1, 4, 1, Transform{Ty: 2}, mode, 99)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: %s", mode, diff)
		}
	}
}

func TestZoomAndBrightness(t *testing.T) {
	src := make([]uint8, 9*9)
	for i := range src {
		src[i] = 100
	}
	src[4*9+4] = 200
	// Zooming out (factor 3) keeps the center, fills the border.
	out := applyT(src, 9, 9, 1, Transform{Zx: 3, Zy: 3}, FillConstant, 0)
	if out[4*9+4] != 200 || out[0] != 0 || out[3*9+3] != 100 {
		t.Errorf("zoom out: center %d corner %d near %d", out[40], out[0], out[30])
	}
	bright := applyT(src, 9, 9, 1, Transform{Brightness: 1.5}, FillNearest, 0)
	if bright[0] != 150 || bright[40] != 255 {
		t.Errorf("brightness: %d %d", bright[0], bright[40])
	}
}

func TestAugmentConfig(t *testing.T) {
	var a Augment
	if err := json.Unmarshal([]byte(`{"rotation_range": 10, "zoom_range": 0.1, "brightness_range": [0.8, 1.2], "width_shift_range": 0.1, "height_shift_range": 2, "horizontal_flip": true, "fill_mode": "reflect"}`), &a); err != nil {
		t.Fatal(err)
	}
	if a.ZoomRange != (Range{0.9, 1.1}) || a.BrightnessRange != (Range{0.8, 1.2}) || !a.Enabled() || a.Check() != nil {
		t.Errorf("%+v", a)
	}
	rng := newRand(3)
	for range 200 {
		tr := a.Random(rng, 28, 20)
		if math.Abs(tr.Theta) > 10 || math.Abs(tr.Ty) > 2.0 || math.Abs(tr.Tx) > 2 || tr.Zx < 0.9 || tr.Zy > 1.1 || tr.Brightness < 0.8 || tr.Brightness > 1.2 || tr.FlipV {
			t.Fatalf("out of range: %+v", tr)
		}
	}
	if (&Augment{}).Enabled() || (*Augment)(nil).Enabled() {
		t.Error("zero augment enabled")
	}
	for _, bad := range []Augment{{RotationRange: -1}, {FillMode: "mirror"}, {ZoomRange: Range{0, 1}}, {BrightnessRange: Range{1.2, 0.8}}} {
		if bad.Check() == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
}

// Ranges up to the largest accepted give finite pixels in every fill
// mode; one above is refused. (1e308 used to overflow the draw to ±Inf:
// NaN pixels for a shift, an index panic for a rotation; a brightness of
// 1e308 made 0 × Inf = NaN.)
func TestHugeAugmentRanges(t *testing.T) {
	src := make([]uint8, 6*5*3)
	for i := range src {
		src[i] = uint8(i * 7) // includes 0: 0 × a huge brightness
	}
	dst := make([]float32, len(src))
	rng := rand.New(rand.NewPCG(3, 4))
	for _, a := range []Augment{{RotationRange: MaxAugmentRange}, {WidthShiftRange: MaxAugmentRange}, {HeightShiftRange: MaxAugmentRange},
		{ShearRange: MaxAugmentRange, RotationRange: 1e299, WidthShiftRange: 1e250}, {BrightnessRange: Range{1e308, 1e308}}} {
		if err := a.Check(); err != nil {
			t.Fatalf("%+v: %v", a, err)
		}
		for _, fill := range []FillMode{FillNearest, FillConstant, FillReflect, FillWrap} {
			for range 20 {
				ApplyTransform(dst, src, 6, 5, 3, a.Random(rng, 6, 5), fill, 0)
				for _, v := range dst {
					if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
						t.Fatalf("%+v, fill %s: pixel %v", a, fill, v)
					}
				}
			}
		}
	}
	for _, a := range []Augment{{RotationRange: 1e301}, {WidthShiftRange: math.MaxFloat64}, {ShearRange: math.Inf(1)}} {
		if err := a.Check(); err == nil {
			t.Errorf("%+v accepted", a)
		}
	}
}
