package nn

import (
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"

	"github.com/cnnscope/cnnscope/tensor"
)

// shardModels are the models of TestShardedGradients: basic-cnn,
// vgg-small (BatchNormalization and Dropout), and a small one with the
// other per-sample layers, its first layer frozen.
func shardModels() map[string]func() *Sequential {
	return map[string]func() *Sequential{
		"basic-cnn": func() *Sequential { return BasicCNN(tensor.Shape{28, 28, 1}, 10) },
		// BatchNormalization and Dropout: the shards' sums meet at a
		// barrier, the masks are the whole batch's (shard_links.go)
		"vgg-small": func() *Sequential { return VGGSmall(tensor.Shape{16, 16, 3}, 10) },
		"mixed": func() *Sequential {
			c := &Conv2D{Filters: 8, KernelSize: [2]int{3, 3}, Padding: "same"}
			SetTrainable(c, false)
			return NewSequential(tensor.Shape{12, 12, 3}, c, &ReLU{},
				&AveragePooling2D{}, &Conv2D{Filters: 16, KernelSize: [2]int{3, 3}, Activation: "tanh"},
				&MaxPooling2D{}, &Flatten{}, &Dense{Units: 12}, &Activation{Function: "relu"},
				&Dense{Units: 5}, &Activation{Function: "softmax"})
		},
	}
}

// shardStep is one Gradients call at procs threads; it returns the loss,
// the output, the per-sample losses and every parameter gradient.
func shardStep(m *Sequential, procs int, x *tensor.Tensor, labels []int32, w []float32) (float64, []float32, []float32, [][]float32) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
	per := make([]float32, len(labels))
	v, out := m.Gradients(x, Target{Labels: labels}, w, &SparseCategoricalCrossentropy{}, per)
	var grads [][]float32
	for _, p := range m.Params() {
		if p.Grad != nil {
			grads = append(grads, slices.Clone(p.Grad.Data))
		}
	}
	return v, slices.Clone(out.Data), per, grads
}

// TestShardedGradients checks a training step cut into shards (two
// threads) against the whole batch on one thread: the same outputs and
// per-sample losses, the same loss and gradients up to the order of
// their sums; frozen weights get zeros. Two sharded models give the same
// bits, also after the weights change between steps (the replicas see
// the model's weights) and for a batch that does not split evenly.
func TestShardedGradients(t *testing.T) {
	for name, mk := range shardModels() {
		t.Run(name, func(t *testing.T) {
			ms := [3]*Sequential{mk(), mk(), mk()}
			for _, m := range ms {
				if err := m.Build(7); err != nil {
					t.Fatal(err)
				}
			}
			prev := runtime.GOMAXPROCS(2)
			s, s15 := ms[1].shardCount(32), ms[1].shardCount(15)
			runtime.GOMAXPROCS(prev)
			if s != 2 || s15 != 1 {
				t.Fatalf("shardCount at 2 threads: %d for 32 samples, %d for 15; want 2 and 1", s, s15)
			}
			rng := rand.New(rand.NewPCG(3, 4))
			classes := ms[0].Output()[0]
			for step, n := range []int{32, 17, 32} {
				x := randTensor(rng, 1, append([]int{n}, ms[0].Input...)...)
				labels := make([]int32, n)
				w := make([]float32, n)
				for i := range labels {
					labels[i], w[i] = int32(rng.IntN(classes)), float32(rng.Float64()+0.5)
				}
				v0, out0, per0, g0 := shardStep(ms[0], 1, x, labels, w)
				v1, out1, per1, g1 := shardStep(ms[1], 2, x, labels, w)
				v2, out2, per2, g2 := shardStep(ms[2], 2, x, labels, w)
				if v1 != v2 || !slices.Equal(out1, out2) || !slices.Equal(per1, per2) || !slices.EqualFunc(g1, g2, slices.Equal) {
					t.Fatalf("step %d: two sharded models differ", step)
				}
				if math.Abs(v0-v1) > 1e-6*math.Abs(v0) {
					t.Errorf("step %d: loss %v sharded, %v whole", step, v1, v0)
				}
				closeTo(t, "output", out1, out0, 1e-6)
				closeTo(t, "per-sample loss", per1, per0, 1e-5)
				for j := range g0 {
					closeTo(t, "gradient", g1[j], g0[j], 1e-5)
				}
				if name == "mixed" && slices.ContainsFunc(g1[0], func(v float32) bool { return v != 0 }) {
					t.Errorf("step %d: the frozen kernel got a gradient", step)
				}
				for _, m := range ms { // a stand-in for an optimizer step
					for _, p := range m.Params() {
						for i := range p.Value.Data {
							p.Value.Data[i] *= 0.9
						}
					}
				}
			}
		})
	}
}

// closeTo fails unless got and want differ by at most tol times want's
// largest magnitude (at least 1).
func closeTo(t *testing.T, what string, got, want []float32, tol float64) {
	t.Helper()
	scale := 1.0
	for _, v := range want {
		scale = max(scale, math.Abs(float64(v)))
	}
	for i := range want {
		if d := math.Abs(float64(got[i]) - float64(want[i])); !(d <= tol*scale) {
			t.Fatalf("%s[%d] = %v, want %v (tolerance %g)", what, i, got[i], want[i], tol*scale)
		}
	}
}

// A model with more weights than maxShardParams, or with a layer that is
// not per-sample, trains on the whole batch.
func TestShardCountLimits(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	big := NewSequential(tensor.Shape{2049}, &Dense{Units: 2048})
	drop := NewSequential(tensor.Shape{8}, &Dense{Units: 3}, &Dropout{Rate: 0.5}, &Dense{Units: 2}) // 16 samples of 3: not on a mask word
	small := NewSequential(tensor.Shape{8}, &Dense{Units: 4}, &Dense{Units: 2})
	for _, m := range []*Sequential{big, drop, small} {
		if err := m.Build(1); err != nil {
			t.Fatal(err)
		}
	}
	if b, d, s := big.shardCount(32), drop.shardCount(32), small.shardCount(32); b != 1 || d != 1 || s != 2 {
		t.Errorf("shardCount(32) at 2 threads: %d with %d weights, %d with Dropout, %d small; want 1, 1, 2", b, big.Layers[0].Params()[0].Value.Len(), d, s)
	}
}
