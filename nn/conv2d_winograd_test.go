package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/cnnscope/cnnscope/tensor"
)

// convRun is one Forward and Backward of a Conv2D: y, dx and the
// parameter gradients.
type convRun struct{ y, dx, dk, db []float32 }

func runConv(t *testing.T, l *Conv2D, in tensor.Shape, x, dy *tensor.Tensor) convRun {
	t.Helper()
	l.SetName("conv")
	if _, err := l.Build(in, rand.New(rand.NewPCG(1, 2))); err != nil {
		t.Fatal(err)
	}
	var r convRun
	r.y = append(r.y, l.Forward(x, true).Data...)
	r.dx = append(r.dx, l.Backward(dy.Clone(), true).Data...)
	r.dk = append(r.dk, l.kernel.Grad.Data...)
	if l.bias != nil {
		r.db = append(r.db, l.bias.Grad.Data...)
	}
	return r
}

// maxRelErr is max |got - want| over max |want|.
func maxRelErr(got []float32, want []float64) float64 {
	var d, scale float64
	for i, w := range want {
		d = math.Max(d, math.Abs(float64(got[i])-w))
		scale = math.Max(scale, math.Abs(w))
	}
	return d / math.Max(scale, 1e-30)
}

// winogradLayerTol bounds y's and dx's error relative to their largest
// value, for Winograd and for the direct path alike; see
// kernels.winogradTol (measured: TestConv2DWinograd logs both).
const winogradLayerTol = 2e-5

// TestConv2DWinograd runs 3x3 stride-1 convolutions with Winograd forced
// on and off (odd and even sizes, valid and same padding, 1 to 33
// channels, batch 1 to 3, with and without bias and activation): y, dx
// and the parameter gradients must match the float64 direct sums within
// winogradLayerTol, as the direct path's do.
func TestConv2DWinograd(t *testing.T) {
	var worst [2]float64 // direct, Winograd
	i := 0
	for _, s := range []struct{ n, h, w, c, f int }{
		{1, 3, 3, 1, 1}, {2, 5, 4, 3, 8}, {3, 7, 9, 16, 5}, {1, 10, 10, 20, 33}, {2, 6, 11, 1, 16}, {2, 8, 12, 24, 32},
	} {
		for _, pad := range []string{"valid", "same"} {
			i++
			in := tensor.Shape{s.h, s.w, s.c}
			rng := rand.New(rand.NewPCG(7, uint64(i)))
			x := randTensor(rng, 1, s.n, s.h, s.w, s.c)
			mk := func(mode winogradMode) *Conv2D {
				l := &Conv2D{Filters: s.f, KernelSize: [2]int{3, 3}, Padding: pad, NoBias: i%3 == 0}
				l.wino.mode = mode
				return l
			}
			direct, wino := mk(winogradOff), mk(winogradOn)
			fp, err := direct.plan(in)
			if err != nil {
				t.Fatal(err)
			}
			dy := randTensor(rng, 1, append([]int{s.n}, fp.out...)...)
			rd := runConv(t, direct, in, x, dy)
			rw := runConv(t, wino, in, x, dy)
			ny, ndx, ndk := naiveConv(direct, x, dy)
			what := fmt.Sprintf("%+v %s", s, pad)
			for k, r := range []convRun{rd, rw} {
				for _, c := range []struct {
					name string
					got  []float32
					want []float64
				}{{"y", r.y, ny}, {"dx", r.dx, ndx}, {"dkernel", r.dk, ndk}} {
					e := maxRelErr(c.got, c.want)
					worst[k] = math.Max(worst[k], e)
					if e > winogradLayerTol {
						t.Errorf("%s (winograd %v): %s off by %.3g relative to its largest value", what, k == 1, c.name, e)
					}
				}
				for j := range rd.db { // the same code on the same dz
					if math.Float32bits(r.db[j]) != math.Float32bits(rd.db[j]) {
						t.Errorf("%s: dbias[%d] = %v, direct %v", what, j, r.db[j], rd.db[j])
					}
				}
			}
		}
	}
	t.Logf("max relative error against float64 sums (y, dx, dkernel): direct %.3g, winograd %.3g", worst[0], worst[1])
}

// TestConv2DWinogradWeights: the transformed kernel follows the weights
// when they change between calls without the layer being told (an
// optimizer step, loaded weights), in training and at inference.
func TestConv2DWinogradWeights(t *testing.T) {
	in := tensor.Shape{6, 5, 16}
	rng := rand.New(rand.NewPCG(8, 8))
	x := randTensor(rng, 1, 2, 6, 5, 16)
	l := &Conv2D{Filters: 16, KernelSize: [2]int{3, 3}, Padding: "same"}
	if _, err := l.Build(in, rand.New(rand.NewPCG(1, 2))); err != nil {
		t.Fatal(err)
	}
	l.wino.mode = winogradOn
	for step, training := range []bool{true, false, false, true, false} {
		for rep := 0; rep < 2; rep++ { // the second call with the same weights
			y := l.Forward(x, training)
			ny, _, _ := naiveConv(l, x, y) // dy unused
			if e := maxRelErr(y.Data, ny); e > winogradLayerTol {
				t.Fatalf("step %d (training %v, call %d): y off by %.3g after a weight change", step, training, rep, e)
			}
		}
		for j := range l.kernel.Value.Data {
			l.kernel.Value.Data[j] = rng.Float32() - 0.5
		}
	}
}

// TestGoldenConv2DWinograd checks the PyTorch golden file of a 3x3
// stride-1 convolution with Winograd forced on (its 4 channels are below
// winogradMinChannels; basic_cnn_adam and resnet20_adam run it in the
// default mode).
func TestGoldenConv2DWinograd(t *testing.T) {
	l := &Conv2D{Filters: 4, KernelSize: [2]int{3, 3}}
	l.wino.mode = winogradOn
	checkLayerGolden(t, loadGolden(t, "conv2d_valid"), l, "", "y", true)
	if !l.useWinograd() {
		t.Fatal("the golden convolution did not run Winograd")
	}
}

// TestConv2DWinogradSelection: by default Winograd runs on 3x3 stride-1
// kernels with at least winogradMinChannels input and output channels,
// and never when switched off.
func TestConv2DWinogradSelection(t *testing.T) {
	for _, c := range []struct {
		k, s, c, f int
		mode       winogradMode
		want       bool
	}{
		{3, 1, 128, 128, winogradAuto, true},
		{3, 1, 128, 256, winogradAuto, true},
		{3, 1, 32, 32, winogradAuto, true},
		{3, 1, 16, 32, winogradAuto, false},
		{3, 1, 32, 16, winogradAuto, false},
		{3, 1, 3, 32, winogradAuto, false},
		{3, 2, 128, 128, winogradAuto, false},
		{1, 1, 128, 128, winogradAuto, false},
		{5, 1, 128, 128, winogradOn, false},
		{3, 1, 128, 128, winogradOff, false},
		{3, 1, 1, 1, winogradOn, true},
	} {
		l := &Conv2D{Filters: c.f, KernelSize: [2]int{c.k, c.k}, Strides: [2]int{c.s, c.s}, Padding: "same"}
		l.wino.mode = c.mode
		if _, err := l.plan(tensor.Shape{8, 8, c.c}); err != nil {
			t.Fatal(err)
		}
		if got := l.useWinograd(); got != c.want {
			t.Errorf("%+v: useWinograd %v, want %v", c, got, c.want)
		}
	}
}

// TestGradConv2DWinograd: finite differences against Backward with
// Winograd forced on (the numeric kernel gradient perturbs the weights in
// place between Forwards, so it also checks that the cached transform
// follows them).
func TestGradConv2DWinograd(t *testing.T) {
	on := func(l *Conv2D) *Conv2D { l.wino.mode = winogradOn; return l }
	for _, c := range []gradCase{
		{name: "wino_valid", layer: on(&Conv2D{Filters: 4, KernelSize: [2]int{3, 3}}), in: tensor.Shape{7, 5, 3}, batch: 2},
		{name: "wino_same_nobias_tanh", layer: on(&Conv2D{Filters: 3, KernelSize: [2]int{3, 3}, Padding: "same", NoBias: true, Activation: "tanh"}), in: tensor.Shape{5, 6, 2}, batch: 3},
	} {
		t.Run(c.name, func(t *testing.T) { runGradCheck(t, c) })
	}
}

// TestConv2DWinogradRelu: a relu Conv2D running Winograd applies relu in
// the output transform with the bits of Relu after the linear
// convolution, and its gradients are the same whether it keeps relu's
// mask as bits (a BatchNormalization after it writes over y) or not:
// with the mask set in a pass after the convolution (7 filters, odd
// height) and set run by run in its chunks (32 filters, even sizes,
// kernels.WinogradConvMask).
func TestConv2DWinogradRelu(t *testing.T) {
	for _, s := range []struct{ h, w, f int }{{9, 8, 7}, {8, 6, 32}} {
		in := tensor.Shape{s.h, s.w, 5}
		rng := rand.New(rand.NewPCG(21, 22))
		x := randTensor(rng, 1, 2, s.h, s.w, 5)
		dy := randTensor(rng, 1, 2, s.h, s.w, s.f)
		mk := func(act string, mask bool) *Conv2D {
			l := &Conv2D{Filters: s.f, KernelSize: [2]int{3, 3}, Padding: "same", Activation: act}
			l.wino.mode = winogradOn
			l.maskOut = mask
			return l
		}
		lin := runConv(t, mk("", false), in, x, dy)
		var runs [2]convRun
		for i, mask := range []bool{false, true} {
			runs[i] = runConv(t, mk("relu", mask), in, x, dy)
			for j, v := range runs[i].y {
				if want := max(lin.y[j], 0); math.Float32bits(v) != math.Float32bits(want) {
					t.Fatalf("%+v mask %v: y[%d] = %v, relu of the linear output %v", s, mask, j, v, want)
				}
			}
		}
		for _, c := range [][2][]float32{{runs[0].dx, runs[1].dx}, {runs[0].dk, runs[1].dk}, {runs[0].db, runs[1].db}} {
			for j, v := range c[0] {
				if math.Float32bits(v) != math.Float32bits(c[1][j]) {
					t.Fatalf("%+v: gradient [%d] = %v without the mask, %v with it", s, j, v, c[1][j])
				}
			}
		}
	}
}

// sameBits tells bits apart, not values: -0 from +0, one NaN from
// another, a change in the last value; equal NaNs match.
func TestWinogradSameBits(t *testing.T) {
	nan := float32(math.NaN())
	a := []float32{1, 2, nan, 0, 5}
	for i, c := range []struct {
		b    []float32
		want bool
	}{
		{[]float32{1, 2, nan, 0, 5}, true},
		{[]float32{1, 2, nan, float32(math.Copysign(0, -1)), 5}, false},
		{[]float32{1, 2, math.Float32frombits(math.Float32bits(nan) + 1), 0, 5}, false},
		{[]float32{1, 2, nan, 0, math.Nextafter32(5, 6)}, false},
		{[]float32{1, 2, nan, 0, 5, 7}, true}, // b is cut to len(a)
	} {
		if got := sameBits(a, c.b); got != c.want {
			t.Errorf("case %d: sameBits = %v, want %v", i, got, c.want)
		}
	}
	if !sameBits(nil, nil) {
		t.Error("empty slices differ")
	}
}
