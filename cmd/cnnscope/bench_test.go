package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestBenchLayersShape checks bench --layers' output shape (no timings):
// a row per layer in order, the large 3x3 convolutions summed, the peak's
// fields consistent; the text form's table; a graph's calls.
func TestBenchLayersShape(t *testing.T) {
	args := []string{"bench", "--model", "vgg-small", "--input", "8,8,3", "--batch", "2", "--infer-batch", "3",
		"--seconds", "0.02", "--threads", "1", "--layers"}
	code, out, errs := runCLI(append(args, "--json")...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var r benchResult
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("%v in %s", err, out)
	}
	if len(r.Layers) != 16 || r.Layers[2].Name != "conv2d_1" || r.Layers[2].Type != "Conv2D" || r.Layers[15].Name != "dense_1" {
		t.Fatalf("layers %+v, want vgg-small's 16 in order", r.Layers)
	}
	if !r.Layers[2].Large3x3 || r.Layers[0].Large3x3 || r.Layers[14].Large3x3 {
		t.Errorf("large_3x3 flags: conv2d %v, conv2d_1 %v, dense %v; want false, true, false", r.Layers[0].Large3x3, r.Layers[2].Large3x3, r.Layers[14].Large3x3)
	}
	if r.Layers[1].TrainGFLOPs != 0 || r.Layers[1].InferGFLOPs != 0 {
		t.Errorf("batch_normalization has a rate: %+v", r.Layers[1])
	}
	if c := r.Conv3x3; c == nil || c.Layers != 3 || c.MinChannelsIn != 32 {
		t.Errorf("conv3x3 %+v, want vgg-small's 3 convolutions from 32 channels", c)
	}
	if (r.FMAPeak > 0) != (r.FMAPeakISA != "") || (r.FMAPeak > 0) != (r.Conv3x3 != nil && r.Conv3x3.TrainPctPeak > 0) {
		t.Errorf("peak %v (%q), conv3x3 %+v: a measured peak needs its ISA and the shares", r.FMAPeak, r.FMAPeakISA, r.Conv3x3)
	}
	code, out, errs = runCLI(args...)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != 4+1+1+16+3 || !strings.HasPrefix(lines[5], "Layer (type)") ||
		!strings.HasPrefix(lines[7], "batch_normalization (BatchNormalization)") ||
		!strings.HasPrefix(lines[23], "3x3 convolutions from 32 channels (3 layers): train") {
		t.Fatalf("exit %d, text:\n%s%s", code, out, errs)
	}
	code, out, errs = runCLI("bench", "--model", "basic-cnn", "--seconds", "0.02", "--batch", "2", "--infer-batch", "2")
	if code != 0 || strings.Contains(out, "Layer (type)") {
		t.Errorf("without --layers: exit %d, %s%s", code, out, errs)
	}
	code, out, errs = runCLI("bench", "--model", "resnet-20", "--input", "8,8,3", "--seconds", "0.02", "--batch", "2",
		"--infer-batch", "2", "--threads", "1", "--layers", "--json")
	if code != 0 {
		t.Fatalf("--layers on a graph: exit %d, %s", code, errs)
	}
	r = benchResult{}
	if err := json.Unmarshal([]byte(out), &r); err != nil || len(r.Layers) < 20 || r.Layers[0].Type != "Conv2D" {
		t.Fatalf("resnet-20 --layers: %v, layers %+v", err, r.Layers)
	}
}
