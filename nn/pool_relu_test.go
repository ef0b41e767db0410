package nn

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/cnnscope/cnnscope/kernels"
	"github.com/cnnscope/cnnscope/tensor"
)

// TestReluPoolSameBits checks that a Sequential's inference Forward, with
// relu moved from each Conv2D into the MaxPooling2D after it (and the
// first convolution, read in place, run by the pool: pool_conv.go), gives
// the bits of the layers run one by one (relu in the convolution), NaNs
// included, in one micro-batch and in several; and that the layers get
// their relu back afterwards.
func TestReluPoolSameBits(t *testing.T) {
	conv := func(f int, pad string) *Conv2D {
		return &Conv2D{Filters: f, KernelSize: [2]int{3, 3}, Padding: pad, Activation: "relu"}
	}
	for _, c := range []struct{ n, size int }{{3, 14}, {200, 14}, {50, 15}} { // 15: odd conv outputs, no bias
		n := c.n
		first := conv(32, "")
		first.NoBias = c.size%2 == 1
		s := NewSequential(tensor.Shape{c.size, c.size, 1}, first, &MaxPooling2D{}, conv(16, "same"), &MaxPooling2D{})
		if err := s.Build(3); err != nil {
			t.Fatal(err)
		}
		x := randTensor(rand.New(rand.NewPCG(3, uint64(n))), 1, n, c.size, c.size, 1)
		x.Data[5] = float32(math.NaN())
		x.Data[len(x.Data)/2] = math.Float32frombits(0xffc00001) // a negative NaN
		want := x
		for _, l := range s.Layers {
			want = l.Forward(want, false)
		}
		want = want.Clone()

		undo := fuseReluPool(s.Layers)
		for _, i := range []int{0, 2} {
			c, p := s.Layers[i].(*Conv2D), s.Layers[i+1].(*MaxPooling2D)
			if c.act.name != "linear" || !p.reluIn {
				t.Fatalf("layer %d: fuseReluPool left relu in the convolution (%s, reluIn %v)", i, c.act.name, p.reluIn)
			}
			if pooled := p.conv != nil; pooled != poolsConv(c) || pooledConv(s.Layers, i) != pooled {
				t.Fatalf("layer %d: the pool runs the convolution: %v, want %v", i, pooled, poolsConv(c))
			}
		}
		undo()
		if kernels.ConvDirectApplies(s.Layers[0].(*Conv2D).geom, 32) && !poolsConv(s.Layers[0].(*Conv2D)) {
			t.Fatal("the first convolution reads its patches in place, yet the pool does not run it")
		}

		got := s.Forward(x, false)
		sameBitsOf(t, "pooled output", got.Data, want.Data)
		if !hasNaN(got.Data) {
			t.Errorf("batch %d: no NaN reached the output: the test lost its special values", n)
		}
		for _, i := range []int{0, 2} {
			c, p := s.Layers[i].(*Conv2D), s.Layers[i+1].(*MaxPooling2D)
			if c.act.name != "relu" || p.reluIn || p.conv != nil {
				t.Errorf("layer %d after Forward: activation %s, reluIn %v, conv %v; want relu, false, nil", i, c.act.name, p.reluIn, p.conv != nil)
			}
		}
	}
}

func hasNaN(v []float32) bool {
	for _, f := range v {
		if f != f {
			return true
		}
	}
	return false
}
