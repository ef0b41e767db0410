package nn

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/cnnscope/cnnscope/tensor"
)

func arenaTestModel() *Sequential {
	return NewSequential(tensor.Shape{8, 8, 3},
		&Conv2D{Filters: 4, KernelSize: [2]int{3, 3}, Padding: "same", Activation: "relu"}, &BatchNormalization{},
		&MaxPooling2D{}, &Dropout{Rate: 0.3},
		&Conv2D{Filters: 5, KernelSize: [2]int{1, 1}, Activation: "gelu"}, &AveragePooling2D{},
		&Flatten{}, &Dense{Units: 6, Activation: "relu"}, &Dense{Units: 3, Activation: "softmax"})
}

// A Sequential's layers write their input gradients and inference
// outputs into two shared slabs; the gradients and outputs are the same,
// bit for bit, as with buffers per layer, and the layers keep no dx
// buffer of their own.
func TestArenaMatchesOwnBuffers(t *testing.T) {
	shared, own := arenaTestModel(), arenaTestModel()
	for _, m := range []*Sequential{shared, own} {
		if err := m.Build(3); err != nil {
			t.Fatal(err)
		}
	}
	for _, l := range own.Layers {
		if u, ok := l.(arenaUser); ok {
			u.setArena(nil)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	x := tensor.New(4, 8, 8, 3)
	for i := range x.Data {
		x.Data[i] = rng.Float32()*2 - 1
	}
	labels := []int32{0, 1, 2, 1}
	for step := 0; step < 2; step++ {
		l1, _ := shared.Gradients(x, Target{Labels: labels}, nil, &SparseCategoricalCrossentropy{}, nil)
		l2, _ := own.Gradients(x, Target{Labels: labels}, nil, &SparseCategoricalCrossentropy{}, nil)
		if l1 != l2 {
			t.Fatalf("step %d: loss %v with the arena, %v without", step, l1, l2)
		}
		ps, po := shared.Params(), own.Params()
		for i := range ps {
			if ps[i].Grad == nil {
				continue
			}
			for j, g := range ps[i].Grad.Data {
				if math.Float32bits(g) != math.Float32bits(po[i].Grad.Data[j]) {
					t.Fatalf("step %d: %s grad[%d] = %v with the arena, %v without", step, ps[i].FullName(), j, g, po[i].Grad.Data[j])
				}
			}
		}
	}
	for _, l := range shared.Layers {
		if c, ok := l.(*Conv2D); ok && c.dx != nil {
			t.Errorf("%s keeps a dx buffer of its own", c.Name())
		}
	}
	if shared.arena.perSample != 8*8*4 {
		t.Errorf("arena sized for %d values per sample, want the largest tensor, %d", shared.arena.perSample, 8*8*4)
	}
	// Inference: the outputs go through the slabs, the same bits.
	shared.noShard, own.noShard = true, true // one pass on one thread, not micro-batches per thread (graph_micro_shards.go)
	x2 := tensor.New(6, 8, 8, 3)
	for i := range x2.Data {
		x2.Data[i] = rng.Float32()
	}
	y1, y2 := shared.Forward(x2, false), own.Forward(x2, false)
	if !within(shared.arena.slabs[0], y1.Data) && !within(shared.arena.slabs[1], y1.Data) {
		t.Errorf("the inference output is not in the arena")
	}
	for i, v := range y1.Data {
		if math.Float32bits(v) != math.Float32bits(y2.Data[i]) {
			t.Fatalf("inference output [%d] = %v with the arena, %v without", i, v, y2.Data[i])
		}
	}
}

// A layer's buffer keeps its storage through a smaller last batch and
// back: no reallocation, so no garbage, each epoch.
func TestEnsureBatchKeepsStorage(t *testing.T) {
	per := tensor.Shape{3, 2}
	a := ensureBatch(nil, 4, per)
	first := &a.Data[0]
	b := ensureBatch(a, 1, per)
	if b != a || &b.Data[0] != first || len(b.Data) != 6 || !b.Shape.Equal(tensor.Shape{1, 3, 2}) {
		t.Errorf("a smaller batch reallocated or is misshaped: %v, %d values", b.Shape, len(b.Data))
	}
	c := ensureBatch(b, 4, per)
	if c != a || &c.Data[0] != first || len(c.Data) != 24 || !c.Shape.Equal(tensor.Shape{4, 3, 2}) {
		t.Errorf("growing back reallocated or is misshaped: %v, %d values", c.Shape, len(c.Data))
	}
	if d := ensureBatch(c, 5, per); d == c || len(d.Data) != 30 {
		t.Errorf("a larger batch did not get a new buffer of 30 values")
	}
}
