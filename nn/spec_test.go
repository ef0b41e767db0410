package nn

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/cnnscope/cnnscope/tensor"
)

func TestSpecRoundTrip(t *testing.T) {
	m := NewSequential(tensor.Shape{16, 16, 3},
		&Conv2D{Filters: 8, KernelSize: [2]int{3, 3}, Padding: "same", Activation: "relu", NoBias: true},
		&BatchNormalization{Momentum: 0.9},
		&MaxPooling2D{PoolSize: [2]int{2, 2}},
		&Dropout{Rate: 0.25},
		&GlobalAveragePooling2D{},
		&Dense{Units: 4, Activation: "softmax"})
	if err := m.Build(3); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(m.Spec())
	if err != nil {
		t.Fatal(err)
	}
	var ms ModelSpec
	if err := json.Unmarshal(b, &ms); err != nil {
		t.Fatal(err)
	}
	m2, err := ms.Sequential()
	if err != nil {
		t.Fatal(err)
	}
	if err := m2.Build(3); err != nil {
		t.Fatal(err)
	}
	b2, _ := json.Marshal(m2.Spec())
	if string(b) != string(b2) {
		t.Errorf("spec changed in a round trip:\n%s\n%s", b, b2)
	}
	p1, p2 := m.Params(), m2.Params()
	for i := range p1 {
		if p1[i].FullName() != p2[i].FullName() || !p1[i].Value.Shape.Equal(p2[i].Value.Shape) {
			t.Errorf("param %d: %s %v vs %s %v", i, p1[i].FullName(), p1[i].Value.Shape, p2[i].FullName(), p2[i].Value.Shape)
		}
	}
}

func TestSpecAcceptsKerasForms(t *testing.T) {
	var ms ModelSpec
	src := `{"input_shape":[28,28,1],"layers":[{"type":"conv2d","filters":32,"kernel_size":3,"activation":"relu"},{"type":"MaxPooling2D"},{"type":"flatten"},{"type":"dense","units":10,"activation":"softmax"}]}`
	if err := json.Unmarshal([]byte(src), &ms); err != nil {
		t.Fatal(err)
	}
	m, err := ms.Sequential()
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Build(1); err != nil {
		t.Fatal(err)
	}
	if got := m.OutputShape(0); !got.Equal(tensor.Shape{26, 26, 32}) {
		t.Errorf("conv output %v", got)
	}
}

func TestSpecRejectsFieldOfOtherType(t *testing.T) {
	_, err := LayerSpec{Type: "Conv2D", Filters: 3, KernelSize: Pair{3, 3}, Units: 4}.Layer()
	if err == nil || !strings.Contains(err.Error(), "units") {
		t.Errorf("Conv2D with units: err = %v", err)
	}
	_, err = LayerSpec{Type: "Conv3D"}.Layer()
	if err == nil || !strings.Contains(err.Error(), "Conv3D") {
		t.Errorf("unknown type: err = %v", err)
	}
}
