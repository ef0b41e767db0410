package nn

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/cnnscope/cnnscope/tensor"
)

// Golden tests: forward and backward outputs must match PyTorch's (made by
// testdata/torch/make_golden.py with Keras' conventions) within 1e-4
// relative. Each element is compared relative to its own magnitude, with
// a floor of 1% of the tensor's largest magnitude so that values that are
// near zero by cancellation are judged at the scale of their inputs.

type goldenFile struct {
	Params  map[string]json.RawMessage `json:"params"`
	Tensors map[string]struct {
		Shape []int     `json:"shape"`
		Data  []float64 `json:"data"`
	} `json:"tensors"`
}

func loadGolden(t *testing.T, name string) *goldenFile {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "torch", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var g goldenFile
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return &g
}

// tensor returns the named golden tensor as float32.
func (g *goldenFile) tensor(t *testing.T, name string) *tensor.Tensor {
	t.Helper()
	v, ok := g.Tensors[name]
	if !ok {
		t.Fatalf("golden tensor %q missing", name)
	}
	out := tensor.New(v.Shape...)
	for i, x := range v.Data {
		out.Data[i] = float32(x)
	}
	return out
}

func (g *goldenFile) raw(t *testing.T, name string) []float64 {
	t.Helper()
	v, ok := g.Tensors[name]
	if !ok {
		t.Fatalf("golden tensor %q missing", name)
	}
	return v.Data
}

const goldenTol = 1e-4

func expectGolden(t *testing.T, what string, got []float32, want []float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d values, golden has %d", what, len(got), len(want))
		return
	}
	var scale float64
	for _, w := range want {
		scale = math.Max(scale, math.Abs(w))
	}
	bad := 0
	for i := range want {
		g, w := float64(got[i]), want[i]
		tol := goldenTol * math.Max(math.Abs(w), 1e-2*scale)
		if !(math.Abs(g-w) <= tol) {
			if bad < 3 {
				t.Errorf("%s[%d] = %.9g, PyTorch %.9g (|diff| %.3g > %.3g)", what, i, g, w, math.Abs(g-w), tol)
			}
			bad++
		}
	}
	if bad > 3 {
		t.Errorf("%s: %d of %d values differ", what, bad, len(want))
	}
}

// setParams copies golden weights into a built layer's params by name.
func setParams(t *testing.T, g *goldenFile, l Layer, prefix string) {
	t.Helper()
	for _, p := range l.Params() {
		v, ok := g.Tensors[prefix+p.Name]
		if !ok {
			continue
		}
		if len(v.Data) != p.Value.Len() {
			t.Fatalf("%s%s: %d values for a param of %d", prefix, p.Name, len(v.Data), p.Value.Len())
		}
		for i, x := range v.Data {
			p.Value.Data[i] = float32(x)
		}
	}
}

func grad(l Layer, name string) []float32 {
	for _, p := range l.Params() {
		if p.Name == name {
			return p.Grad.Data
		}
	}
	return nil
}

// checkLayerGolden builds l on the golden x, runs forward and backward and
// compares y, dx and the parameter gradients under the given key prefix.
func checkLayerGolden(t *testing.T, g *goldenFile, l Layer, prefix, yKey string, training bool) {
	t.Helper()
	x := g.tensor(t, prefix+"x")
	l.SetName("golden")
	if _, err := l.Build(x.Shape[1:], rand.New(rand.NewPCG(1, 2))); err != nil {
		t.Fatal(err)
	}
	setParams(t, g, l, prefix)
	y := l.Forward(x, training)
	expectGolden(t, prefix+yKey, y.Data, g.raw(t, prefix+yKey))
	dx := l.Backward(g.tensor(t, prefix+"dy"), true)
	expectGolden(t, prefix+"dx", dx.Data, g.raw(t, prefix+"dx"))
	for _, p := range l.Params() {
		if key := prefix + "d" + p.Name; p.Trainable && g.Tensors[key].Data != nil {
			expectGolden(t, key, p.Grad.Data, g.raw(t, key))
		}
	}
}

func TestGoldenConv2D(t *testing.T) {
	for _, c := range []struct {
		file  string
		layer *Conv2D
	}{
		{"conv2d_valid", &Conv2D{Filters: 4, KernelSize: [2]int{3, 3}}},
		{"conv2d_same_stride2", &Conv2D{Filters: 4, KernelSize: [2]int{3, 3}, Strides: [2]int{2, 2}, Padding: "same"}},
		{"conv2d_same_2x3", &Conv2D{Filters: 4, KernelSize: [2]int{2, 3}, Strides: [2]int{2, 1}, Padding: "same", NoBias: true}},
	} {
		t.Run(c.file, func(t *testing.T) {
			checkLayerGolden(t, loadGolden(t, c.file), c.layer, "", "y", true)
		})
	}
}

func TestGoldenPooling(t *testing.T) {
	for _, file := range []string{"maxpool", "avgpool"} {
		g := loadGolden(t, file)
		x := g.tensor(t, "x")
		for _, c := range []struct {
			key     string
			pool    [2]int
			strides [2]int
			padding string
		}{
			{"valid_2x2", [2]int{2, 2}, [2]int{}, ""},
			{"same_3x3_s2", [2]int{3, 3}, [2]int{2, 2}, "same"},
			{"same_2x2", [2]int{2, 2}, [2]int{}, "same"},
		} {
			t.Run(file+"/"+c.key, func(t *testing.T) {
				var l Layer = &MaxPooling2D{PoolSize: c.pool, Strides: c.strides, Padding: c.padding}
				if file == "avgpool" {
					l = &AveragePooling2D{PoolSize: c.pool, Strides: c.strides, Padding: c.padding}
				}
				l.SetName(c.key)
				if _, err := l.Build(x.Shape[1:], nil); err != nil {
					t.Fatal(err)
				}
				y := l.Forward(x, true)
				expectGolden(t, c.key+"/y", y.Data, g.raw(t, c.key+"/y"))
				dx := l.Backward(g.tensor(t, c.key+"/dy"), true)
				expectGolden(t, c.key+"/dx", dx.Data, g.raw(t, c.key+"/dx"))
			})
		}
	}
	t.Run("global", func(t *testing.T) {
		g := loadGolden(t, "avgpool")
		l := &GlobalAveragePooling2D{}
		x := g.tensor(t, "x")
		if _, err := l.Build(x.Shape[1:], nil); err != nil {
			t.Fatal(err)
		}
		expectGolden(t, "global/y", l.Forward(x, true).Data, g.raw(t, "global/y"))
		expectGolden(t, "global/dx", l.Backward(g.tensor(t, "global/dy"), true).Data, g.raw(t, "global/dx"))
	})
}

func TestGoldenDense(t *testing.T) {
	checkLayerGolden(t, loadGolden(t, "dense"), &Dense{Units: 5}, "", "y", true)
}

func TestGoldenBatchNorm(t *testing.T) {
	g := loadGolden(t, "batchnorm")
	for _, prefix := range []string{"bn4d/", "bn2d/"} {
		t.Run(prefix+"train", func(t *testing.T) {
			l := &BatchNormalization{}
			checkLayerGolden(t, g, l, prefix, "y_train", true)
			expectGolden(t, prefix+"moving_mean_new", l.movingMean.Value.Data, g.raw(t, prefix+"moving_mean_new"))
			expectGolden(t, prefix+"moving_variance_new", l.movingVar.Value.Data, g.raw(t, prefix+"moving_variance_new"))
		})
		t.Run(prefix+"infer", func(t *testing.T) {
			l := &BatchNormalization{}
			x := g.tensor(t, prefix+"x")
			if _, err := l.Build(x.Shape[1:], nil); err != nil {
				t.Fatal(err)
			}
			setParams(t, g, l, prefix)
			expectGolden(t, prefix+"y_infer", l.Forward(x, false).Data, g.raw(t, prefix+"y_infer"))
			expectGolden(t, prefix+"dx_infer", l.Backward(g.tensor(t, prefix+"dy"), true).Data, g.raw(t, prefix+"dx_infer"))
		})
	}
}

func TestGoldenActivations(t *testing.T) {
	g := loadGolden(t, "activations")
	x := g.tensor(t, "x")
	for _, name := range ActivationNames() {
		t.Run(name, func(t *testing.T) {
			l := &Activation{Function: name}
			if _, err := l.Build(x.Shape[1:], nil); err != nil {
				t.Fatal(err)
			}
			expectGolden(t, name+"/y", l.Forward(x, true).Data, g.raw(t, name+"/y"))
			expectGolden(t, name+"/dx", l.Backward(g.tensor(t, "dy"), true).Data, g.raw(t, name+"/dx"))
		})
	}
}
