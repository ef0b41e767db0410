package train

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/cnnscope/cnnscope/data"
	"github.com/cnnscope/cnnscope/nn"
	"github.com/cnnscope/cnnscope/optim"
	"github.com/cnnscope/cnnscope/tensor"
)

// batchOf returns a batch of n 4x4x1 images with every pixel at v.
func batchOf(n int, v float32) *data.Batch {
	x := tensor.New(n, 4, 4, 1)
	for i := range x.Data {
		x.Data[i] = v
	}
	return &data.Batch{X: x, Labels: make([]int32, n), Indices: make([]int, n)}
}

func paramNamed(m nn.Model, name string) nn.LayerParam {
	for _, p := range m.Params() {
		if p.FullName() == name {
			return p
		}
	}
	panic("no param " + name)
}

func TestTerminateOnNaNLoss(t *testing.T) {
	s := fakeState(t, 0.1)
	c := &TerminateOnNaN{}
	if err := c.TrainBegin(s); err != nil || s.Stop {
		t.Fatal(err, s.StopReason)
	}
	s.Step = 12
	if err := c.BatchEnd(s, &StepInfo{Epoch: 1, Step: 1, Loss: 0.7, Batch: batchOf(2, 1)}); err != nil || s.Stop {
		t.Fatalf("finite step stopped: %v %q", err, s.StopReason)
	}
	s.Step = 13
	if err := c.BatchEnd(s, &StepInfo{Epoch: 1, Step: 2, Loss: math.NaN(), Batch: batchOf(2, 1)}); err != nil {
		t.Fatal(err)
	}
	want := "terminated on NaN: loss is NaN at epoch 2 step 3/10 (global step 13); every layer's output is finite " +
		"(the loss itself is not: check the labels and the loss); the step was skipped: the model keeps the weights of the last good step"
	if !s.Stop || s.StopReason != want || !c.Terminated || c.Epoch != 1 || c.Step != 2 || c.GlobalStep != 13 {
		t.Errorf("stop %v %q\nwant %q\n%+v", s.Stop, s.StopReason, want, c)
	}
}

// TestTerminateOnNaNOverflowingLayer: finite weights so large that the
// hidden layer's output overflows; the forward pass names it.
func TestTerminateOnNaNOverflowingLayer(t *testing.T) {
	m := tinyModel(t, 5) // flatten, dense (relu), dense_1 (softmax)
	s := fakeState(t, 0.1)
	s.Model = m
	c := &TerminateOnNaN{}
	if err := c.TrainBegin(s); err != nil {
		t.Fatal(err)
	}
	k := paramNamed(m, "dense/kernel")
	for i := range k.Value.Data {
		k.Value.Data[i] = 3e38
	}
	b := batchOf(2, 1)
	loss, _ := m.Gradients(b.X, nn.Target{Labels: b.Labels}, nil, &nn.SparseCategoricalCrossentropy{}, nil)
	s.Step = 1
	if err := c.BatchEnd(s, &StepInfo{Loss: loss, Batch: b}); err != nil {
		t.Fatal(err)
	}
	if c.Layer != "dense" || c.Weight != "" || c.Grad == "" {
		t.Errorf("layer %q weight %q grad %q", c.Layer, c.Weight, c.Grad)
	}
	if !strings.Contains(s.StopReason, "the forward pass first gives NaN/Inf in layer dense (Dense)") ||
		!strings.Contains(s.StopReason, "first non-finite gradient: "+c.Grad) {
		t.Errorf("reason %q", s.StopReason)
	}
}

// TestTerminateOnNaNFit: a NaN put in a weight after the third step of a
// real fit makes the fourth step's loss NaN; the fit stops there, names
// the layer and the weight, and keeps every other weight as it was.
func TestTerminateOnNaNFit(t *testing.T) {
	m := tinyModel(t, 5)
	c := &TerminateOnNaN{}
	var before [][]float32
	inject := &onBatch{f: func(s *State, b *StepInfo) {
		if s.Step == 3 {
			paramNamed(m, "dense_1/kernel").Value.Data[4] = float32(math.NaN())
			for _, p := range m.Params() {
				before = append(before, slices.Clone(p.Value.Data))
			}
		}
	}}
	h, err := fitTiny(t, m, 3, optim.NewAdam(optim.Config{}), c, inject)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Terminated || c.GlobalStep != 4 || c.Layer != "dense_1" || c.Weight != "dense_1/kernel" || len(h.Epochs) != 1 {
		t.Fatalf("%+v, %d epochs", c, len(h.Epochs))
	}
	if !strings.HasPrefix(c.Reason, "terminated on NaN: loss is NaN at epoch 1 step 4/6 (global step 4); "+
		"the forward pass first gives NaN/Inf in layer dense_1 (Dense)") ||
		!strings.HasSuffix(c.Reason, "weights were already non-finite, first in dense_1/kernel") {
		t.Errorf("reason %q", c.Reason)
	}
	for i, p := range m.Params() {
		if !slices.EqualFunc(p.Value.Data, before[i], func(a, b float32) bool { return a == b || a != a && b != b }) {
			t.Errorf("%s changed in the failing step", p.FullName())
		}
	}
}

// TestTerminateOnNaNWeights: a finite loss but a weight that went NaN in
// the update, and a model that is NaN before training.
func TestTerminateOnNaNWeights(t *testing.T) {
	s := fakeState(t, 0.1)
	c := &TerminateOnNaN{}
	if err := c.TrainBegin(s); err != nil {
		t.Fatal(err)
	}
	p := paramNamed(s.Model, "dense/bias")
	p.Value.Data[1] = float32(math.Inf(1))
	p.Grad.Data[2] = float32(math.NaN())
	s.Step = 5
	if err := c.BatchEnd(s, &StepInfo{Step: 4, Loss: 0.25, Batch: batchOf(2, 1)}); err != nil {
		t.Fatal(err)
	}
	want := "terminated on NaN: weights became non-finite at epoch 1 step 5/10 (global step 5) (loss 0.25); " +
		"first non-finite gradient: dense/bias; first non-finite weight: dense/bias; the step was applied, the model's weights are not usable"
	if s.StopReason != want {
		t.Errorf("reason %q\nwant %q", s.StopReason, want)
	}

	m := tinyModel(t)
	paramNamed(m, "dense/kernel").Value.Data[0] = float32(math.NaN())
	h, err := fitTiny(t, m, 2, optim.NewAdam(optim.Config{}), c)
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Epochs) != 0 || c.Reason != "terminated on NaN: the weights are non-finite before training, first in dense/kernel" {
		t.Errorf("%d epochs, reason %q", len(h.Epochs), c.Reason)
	}
}

// TestTerminateOnNaNKeepsMovingStats: the bad batch's forward pass has
// updated BatchNormalization's moving statistics; they are put back, and
// the re-run forward pass leaves Dropout's random state as it was.
func TestTerminateOnNaNKeepsMovingStats(t *testing.T) {
	drop := &nn.Dropout{Rate: 0.5}
	m := nn.NewSequential(tensor.Shape{4, 4, 1}, &nn.Flatten{}, &nn.Dense{Units: 5}, &nn.BatchNormalization{}, drop,
		&nn.Dense{Units: 3, Activation: "softmax"})
	if err := m.Build(3); err != nil {
		t.Fatal(err)
	}
	s := fakeState(t, 0.1)
	s.Model = m
	c := &TerminateOnNaN{}
	if err := c.TrainBegin(s); err != nil {
		t.Fatal(err)
	}
	mean := paramNamed(m, "batch_normalization/moving_mean")
	good := slices.Clone(mean.Value.Data)
	rng, _ := drop.RNG().MarshalBinary()
	k := paramNamed(m, "dense/kernel")
	for i := 0; i < 16; i++ {
		k.Value.Data[i*5] = 3e38 // unit 0 of dense overflows on the next forward pass
	}
	b := batchOf(4, 1)
	loss, _ := m.Gradients(b.X, nn.Target{Labels: b.Labels}, nil, &nn.SparseCategoricalCrossentropy{}, nil)
	rng2, _ := drop.RNG().MarshalBinary()
	if slices.Equal(mean.Value.Data, good) {
		t.Fatal("the bad forward pass left the moving mean alone")
	}
	if err := c.BatchEnd(s, &StepInfo{Loss: loss, Batch: b}); err != nil {
		t.Fatal(err)
	}
	if !c.Terminated || c.Layer != "dense" {
		t.Fatalf("loss %v: %+v", loss, c)
	}
	if !slices.Equal(mean.Value.Data, good) {
		t.Errorf("moving mean %v, want the last good %v", mean.Value.Data, good)
	}
	if after, _ := drop.RNG().MarshalBinary(); string(after) != string(rng2) || string(rng) == string(rng2) {
		t.Error("the re-run forward pass moved Dropout's random state")
	}

	// A finite loss, but moving statistics gone bad: put back, named.
	for i := 0; i < 16; i++ {
		k.Value.Data[i*5] = 0.1
	}
	s.Stop, s.StopReason = false, ""
	if err := c.TrainBegin(s); err != nil {
		t.Fatal(err)
	}
	mean.Value.Data[2] = float32(math.Inf(-1))
	s.Step = 3
	if err := c.BatchEnd(s, &StepInfo{Step: 2, Loss: 1.5, Batch: b}); err != nil {
		t.Fatal(err)
	}
	want := "terminated on NaN: moving statistics became non-finite at epoch 1 step 3/10 (global step 3) (loss 1.5), " +
		"first in batch_normalization/moving_mean; those of the last good step were put back"
	if s.StopReason != want || c.Weight != "" || !slices.Equal(mean.Value.Data, good) {
		t.Errorf("reason %q\nwant %q\nweight %q, moving mean %v", s.StopReason, want, c.Weight, mean.Value.Data)
	}
}

// onBatch runs f at every batch end.
type onBatch struct {
	Nop
	f func(*State, *StepInfo)
}

func (o *onBatch) BatchEnd(s *State, b *StepInfo) error {
	o.f(s, b)
	return nil
}

func TestAllFinite(t *testing.T) {
	for n := 0; n < 11; n++ {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(i) - 3e38*float32(i%2) // large, finite, negative zero at 0
		}
		if !allFinite(v) {
			t.Fatalf("%v judged non-finite", v)
		}
		for i := range v {
			for _, bad := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
				w := slices.Clone(v)
				w[i] = float32(bad)
				if allFinite(w) {
					t.Errorf("%v at %d of %d missed", bad, i, n)
				}
			}
		}
	}
}
