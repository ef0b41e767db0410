package nn

import (
	"cmp"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/cnnscope/cnnscope/kernels"
	"github.com/cnnscope/cnnscope/tensor"
)

// TestReluPoolSameBits checks that a Sequential's inference Forward, with
// relu moved from each Conv2D into the MaxPooling2D after it (and the
// first convolution, read in place, and a second one that runs Winograd,
// or the 16-channel Winograd rows, run by the pools: pool_conv.go), gives the bits of the layers run one
// by one (relu in the convolution), NaNs included, in one micro-batch and
// in several, at one and two threads; and that the layers get their relu
// back afterwards.
func TestReluPoolSameBits(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	conv := func(f int, pad string) *Conv2D {
		return &Conv2D{Filters: f, KernelSize: [2]int{3, 3}, Padding: pad, Activation: "relu"}
	}
	winos := 0
	wino16 := 0
	for _, c := range []struct {
		n, size, f2 int
		pad2        string
		procs       int
		f1          int // the first convolution's filters (0: 32)
	}{
		{3, 14, 16, "same", 2, 0}, {200, 14, 16, "same", 1, 0}, {50, 15, 16, "same", 2, 0}, // 15: odd conv outputs, no bias
		{37, 28, 64, "", 2, 0}, {130, 28, 64, "", 1, 0}, {5, 30, 64, "same", 2, 0}, // Winograd: basic-cnn's 11×11 -> 5×5, and 14×14 -> 7×7
		{7, 14, 16, "same", 2, 16}, // 16 -> 16 "same" on 6×6: the 16-channel Winograd rows (Conv2D.wino16)
	} {
		runtime.GOMAXPROCS(c.procs)
		n := c.n
		first := conv(cmp.Or(c.f1, 32), "")
		first.NoBias = c.size%2 == 1
		s := NewSequential(tensor.Shape{c.size, c.size, 1}, first, &MaxPooling2D{}, conv(c.f2, c.pad2), &MaxPooling2D{})
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
			if p.conv != nil && c.useWinograd() {
				winos++
			}
			if p.conv != nil && c.wino16() {
				wino16++
			}
		}
		undo()
		if kernels.ConvDirectApplies(s.Layers[0].(*Conv2D).geom, 32) && !poolsConv(s.Layers[0].(*Conv2D)) {
			t.Fatal("the first convolution reads its patches in place, yet the pool does not run it")
		}

		got := s.Forward(x, false)
		// Go's Winograd products keep every value's bits whatever tiles
		// share a chunk, but not always a NaN's payload
		// (kernels.WinogradRowsOwnBits); a 2-thread Forward cuts the batch
		// into micro-batches, which groups the tiles otherwise.
		payloads := kernels.WinogradRowsOwnBits(32, c.f2) || !s.Layers[2].(*Conv2D).useWinograd()
		sameBitsNaNs(t, "pooled output", got.Data, want.Data, payloads)
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
	if want := map[bool]int{true: 3}[kernels.WinogradRowsOwnBits(32, 64)]; winos != want {
		t.Errorf("the pools ran %d Winograd convolutions, want %d", winos, want)
	}
	probe := kernels.ConvGeom{H: 6, W: 6, C: 16, KH: 3, KW: 3, SH: 1, SW: 1, OH: 6, OW: 6, PadTop: 1, PadLeft: 1}
	if want := map[bool]int{true: 1}[kernels.Wino16Applies(probe, 16)]; wino16 != want {
		t.Errorf("the pools ran %d 16-channel Winograd convolutions, want %d", wino16, want)
	}
}

// sameBitsNaNs is sameBitsOf, where two NaNs count as the same whatever
// their payloads unless payloads is set.
func sameBitsNaNs(t *testing.T, what string, got, want []float32, payloads bool) {
	t.Helper()
	if payloads {
		sameBitsOf(t, what, got, want)
		return
	}
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i, w := range want {
		if g := got[i]; math.Float32bits(g) != math.Float32bits(w) && (g == g || w == w) {
			t.Fatalf("%s[%d] = %v, one pass %v", what, i, g, w)
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

// TestReluPoolGradSameBits checks that a training step with relu's
// gradient taken by the MaxPooling2Ds (pool_relu.go) gives every
// parameter gradient with the bits of the layers on their own (noFuse),
// inputs with ties included, and that the layers get their relu
// back afterwards. (A NaN input would make every gradient NaN.)
func TestReluPoolGradSameBits(t *testing.T) {
	var ms [2]*Sequential
	for i := range ms {
		ms[i] = NewSequential(tensor.Shape{15, 15, 2},
			&Conv2D{Filters: 32, KernelSize: [2]int{3, 3}, Activation: "relu"}, &MaxPooling2D{},
			&Conv2D{Filters: 16, KernelSize: [2]int{3, 3}, Padding: "same", Activation: "relu"}, &MaxPooling2D{},
			&Flatten{}, &Dense{Units: 5, Activation: "softmax"})
		if err := ms[i].Build(5); err != nil {
			t.Fatal(err)
		}
		for _, l := range ms[i].Layers {
			if p, ok := l.(*MaxPooling2D); ok {
				p.noFuse = i == 0
			}
		}
	}
	rng := rand.New(rand.NewPCG(5, 1))
	x := randTensor(rng, 1, 9, 15, 15, 2)
	for i := range x.Data {
		if rng.IntN(4) == 0 {
			x.Data[i] = 0.5 // equal inputs: ties in the pools
		}
	}
	labels := []int32{0, 1, 2, 3, 4, 0, 1, 2, 3}
	for i, m := range ms {
		m.Gradients(x, Target{Labels: labels}, nil, &SparseCategoricalCrossentropy{}, nil)
		if i == 1 {
			for _, l := range m.Layers {
				if c, ok := l.(*Conv2D); ok && c.act.name != "relu" {
					t.Errorf("%s after Backward: activation %s, want relu", c.Name(), c.act.name)
				}
				if p, ok := l.(*MaxPooling2D); ok && p.reluOut {
					t.Errorf("%s after Backward: reluOut still set", p.Name())
				}
			}
		}
	}
	a, b := ms[0].Params(), ms[1].Params()
	for j := range a {
		if a[j].Param.Grad != nil {
			sameBitsOf(t, a[j].FullName()+" gradient", b[j].Param.Grad.Data, a[j].Param.Grad.Data)
		}
	}
}
