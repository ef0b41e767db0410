package nn

import (
	"math"
	"testing"

	"github.com/cnnscope/cnnscope/tensor"
)

func TestActivationStats(t *testing.T) {
	d := &Dense{Units: 4, Activation: "relu"}
	m := NewSequential(tensor.Shape{2}, d, &Activation{Function: "sigmoid"})
	if err := m.Build(1); err != nil {
		t.Fatal(err)
	}
	// Unit 0 always active (y = x0), unit 1 dead (bias -100), units 2, 3 zero weights.
	k := d.kernel.Value.Data // (2, 4)
	clear(k)
	clear(d.bias.Value.Data)
	k[0] = 1
	d.bias.Value.Data[1] = -100
	d.bias.Value.Data[2] = 0.5
	d.bias.Value.Data[3] = 10
	x := tensor.FromData([]float32{1, 0, 3, 0}, 2, 2)
	m.Forward(x, false)
	if m.Stats() != nil {
		t.Fatal("stats collected while off")
	}
	m.CollectStats(true)
	m.Forward(x, false)
	st := m.Stats()
	if len(st) != 2 {
		t.Fatalf("%d stats, want 2", len(st))
	}
	// Dense outputs: sample 1 [1, 0, 0.5, 10], sample 2 [3, 0, 0.5, 10].
	r := st[0]
	if r.Layer != d.Name() || r.Activation != "relu" {
		t.Errorf("stats name %q act %q", r.Layer, r.Activation)
	}
	if math.Abs(r.Mean-(1+0.5+10+3+0.5+10)/8) > 1e-6 || r.ZeroFrac != 0.25 || r.DeadFrac != 0.25 || r.NonFinite != 0 {
		t.Errorf("dense stats %+v", r)
	}
	// Sigmoid of 10 is > 0.99: two of eight outputs saturated.
	if s := st[1]; s.SaturatedFrac != 0.25 {
		t.Errorf("sigmoid saturated fraction %v, want 0.25", s.SaturatedFrac)
	}
	x.Data[0] = float32(math.NaN())
	m.Forward(x, false)
	// NaN*0 is NaN: all four outputs of the first sample.
	if n := m.Stats()[0].NonFinite; n != 4 {
		t.Errorf("NonFinite = %d, want 4", n)
	}
}
