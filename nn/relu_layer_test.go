package nn

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/cnnscope/cnnscope/tensor"
)

func ptr(v float64) *float64 { return &v }

func TestGoldenReLU(t *testing.T) {
	g := loadGolden(t, "relu")
	for name, raw := range g.Params {
		var p struct {
			MaxValue      *float64 `json:"max_value"`
			NegativeSlope float64  `json:"negative_slope"`
			Threshold     float64  `json:"threshold"`
		}
		if err := json.Unmarshal(raw, &p); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		t.Run(name, func(t *testing.T) {
			checkLayerGolden(t, g, &ReLU{MaxValue: p.MaxValue, NegativeSlope: p.NegativeSlope, Threshold: p.Threshold}, name+"/", "y", true)
		})
	}
	if len(g.Params) < 6 {
		t.Fatalf("relu.json has %d cases, want 6", len(g.Params))
	}
}

func TestGradReLU(t *testing.T) {
	for _, c := range []gradCase{
		{name: "default", layer: &ReLU{}, in: tensor.Shape{3, 4}, batch: 2, h: 1e-3},
		{name: "max", layer: &ReLU{MaxValue: ptr(0.4)}, in: tensor.Shape{3, 4}, batch: 2, h: 1e-3},
		{name: "slope", layer: &ReLU{NegativeSlope: 0.3}, in: tensor.Shape{2, 2, 3}, batch: 2, h: 1e-3},
		{name: "all", layer: &ReLU{MaxValue: ptr(0.6), NegativeSlope: 0.2, Threshold: 0.1}, in: tensor.Shape{4, 5}, batch: 2, h: 1e-3},
	} {
		t.Run(c.name, func(t *testing.T) { runGradCheck(t, c) })
	}
}

// TestReLUValues pins the cases at and around the kinks, NaN and the
// default name.
func TestReLUValues(t *testing.T) {
	l := &ReLU{MaxValue: ptr(2), NegativeSlope: 0.5, Threshold: 1}
	if _, err := l.Build(tensor.Shape{7}, nil); err != nil {
		t.Fatal(err)
	}
	nan := float32(math.NaN())
	x := tensor.FromData([]float32{-1, 0, 1, 1.5, 2, 3, nan}, 1, 7)
	y := l.Forward(x, false)
	want := []float32{-1, -0.5, 0, 1.5, 2, 2, nan}
	for i := range want {
		if y.Data[i] != want[i] && !(y.Data[i] != y.Data[i] && want[i] != want[i]) {
			t.Errorf("f(%g) = %g, want %g", x.Data[i], y.Data[i], want[i])
		}
	}
	dx := l.Backward(tensor.FromData([]float32{1, 1, 1, 1, 1, 1, 1}, 1, 7), true)
	for i, w := range []float32{0.5, 0.5, 0.5, 1, 0, 0} {
		if dx.Data[i] != w {
			t.Errorf("f'(%g) = %g, want %g", x.Data[i], dx.Data[i], w)
		}
	}
	zero := &ReLU{Threshold: 1}
	zero.Build(tensor.Shape{1}, nil)
	if v := zero.Forward(tensor.FromData([]float32{-3}, 1, 1), false).Data[0]; math.Signbit(float64(v)) || v != 0 {
		t.Errorf("zero slope below the threshold gave %g, want +0", v)
	}
	if got := kerasName("ReLU"); got != "re_lu" {
		t.Errorf("default name %q, want Keras' re_lu", got)
	}
}

func TestReLURefusesBadArguments(t *testing.T) {
	for _, c := range []struct {
		l    *ReLU
		want string
	}{
		{&ReLU{MaxValue: ptr(-1)}, "max_value"},
		{&ReLU{MaxValue: ptr(math.NaN())}, "max_value"},
		{&ReLU{NegativeSlope: -0.1}, "negative_slope"},
		{&ReLU{NegativeSlope: math.Inf(1)}, "negative_slope"},
		{&ReLU{Threshold: -1}, "threshold"},
		{&ReLU{Threshold: math.NaN()}, "threshold"},
	} {
		if _, err := c.l.Build(tensor.Shape{3}, nil); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want one naming %s", c.l, err, c.want)
		}
	}
	if _, err := (&ReLU{MaxValue: ptr(math.Inf(1))}).Build(tensor.Shape{3}, nil); err != nil {
		t.Errorf("an infinite max_value (no cap) was refused: %v", err)
	}
}
