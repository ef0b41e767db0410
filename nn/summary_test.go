package nn

import (
	"strings"
	"testing"

	"github.com/cnnscope/cnnscope/tensor"
)

func TestBasicCNNSummaryMatchesKeras(t *testing.T) {
	m := BasicCNN(tensor.Shape{28, 28, 1}, 10)
	if err := m.Build(1); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := m.Summary(&b); err != nil {
		t.Fatal(err)
	}
	want := `Model: "sequential"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
│ conv2d (Conv2D)                 │ (None, 26, 26, 32)     │           320 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ max_pooling2d (MaxPooling2D)    │ (None, 13, 13, 32)     │             0 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ conv2d_1 (Conv2D)               │ (None, 11, 11, 64)     │        18,496 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ max_pooling2d_1 (MaxPooling2D)  │ (None, 5, 5, 64)       │             0 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ conv2d_2 (Conv2D)               │ (None, 3, 3, 64)       │        36,928 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ flatten (Flatten)               │ (None, 576)            │             0 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ dense (Dense)                   │ (None, 64)             │        36,928 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ dense_1 (Dense)                 │ (None, 10)             │           650 │
└─────────────────────────────────┴────────────────────────┴───────────────┘
 Total params: 93,322 (364.54 KB)
 Trainable params: 93,322 (364.54 KB)
 Non-trainable params: 0 (0.00 B)
`
	if got := b.String(); got != want {
		t.Errorf("summary differs from Keras'.\ngot:\n%s\nwant:\n%s", got, want)
	}
}

func TestBatchNormCountsNonTrainable(t *testing.T) {
	m := NewSequential(tensor.Shape{8, 8, 3},
		&Conv2D{Filters: 4, KernelSize: [2]int{3, 3}, NoBias: true},
		&BatchNormalization{},
		&GlobalAveragePooling2D{},
		&Dense{Units: 2, Activation: "softmax"})
	if err := m.Build(1); err != nil {
		t.Fatal(err)
	}
	tr, non := m.CountParams()
	// conv 3*3*3*4=108; BN gamma+beta 8 trainable, moving 8; dense 4*2+2=10.
	if tr != 108+8+10 || non != 8 {
		t.Errorf("params = %d trainable, %d non-trainable; want 126, 8", tr, non)
	}
}

func TestBuildErrorNamesLayerAndShapes(t *testing.T) {
	m := NewSequential(tensor.Shape{6, 6, 1},
		&Conv2D{Filters: 4, KernelSize: [2]int{3, 3}},
		&MaxPooling2D{},
		&Conv2D{Filters: 4, KernelSize: [2]int{3, 3}})
	err := m.Build(1)
	if err == nil {
		t.Fatal("a 3x3 kernel on a 2x2 input built without error")
	}
	for _, want := range []string{"conv2d_1", "Conv2D", "(None, 2, 2, 4)", "3x3", "2x2"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestBasicCNNForwardFLOPs(t *testing.T) {
	m := BasicCNN(tensor.Shape{28, 28, 1}, 10)
	if err := m.Build(1); err != nil {
		t.Fatal(err)
	}
	// The figure PyTorch's reference script prints (shared/bench/README.md).
	if got := m.ForwardFLOPs(); got != 5588480 {
		t.Errorf("ForwardFLOPs = %d, want 5,588,480", got)
	}
}
