package main

import (
	"strings"
	"testing"

	"github.com/cnnscope/cnnscope/nn"
	"github.com/cnnscope/cnnscope/spec"
	"github.com/cnnscope/cnnscope/tensor"
	"github.com/cnnscope/cnnscope/train"
)

func TestSummaryOfGraphPresets(t *testing.T) {
	code, out, stderr := runCLI("summary", "--model", "resnet-20", "--input", "32,32,3", "--classes", "10")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"Total params: 274,442", "Non-trainable params: 1,376", "┃ Connected to      ┃", "│ add (Add)           │"} {
		if !strings.Contains(out, want) {
			t.Errorf("resnet-20 summary lacks %q", want)
		}
	}
	code, out, stderr = runCLI("summary", "--model", "mobilenet-v2-small", "--input", "32,32,3", "--classes", "10")
	if code != 0 || !strings.Contains(out, "Total params: 423,018") {
		t.Errorf("mobilenet-v2-small: exit %d, %s%s", code, stderr, out)
	}
}

func TestInitFunctionalWritesAGraphSpec(t *testing.T) {
	code, out, stderr := runCLI("init", "--functional")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	s, err := spec.Parse("init", strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	m, err := train.BuildModel(s, tensor.Shape{28, 28, 1}, 10)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := m.(*nn.Graph); !ok {
		t.Fatalf("init --functional builds a %T", m)
	}
}
