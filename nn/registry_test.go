package nn

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/cnnscope/cnnscope/tensor"
)

func TestRegistryKnowsEveryTypeByBothSpellings(t *testing.T) {
	for _, typ := range LayerTypes() {
		for _, spelling := range []string{typ, kerasName(typ), strings.ToLower(typ)} {
			if got, ok := canonicalType(spelling); !ok || got != typ {
				t.Errorf("canonicalType(%q) = %q, %v; want %q", spelling, got, ok, typ)
			}
		}
	}
	if _, ok := LayerFields("conv2d"); !ok {
		t.Error("LayerFields does not know conv2d")
	}
}

func TestTrainableFalseFreezesLayer(t *testing.T) {
	var ms ModelSpec
	src := `{"input_shape":[4,4,2],"layers":[
		{"type":"Conv2D","filters":3,"kernel_size":3,"trainable":false},
		{"type":"BatchNormalization","trainable":false},
		{"type":"Flatten"},{"type":"Dense","units":2}]}`
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
	tr, non := m.CountParams()
	// conv 3*3*2*3+3 = 57 and BN's 4*3 = 12 are frozen; dense on 2*2*3: 12*2+2 = 26.
	if tr != 26 || non != 57+12 {
		t.Errorf("params = %d trainable, %d non-trainable; want 26, 69", tr, non)
	}
	// A frozen BatchNormalization keeps its moving statistics in training.
	bn := m.Layers[1].(*BatchNormalization)
	x := tensor.New(2, 4, 4, 2)
	for i := range x.Data {
		x.Data[i] = float32(i%7) - 3
	}
	m.Forward(x, true)
	for _, v := range bn.movingMean.Value.Data {
		if v != 0 {
			t.Fatalf("frozen BatchNormalization updated its moving mean: %v", bn.movingMean.Value.Data)
		}
	}
	spec, _ := json.Marshal(m.Spec())
	if strings.Count(string(spec), `"trainable":false`) != 2 {
		t.Errorf("spec does not keep trainable false: %s", spec)
	}
}

func TestSpecArgumentForms(t *testing.T) {
	for src, want := range map[string][4]int{`1`: {1, 1, 1, 1}, `[1, 2]`: {1, 1, 2, 2}, `[[0, 1], [2, 3]]`: {0, 1, 2, 3}} {
		var p PaddingArg
		if err := json.Unmarshal([]byte(src), &p); err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		got, ok := p.amounts()
		if !ok || got != want {
			t.Errorf("padding %s = %v, %v; want %v", src, got, ok, want)
		}
		back, _ := json.Marshal(p)
		if strings.ReplaceAll(src, " ", "") != string(back) {
			t.Errorf("padding %s marshals back as %s", src, back)
		}
	}
	var p PaddingArg
	if err := json.Unmarshal([]byte(`"same"`), &p); err != nil || p != "same" {
		t.Errorf(`padding "same" = %q, %v`, p, err)
	}
	if err := json.Unmarshal([]byte(`[1, 2, 3]`), &p); err == nil {
		t.Error("padding [1, 2, 3] accepted")
	}
	var v BoolOrNumber
	if err := json.Unmarshal([]byte(`0.5`), &v); err != nil || v.Number == nil || *v.Number != 0.5 {
		t.Errorf("scale 0.5 = %+v, %v", v, err)
	}
	if err := json.Unmarshal([]byte(`false`), &v); err != nil || v.Bool == nil || *v.Bool {
		t.Errorf("scale false = %+v, %v", v, err)
	}
	if _, err := (LayerSpec{Type: "BatchNormalization", Scale: numberArg(2)}).Layer(); err == nil {
		t.Error("BatchNormalization accepted a numeric scale")
	}
}

func TestEveryLayerTypeRoundTripsThroughItsSpec(t *testing.T) {
	specs := map[string]string{
		"Conv2D":                 `{"type":"Conv2D","name":"c","filters":4,"kernel_size":[3,3],"strides":[2,2],"padding":"same","activation":"relu","use_bias":false,"kernel_initializer":"he_normal"}`,
		"Dense":                  `{"type":"Dense","name":"d","units":3,"activation":"softmax"}`,
		"MaxPooling2D":           `{"type":"MaxPooling2D","name":"m","pool_size":[3,3],"strides":[2,2],"padding":"same"}`,
		"AveragePooling2D":       `{"type":"AveragePooling2D","name":"a","pool_size":[8,8]}`,
		"GlobalAveragePooling2D": `{"type":"GlobalAveragePooling2D","name":"g"}`,
		"GlobalMaxPooling2D":     `{"type":"GlobalMaxPooling2D","name":"g","trainable":false}`,
		"Flatten":                `{"type":"Flatten","name":"f"}`,
		"Dropout":                `{"type":"Dropout","name":"d","rate":0.25}`,
		"BatchNormalization":     `{"type":"BatchNormalization","name":"b","momentum":0.9,"epsilon":0.00001,"center":false,"scale":false}`,
		"Activation":             `{"type":"Activation","name":"a","activation":"hard_swish"}`,
		"Add":                    `{"type":"Add","name":"add"}`,
		"Multiply":               `{"type":"Multiply","name":"m"}`,
		"Concatenate":            `{"type":"Concatenate","name":"c","axis":2}`,
		"DepthwiseConv2D":        `{"type":"DepthwiseConv2D","name":"d","kernel_size":[3,3],"strides":[2,2],"padding":"same","depth_multiplier":2,"activation":"relu6","use_bias":false,"depthwise_initializer":"he_uniform"}`,
		"SeparableConv2D":        `{"type":"SeparableConv2D","name":"s","filters":8,"kernel_size":[3,3],"depth_multiplier":2,"pointwise_initializer":"he_uniform"}`,
		"ZeroPadding2D":          `{"type":"ZeroPadding2D","name":"z","padding":[[0,1],[0,1]]}`,
		"Reshape":                `{"type":"Reshape","name":"r","target_shape":[1,1,-1]}`,
		"Rescaling":              `{"type":"Rescaling","name":"r","scale":0.5,"offset":-1}`,
		"ReLU":                   `{"type":"ReLU","name":"r","max_value":6,"negative_slope":0.1,"threshold":0.5}`,
	}
	for _, typ := range LayerTypes() {
		src, ok := specs[typ]
		if !ok {
			t.Errorf("no round-trip case for layer type %s", typ)
			continue
		}
		var s LayerSpec
		if err := json.Unmarshal([]byte(src), &s); err != nil {
			t.Fatalf("%s: %v", typ, err)
		}
		l, err := s.Layer()
		if err != nil {
			t.Fatalf("%s: %v", typ, err)
		}
		back, _ := json.Marshal(describeLayer(l))
		if string(back) != src {
			t.Errorf("%s round trip:\n got %s\nwant %s", typ, back, src)
		}
	}
}
