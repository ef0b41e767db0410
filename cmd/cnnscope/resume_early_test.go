package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/cnnscope/cnnscope/diagnose"
	"github.com/cnnscope/cnnscope/train"
)

// A run killed in its first seconds has neither a checkpoint nor a
// diagnosis.json yet (its first write waits for writeEvery times its cost);
// resume trains it again from epoch 1 and records the same initial-loss
// facts (loss, output spread) as an uninterrupted run, not none.
func TestResumeOfAnEarlyKilledRunKeepsTheInitialLoss(t *testing.T) {
	args := []string{"train", "--data", "mnist", "--limit", "10000", "--epochs", "1", "--threads", "1", "--seed", "3"}
	killAndResume(t, args, train.MetricsFile, []byte(`"step"`))
}

// The same for a run of short epochs killed after its first checkpoint
// but before its first diagnosis.json: resume measures the initial loss
// on the untrained model, built again, not on the restored one.
func TestResumeFromACheckpointWithoutDiagnosisKeepsTheInitialLoss(t *testing.T) {
	args := []string{"train", "--data", "mnist", "--limit", "2000", "--epochs", "3", "--threads", "1", "--seed", "3"}
	killAndResume(t, args, filepath.Join(train.CheckpointsDir, train.LastCheckpoint), nil)
}

// killAndResume trains args to the end and again, killed (SIGKILL) once
// the file at path holds marker, then resumes it and compares the two
// runs' initial_loss facts. The kill must come before diagnosis.json.
func killAndResume(t *testing.T, args []string, path string, marker []byte) {
	t.Helper()
	if testing.Short() {
		t.Skip("trains two small runs")
	}
	needMNIST(t)
	base := t.TempDir()
	whole := filepath.Join(base, "whole")
	if code, _, stderr := runCLI(append(args, "--out", whole)...); code != 0 {
		t.Fatalf("uninterrupted run: exit %d: %s", code, stderr)
	}
	want := initialLossFacts(t, whole)
	if want == "null" {
		t.Fatalf("the uninterrupted run's diagnosis.json has no initial_loss")
	}

	killed := filepath.Join(base, "killed")
	c := child(t, append(args, "--out", killed)...)
	var out bytes.Buffer
	c.Stdout, c.Stderr = &out, &out
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	defer c.Process.Kill()
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(5 * time.Millisecond) {
		if b, err := os.ReadFile(filepath.Join(killed, path)); err == nil && bytes.Contains(b, marker) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the run never wrote %s:\n%s", path, out.String())
		}
	}
	c.Process.Signal(syscall.SIGKILL)
	c.Wait()
	if _, err := os.Stat(filepath.Join(killed, diagnose.DiagnosisFile)); err == nil {
		t.Skipf("the run wrote %s before it was killed (slow steps?): not the case tested", diagnose.DiagnosisFile)
	}
	if marker != nil {
		if _, err := os.Stat(filepath.Join(killed, train.CheckpointsDir, train.LastCheckpoint)); err == nil {
			t.Skip("the run wrote a checkpoint before it was killed (a slow step 1?): not the case tested")
		}
	}
	if code, _, stderr := runCLI("resume", "--threads", "1", killed); code != 0 {
		t.Fatalf("resume: exit %d: %s", code, stderr)
	}
	if got := initialLossFacts(t, killed); got != want {
		t.Errorf("resumed run's initial_loss %s, the uninterrupted run's %s", got, want)
	}
}

// initialLossFacts is the initial_loss facts of dir's diagnosis.json, as JSON.
func initialLossFacts(t *testing.T, dir string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, diagnose.DiagnosisFile))
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Facts struct {
			Init json.RawMessage `json:"initial_loss"`
		} `json:"facts"`
	}
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("%s: %v", dir, err)
	}
	if d.Facts.Init == nil {
		return "null"
	}
	return string(d.Facts.Init)
}
