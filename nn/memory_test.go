package nn

import (
	"math"
	"runtime"
	"strings"
	"testing"

	"github.com/cnnscope/cnnscope/tensor"
)

func TestEstimateMemoryCountsWeightsAndBuffers(t *testing.T) {
	m := NewSequential(tensor.Shape{4, 4, 1}, &Conv2D{Filters: 2, KernelSize: [2]int{3, 3}}, &Flatten{}, &Dense{Units: 3})
	e, err := m.EstimateMemory(2, 2)
	if err != nil {
		t.Fatal(err)
	}
	// conv: 3*3*1*2+2 = 20 weights; y 8 (linear: no pre-activation), im2col
	// and its gradient 2*(2*2*9). dense: 8*3+3 = 27 weights; y 3. The input
	// gradients (conv 16, dense 8) share two slabs of the largest: 2*16.
	// The input itself: 16 per sample.
	// A validation pass (memory_run.go) comes on top; batch 2 runs on one thread.
	want := MemoryEstimate{Batch: 2, Weights: 4 * 47, Gradients: 4 * 47, OptimizerState: 4 * 47 * 2, Activations: 4 * 2 * (16 + 80 + 3 + 2*16), Shards: 1, Inference: e.Inference}
	if e != want || e.Inference <= 0 {
		t.Errorf("estimate %+v, want %+v", e, want)
	}
	if err := m.Build(1); err != nil {
		t.Fatal(err)
	}
	tr, non := m.CountParams()
	if float64(4*(tr+non)) != e.Weights {
		t.Errorf("built model has %d weights, the estimate counted %v bytes", tr+non, e.Weights)
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	inf, err := m.EstimateMemory(2, -1)
	// Inference on one thread, one micro-batch: the input and output
	// batches (16 and 3 per sample); Flatten's output (counted, though a
	// view), the arena's two slabs of the largest tensor (the input, 16)
	// and the tile; the folded kernels (at most the 47 weights). The
	// gradients Build makes are counted too.
	if err != nil || inf.Gradients != 4*47 || inf.OptimizerState != 0 || inf.Activations != 4*(2*(16+3)+2*(8+2*16)+2*2*9*2+47) {
		t.Errorf("inference estimate %+v, %v", inf, err)
	}
}

// The plans of the layers with weights count exactly what Build creates.
func TestPlansCountWhatBuildCreates(t *testing.T) {
	m := NewSequential(tensor.Shape{9, 9, 3},
		&Conv2D{Filters: 4, KernelSize: [2]int{3, 3}, Padding: "same"}, &BatchNormalization{},
		&DepthwiseConv2D{KernelSize: [2]int{3, 3}, DepthMultiplier: 2}, &SeparableConv2D{Filters: 5, KernelSize: [2]int{3, 3}},
		&MaxPooling2D{}, &GlobalAveragePooling2D{}, &Dense{Units: 3, NoBias: true})
	e, err := m.EstimateMemory(1, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Build(1); err != nil {
		t.Fatal(err)
	}
	tr, non := m.CountParams()
	if float64(4*(tr+non)) != e.Weights || float64(4*tr) != e.Gradients {
		t.Errorf("built %d+%d weights, estimated %v bytes of weights and %v of gradients", tr, non, e.Weights, e.Gradients)
	}
}

func TestAbsurdSizesAreRefusedBeforeAllocating(t *testing.T) {
	if _, _, ok := SystemMemory(); !ok {
		t.Skip("no /proc/meminfo")
	}
	for name, m := range map[string]*Sequential{
		"dense units":   NewSequential(tensor.Shape{28, 28, 1}, &Flatten{}, &Dense{Units: 2000000000}),
		"huge input":    NewSequential(tensor.Shape{100000, 100000, 3}, &Flatten{}, &Dense{Units: 10}),
		"huge conv":     NewSequential(tensor.Shape{28, 28, 1}, &Conv2D{Filters: 1 << 40, KernelSize: [2]int{3, 3}}),
		"overflow dims": NewSequential(tensor.Shape{1 << 40, 1 << 40, 1}, &Flatten{}),
		"separable":     NewSequential(tensor.Shape{28, 28, 1}, &SeparableConv2D{Filters: 1 << 40, KernelSize: [2]int{3, 3}}),
		"depthwise":     NewSequential(tensor.Shape{28, 28, 1}, &DepthwiseConv2D{KernelSize: [2]int{3, 3}, DepthMultiplier: 1 << 40}),
	} {
		err := m.Build(1)
		if err == nil {
			t.Errorf("%s: built", name)
			continue
		}
		if e, err := m.EstimateMemory(1<<20, 2); err == nil {
			if err := e.Fits(); err == nil || !strings.Contains(err.Error(), "available") {
				t.Errorf("%s: estimate %v fits: %v", name, e, err)
			}
		}
	}
}

func TestDuplicateLayerNamesAreAnError(t *testing.T) {
	a, b := &Dense{Units: 2}, &Dense{Units: 2}
	a.SetName("same")
	b.SetName("same")
	err := NewSequential(tensor.Shape{3}, a, b).Build(1)
	if err == nil || !strings.Contains(err.Error(), `"same"`) {
		t.Errorf("err = %v", err)
	}
}

func TestLayerConfigIsCheckedWhenTheSpecIsRead(t *testing.T) {
	nan := math.NaN()
	for _, s := range []LayerSpec{
		{Type: "Dense", Units: -1},
		{Type: "Dense", Units: 3, Activation: "nope"},
		{Type: "Dense", Units: 3, KernelInitializer: "nope"},
		{Type: "Dropout", Rate: nan},
		{Type: "Dropout", Rate: 1},
		{Type: "BatchNormalization", Momentum: nan},
		{Type: "BatchNormalization", Epsilon: -1},
		{Type: "Conv2D", Filters: 0, KernelSize: Pair{3, 3}},
		{Type: "Conv2D", Filters: 2, KernelSize: Pair{3, 3}, Padding: "full"},
		{Type: "MaxPooling2D", Padding: "x"},
		{Type: "Activation", Activation: "softmaxx"},
	} {
		if _, err := s.Layer(); err == nil {
			t.Errorf("%+v: accepted", s)
		}
	}
	var p Pair
	for _, in := range []string{"0", "[3, 0]", "-2", "[1, 2, 3]"} {
		if err := p.UnmarshalJSON([]byte(in)); err == nil {
			t.Errorf("pair %s: accepted as %v", in, p)
		}
	}
}

func TestCategoricalLossesTakeIntegerLabelsOneHot(t *testing.T) {
	pred := tensor.FromData([]float32{0.7, 0.2, 0.1, 0.1, 0.3, 0.6}, 2, 3)
	labels := []int32{0, 2}
	sparse := (&SparseCategoricalCrossentropy{}).Compute(pred, Target{Labels: labels}, nil, nil, nil)
	cat := (&CategoricalCrossentropy{}).Compute(pred, Target{Labels: labels}, nil, nil, nil)
	if math.Abs(sparse-cat) > 1e-12 {
		t.Errorf("categorical on labels %v, sparse %v", cat, sparse)
	}
	dense := tensor.FromData([]float32{1, 0, 0, 0, 0, 1}, 2, 3)
	bce := &BinaryCrossentropy{}
	if a, b := bce.Compute(pred, Target{Labels: labels}, nil, nil, nil), bce.Compute(pred, Target{Dense: dense}, nil, nil, nil); a != b {
		t.Errorf("binary on labels %v, on one-hot %v", a, b)
	}
	if err := CheckLabels(bce, 1, 2); err != nil {
		t.Error(err)
	}
	if err := CheckLabels(bce, 1, 3); err == nil {
		t.Error("1 output for 3 classes accepted")
	}
	if err := CheckLabels(&CategoricalCrossentropy{}, 10, 10); err != nil {
		t.Error(err)
	}
}

// A functional model's estimate counts exactly the weights Build creates.
func TestGraphEstimateCountsWhatBuildCreates(t *testing.T) {
	for _, name := range []string{"resnet-20", "mobilenet-v2-small"} {
		g := Presets[name](tensor.Shape{32, 32, 3}, 10)
		e, err := g.EstimateMemory(8, 2)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := g.Build(1); err != nil {
			t.Fatal(err)
		}
		tr, non := g.CountParams()
		if float64(4*(tr+non)) != e.Weights || 4*winogradCaches(g) != e.KernelCopies || float64(4*tr) != e.Gradients || e.Activations <= 0 {
			t.Errorf("%s: built %d+%d weights, estimate %+v", name, tr, non, e)
		}
	}
	huge := ResNet20(tensor.Shape{1000000, 1000000, 3}, 10)
	if e, err := huge.EstimateMemory(32, 2); err == nil {
		if err := e.Fits(); err == nil {
			if _, _, ok := SystemMemory(); ok {
				t.Errorf("resnet-20 on 10^12 pixels fits: %v", e)
			}
		}
	}
}

// winogradCaches is the values m's Conv2D layers keep beside their
// kernels for Winograd (counted with the weights by EstimateMemory).
func winogradCaches(m Model) float64 {
	var n float64
	for _, node := range m.Nodes() {
		if c, ok := node.Layer.(*Conv2D); ok {
			n += c.winogradCache()
		}
	}
	return n
}
