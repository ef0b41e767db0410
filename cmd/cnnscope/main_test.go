package main

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// The tests run the command in a child process (the test binary itself,
// re-executed with cnnscopeChildEnv set) when they need a real process:
// exit codes, signals, a kill in the middle of training.
const cnnscopeChildEnv = "CNNSCOPE_TEST_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(cnnscopeChildEnv) == "1" {
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// child returns a command running cnnscope with args in a child process.
func child(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), cnnscopeChildEnv+"=1")
	return cmd
}

// runCLI runs cnnscope in-process and returns its exit code and output.
func runCLI(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestUsageErrorsExit2WithOneLine(t *testing.T) {
	dir := t.TempDir()
	bad := dir + "/bad.yaml"
	os.WriteFile(bad, []byte("data:\n  source: mnist\n  rotaton_range: 3\n"), 0o644)
	wrongType := dir + "/type.yaml"
	os.WriteFile(wrongType, []byte("fit:\n  epochs: many\n"), 0o644)
	avgPool := dir + "/avgpool.yaml" // pool 8 on the 1x1 map a 3x3 convolution leaves of a 3x3 input
	os.WriteFile(avgPool, []byte("model:\n  layers:\n    - {type: Conv2D, filters: 4, kernel_size: 3}\n"+
		"    - {type: AveragePooling2D, pool_size: 8}\n    - {type: Flatten}\n    - {type: Dense, units: 3, activation: softmax}\n"), 0o644)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"nosuchcommand"}, "unknown command"},
		{[]string{"train", "--epochs", "x"}, "invalid value"},
		{[]string{"train", "--nosuchflag"}, "not defined"},
		{[]string{"train", "--spec", bad}, "line 3"},
		{[]string{"train", "--spec", wrongType}, "line 2"},
		{[]string{"train", "--spec", dir + "/missing.yaml"}, "missing.yaml"},
		{[]string{"train", "--val-split", "1.5"}, "validation_split"},
		{[]string{"summary", "--input", "2,2,1"}, "larger than its 2x2 input"},
		{[]string{"summary", "--spec", avgPool, "--input", "3,3,1", "--classes", "3"},
			"layer 1 average_pooling2d (AveragePooling2D) with input shape (None, 1, 1, 4): pool 8x8 is larger than its 1x1 input"},
		{[]string{"summary", "--model", "resnet"}, "unknown model"},
		{[]string{"evaluate"}, "want one run directory"},
		{[]string{"resume", dir}, "spec.yaml"},
		{[]string{"train", "--data", dir + "/no-such-folder", "--out", dir + "/run"}, "no-such-folder"},
		{[]string{"evaluate", dir + "/no-such-run"}, "model.json"},
		{[]string{"predict", dir + "/no-such-run", "x.png"}, "model.json"},
	} {
		code, _, stderr := runCLI(c.args...)
		if code != 2 {
			t.Errorf("%v: exit code %d, want 2 (stderr %q)", c.args, code, stderr)
		}
		if !strings.Contains(stderr, c.want) {
			t.Errorf("%v: stderr %q does not mention %q", c.args, stderr, c.want)
		}
		if strings.Contains(stderr, "goroutine") || strings.Contains(stderr, "panic") {
			t.Errorf("%v: stack trace in %q", c.args, stderr)
		}
		// One line of error, after whatever usage text the flag package printed.
		if lines := strings.Count(strings.TrimSpace(lastErrorLines(stderr)), "\n"); lines > 0 {
			t.Errorf("%v: error spans %d lines: %q", c.args, lines+1, stderr)
		}
	}
}

// lastErrorLines returns the "cnnscope ...:" error line(s) of stderr.
func lastErrorLines(stderr string) string {
	i := strings.LastIndex(stderr, "cnnscope ")
	if i < 0 {
		return stderr
	}
	return stderr[i:]
}

func TestSummaryPrintsKerasTotals(t *testing.T) {
	code, out, _ := runCLI("summary", "--model", "basic-cnn", "--input", "28,28,1", "--classes", "10")
	if code != 0 || !strings.Contains(out, "Total params: 93,322") {
		t.Errorf("exit %d, output:\n%s", code, out)
	}
}

func TestInitWritesAValidSpec(t *testing.T) {
	path := t.TempDir() + "/spec.yaml"
	if code, _, stderr := runCLI("init", path); code != 0 {
		t.Fatalf("init: exit %d: %s", code, stderr)
	}
	if code, _, stderr := runCLI("init", path); code != 2 || !strings.Contains(stderr, "exists") {
		t.Errorf("init over an existing file: exit %d, %q", code, stderr)
	}
	var f trainFlags
	fs := newFlagSet("train", "", "", &bytes.Buffer{})
	f.register(fs)
	if err := parseFlags(fs, []string{"--spec", path}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.toSpec(fs); err != nil {
		t.Errorf("the example spec does not load: %v", err)
	}
}
