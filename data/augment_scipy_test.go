package data

import (
	"encoding/json"
	"math"
	"os"
	"testing"
)

// TestApplyTransformMatchesScipy compares with Keras' affine transform
// computed by scipy.ndimage (testdata/scipy/make_golden.py).
func TestApplyTransformMatchesScipy(t *testing.T) {
	b, err := os.ReadFile("testdata/scipy/transforms.json")
	if err != nil {
		t.Fatal(err)
	}
	var golden struct {
		Cases []struct {
			H, W, C   int
			Mode      FillMode
			Cval      float32
			Transform struct {
				Theta, Tx, Ty, Shear, Zx, Zy float64
				FlipH                        bool `json:"flip_h"`
				FlipV                        bool `json:"flip_v"`
				Brightness                   float64
			}
			Output []float64
		}
	}
	if err := json.Unmarshal(b, &golden); err != nil {
		t.Fatal(err)
	}
	if len(golden.Cases) < 40 {
		t.Fatalf("%d cases", len(golden.Cases))
	}
	for n, c := range golden.Cases {
		src := make([]uint8, c.H*c.W*c.C)
		for i := range src {
			src[i] = uint8((i*37 + 11) % 256)
		}
		g := c.Transform
		tr := Transform{Theta: g.Theta, Tx: g.Tx, Ty: g.Ty, Shear: g.Shear, Zx: g.Zx, Zy: g.Zy, FlipH: g.FlipH, FlipV: g.FlipV, Brightness: g.Brightness}
		dst := make([]float32, len(src))
		ApplyTransform(dst, src, c.H, c.W, c.C, tr, c.Mode, c.Cval)
		worst, at := 0.0, 0
		for i, v := range dst {
			if d := math.Abs(float64(v) - c.Output[i]); d > worst {
				worst, at = d, i
			}
		}
		if worst > 1e-3 {
			t.Errorf("case %d (%dx%dx%d %s %+v): off by %.4f at %d: got %v, scipy %v", n, c.H, c.W, c.C, c.Mode, tr, worst, at, dst[at], c.Output[at])
		}
	}
}
