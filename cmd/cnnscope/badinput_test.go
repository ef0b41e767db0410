package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cnnscope/cnnscope/data"
	"github.com/cnnscope/cnnscope/modelfile"
	"github.com/cnnscope/cnnscope/nn"
	"github.com/cnnscope/cnnscope/safetensors"
	"github.com/cnnscope/cnnscope/tensor"
)

// badCase is one bad input: the command line ($F stands for the fixtures
// folder) and how many stderr lines the error may take (1, or 2 for a bad
// flag: the error, then the did-you-mean and where the help is).
type badCase struct {
	args  []string
	lines int
	mnist bool // the error needs the data loaded (MNIST)
}

// badCaseLimit stops a case that was accepted and started training (a
// refused case ends in well under a second; this is a guard, not a timing).
const badCaseLimit = time.Minute

// TestBadInputIsRefusedAsDocumented runs every bad input through the real
// command (a child process) and checks what the README documents: exit
// code 2, the error on one line (two for a bad flag), no panic or stack
// trace, and nothing created: no run directory, no output file. Every
// case fails before training starts.
func TestBadInputIsRefusedAsDocumented(t *testing.T) {
	fix := badInputFixtures(t)
	cases := badInputCases()
	if len(cases) < 200 {
		t.Fatalf("only %d cases", len(cases))
	}
	haveMNIST := true
	if _, _, err := data.FindBuiltin("mnist", "train"); err != nil {
		haveMNIST = false
	}
	ran, bad := 0, 0
	for _, c := range cases {
		if c.mnist && !haveMNIST {
			continue
		}
		ran++
		if problems := runBadCase(t, fix, c); len(problems) > 0 {
			bad++
			for _, p := range problems {
				t.Error(p)
			}
		}
	}
	t.Logf("%d of %d bad-input cases behave as documented", ran-bad, ran)
}

// runBadCase runs one case in an empty working directory and returns what
// differs from the documented behaviour.
func runBadCase(t *testing.T, fix string, c badCase) []string {
	args := make([]string, len(c.args))
	for i, a := range c.args {
		args[i] = strings.ReplaceAll(a, "$F", fix)
	}
	name := strings.Join(c.args, " ")
	cwd := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), badCaseLimit)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], args...)
	cmd.Env = append(os.Environ(), cnnscopeChildEnv+"=1")
	cmd.Dir = cwd
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		os.RemoveAll(filepath.Join(fix, "out"))
		return []string{fmt.Sprintf("%s: still running after %v: it was accepted and started training", name, badCaseLimit)}
	}
	code := cmd.ProcessState.ExitCode()
	if err != nil && code < 0 {
		return []string{fmt.Sprintf("%s: %v", name, err)}
	}
	var problems []string
	errText := stderr.String()
	if code != 2 {
		problems = append(problems, fmt.Sprintf("%s: exit code %d, want 2; stderr %q", name, code, errText))
	}
	if strings.Contains(errText, "panic") || strings.Contains(errText, "goroutine") {
		problems = append(problems, fmt.Sprintf("%s: stack trace: %s", name, errText))
	}
	if n := strings.Count(errText, "\n"); n != c.lines || !strings.HasSuffix(errText, "\n") {
		problems = append(problems, fmt.Sprintf("%s: %d stderr lines, want %d: %q", name, n, c.lines, errText))
	}
	if entries, _ := os.ReadDir(cwd); len(entries) > 0 {
		problems = append(problems, fmt.Sprintf("%s: created %s in the working directory", name, entries[0].Name()))
	}
	for _, p := range []string{"out", "out.html", "out.svg", "out.png"} {
		if _, err := os.Stat(filepath.Join(fix, p)); err == nil {
			problems = append(problems, fmt.Sprintf("%s: created $F/%s", name, p))
			os.RemoveAll(filepath.Join(fix, p))
		}
	}
	return problems
}

// badInputFixtures writes the files the cases name: spec files (one per
// spec case, see specCases), a good model folder and broken copies of it.
func badInputFixtures(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	write := func(name, content string) {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for i, s := range specCases {
		write(specFile(i), s.yaml)
	}
	write("empty.yaml", "")
	write("notes.txt", "not an image")
	write("garbage.onnx", "not a protobuf")
	write("classes/a/x.txt", "no images here")
	write("classes/b/y.txt", "no images here")
	m := nn.NewSequential(tensor.Shape{8, 8, 1}, &nn.Conv2D{Filters: 2, KernelSize: [2]int{3, 3}}, &nn.Flatten{}, &nn.Dense{Units: 3, Activation: "softmax"})
	if err := m.Build(1); err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(dir, "model")
	pp := data.Preprocess{Rescale: 1.0 / 255}
	if err := modelfile.Save(good, m, []string{"a", "b", "c"}, &pp, "sparse_categorical_crossentropy", "nearest"); err != nil {
		t.Fatal(err)
	}
	cfg, err := os.ReadFile(filepath.Join(good, modelfile.ConfigFile))
	if err != nil {
		t.Fatal(err)
	}
	weights, err := os.ReadFile(filepath.Join(good, modelfile.WeightsFile))
	if err != nil {
		t.Fatal(err)
	}
	// Broken copies: each edits the model's description (as a map) and
	// saves it in model.json and inside the weights file, as modelfile.Save
	// does, so that modelfile.Load gets as far as the broken part; or replaces
	// the weights file.
	var params []safetensors.Named
	for _, p := range m.Params() {
		params = append(params, safetensors.Named{Name: p.FullName(), Tensor: p.Value})
	}
	broken := func(name string, edit func(mf map[string]any)) {
		var mf map[string]any
		if err := json.Unmarshal(cfg, &mf); err != nil {
			t.Fatal(err)
		}
		edit(mf)
		b, _ := json.Marshal(mf)
		write(name+"/"+modelfile.ConfigFile, string(b))
		if err := safetensors.WriteFile(filepath.Join(dir, name, modelfile.WeightsFile), params, map[string]string{"model": string(b)}); err != nil {
			t.Fatal(err)
		}
	}
	rawWeights := func(name string, w []byte) {
		write(name+"/"+modelfile.ConfigFile, string(cfg))
		if w != nil {
			write(name+"/"+modelfile.WeightsFile, string(w))
		}
	}
	model := func(mf map[string]any) map[string]any { return mf["model"].(map[string]any) }
	layers := func(mf map[string]any) []any { return model(mf)["layers"].([]any) }
	broken("m-huge-input", func(mf map[string]any) { model(mf)["input_shape"] = []int{1000000, 1000000, 1} })
	broken("m-huge-gap", func(mf map[string]any) {
		model(mf)["input_shape"] = []int{1000000, 1000000, 1}
		layers(mf)[1] = map[string]any{"type": "GlobalAveragePooling2D", "name": "flatten"}
	})
	broken("m-dup-names", func(mf map[string]any) { layers(mf)[2].(map[string]any)["name"] = "conv2d" })
	broken("m-huge-dense", func(mf map[string]any) { layers(mf)[2].(map[string]any)["units"] = 200000000000 })
	broken("m-bad-layer", func(mf map[string]any) { layers(mf)[0].(map[string]any)["type"] = "Conv9D" })
	broken("m-zero-kernel", func(mf map[string]any) { layers(mf)[0].(map[string]any)["kernel_size"] = []int{0, 0} })
	broken("m-classes", func(mf map[string]any) { mf["classes"] = []string{"a"} })
	broken("m-format", func(mf map[string]any) { mf["format"] = "keras" })
	broken("m-weights-path", func(mf map[string]any) { mf["weights"] = "../x.safetensors" })
	rawWeights("m-no-weights", nil)
	rawWeights("m-short-weights", weights[:len(weights)/2])
	rawWeights("m-garbage-weights", []byte("\xff\xff\xff\xff\xff\xff\xff\x7fgarbage"))
	write("m-not-json/"+modelfile.ConfigFile, "{\"format\": ")
	write("m-not-json/"+modelfile.WeightsFile, string(weights))
	write("m-empty/"+modelfile.ConfigFile, "")
	write("m-array/"+modelfile.ConfigFile, "[1, 2, 3]")
	if err := os.MkdirAll(filepath.Join(dir, "emptydir"), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func specFile(i int) string { return fmt.Sprintf("specs/s%03d.yaml", i) }
