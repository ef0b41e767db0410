package main

import (
	"strings"
	"testing"
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
