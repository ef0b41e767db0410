package train

import (
	"context"
	"fmt"
	"math"
	"testing"

	"github.com/cnnscope/cnnscope/data"
	"github.com/cnnscope/cnnscope/nn"
	"github.com/cnnscope/cnnscope/optim"
	"github.com/cnnscope/cnnscope/tensor"
)

// tinyModel is a 4x4x1 → 3-class softmax regression, built.
func tinyModel(t testing.TB, hidden ...int) nn.Model {
	t.Helper()
	layers := []nn.Layer{&nn.Flatten{}}
	for _, h := range hidden {
		layers = append(layers, &nn.Dense{Units: h, Activation: "relu"})
	}
	layers = append(layers, &nn.Dense{Units: 3, Activation: "softmax"})
	m := nn.NewSequential(tensor.Shape{4, 4, 1}, layers...)
	if err := m.Build(1); err != nil {
		t.Fatal(err)
	}
	return m
}

// tinyData has n 4x4 gray images of 3 classes: class c lights up row c.
func tinyData(n int) *data.Dataset {
	ds := &data.Dataset{Height: 4, Width: 4, Channels: 1, Classes: []string{"a", "b", "c"}}
	for i := 0; i < n; i++ {
		c := i % 3
		img := make([]uint8, 16)
		for j := range img {
			img[j] = uint8((i*7 + j*13) % 40) // noise
		}
		for x := 0; x < 4; x++ {
			img[c*4+x] = 200
		}
		ds.Pixels = append(ds.Pixels, img...)
		ds.Labels = append(ds.Labels, int32(c))
		ds.Sources = append(ds.Sources, fmt.Sprintf("img%d", i))
	}
	return ds
}

// loaders returns training and validation loaders over tinyData.
func tinyLoaders(t testing.TB, n, batch int) (*data.Loader, *data.Loader) {
	t.Helper()
	ds := tinyData(n)
	pre := &data.Preprocess{Rescale: 1.0 / 255}
	tr, err := data.NewTrainLoader(ds, nil, data.TrainConfig{BatchSize: batch, Seed: 7, Preprocess: pre, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	va, err := data.NewEvalLoader(ds, nil, data.EvalConfig{BatchSize: batch, Preprocess: pre, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	return tr, va
}

// fit trains m on tinyData with the callbacks.
func fitTiny(t testing.TB, m nn.Model, epochs int, opt optim.Optimizer, cbs ...Callback) (*History, error) {
	t.Helper()
	tr, va := tinyLoaders(t, 48, 8)
	return Fit(context.Background(), m, tr, va, Options{Epochs: epochs, Loss: &nn.SparseCategoricalCrossentropy{},
		Optimizer: opt, Callbacks: cbs, Classes: []string{"a", "b", "c"}})
}

// fakeState is a State for driving callbacks by hand.
func fakeState(t testing.TB, lr float64) *State {
	t.Helper()
	return &State{Model: tinyModel(t), Optimizer: optim.NewSGD(optim.Config{LearningRate: lr}, 0, false),
		Options: &Options{Epochs: 100}, History: &History{}, StepsPerEpoch: 10}
}

// runEpochs feeds one value of name per epoch to the callback, as Fit
// would, until it stops; it returns the number of epochs run.
func runEpochs(t *testing.T, s *State, c Callback, name string, values []float64) int {
	t.Helper()
	if err := c.TrainBegin(s); err != nil {
		t.Fatal(err)
	}
	n := 0
	for e, v := range values {
		s.Epoch = e
		if err := c.EpochBegin(s, e); err != nil {
			t.Fatal(err)
		}
		logs := Logs{"epoch": float64(e + 1), "loss": 1, name: v, "lr": s.Optimizer.LearningRate()}
		if err := c.EpochEnd(s, e, logs); err != nil {
			t.Fatal(err)
		}
		s.History.Epochs = append(s.History.Epochs, logs)
		n++
		if s.Stop {
			break
		}
	}
	if err := c.TrainEnd(s); err != nil {
		t.Fatal(err)
	}
	return n
}

func closeTo(a, b float64) bool { return math.Abs(a-b) <= 1e-12*math.Max(1, math.Abs(b)) }

func nan() float64 { return math.NaN() }

func inf() float64 { return math.Inf(1) }
