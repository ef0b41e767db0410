package train

import (
	"context"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cnnscope/cnnscope/data"
	"github.com/cnnscope/cnnscope/modelfile"
	"github.com/cnnscope/cnnscope/nn"
	"github.com/cnnscope/cnnscope/optim"
	"github.com/cnnscope/cnnscope/rundir"
	"github.com/cnnscope/cnnscope/safetensors"
	"github.com/cnnscope/cnnscope/spec"
	"github.com/cnnscope/cnnscope/tensor"
)

// When a step is skipped (non-finite loss), Fit itself puts back the
// moving statistics its forward pass changed, without TerminateOnNaN.
func TestFitRestoresMovingStatsOfSkippedSteps(t *testing.T) {
	m := nn.NewSequential(tensor.Shape{4, 4, 1}, &nn.Flatten{}, &nn.Dense{Units: 5}, &nn.BatchNormalization{},
		&nn.Dense{Units: 3, Activation: "softmax"})
	if err := m.Build(3); err != nil {
		t.Fatal(err)
	}
	k := paramNamed(m, "dense/kernel")
	for i := 0; i < 16; i++ {
		k.Value.Data[i*5] = 3e38 // unit 0 overflows in every forward pass
	}
	mean := paramNamed(m, "batch_normalization/moving_mean")
	good := slices.Clone(mean.Value.Data)
	tr, _ := tinyLoaders(t, 12, 4)
	if _, err := Fit(context.Background(), m, tr, nil, Options{Epochs: 1, Loss: &nn.SparseCategoricalCrossentropy{},
		Optimizer: optim.NewSGD(optim.Config{}, 0, false)}); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(mean.Value.Data, good) {
		t.Errorf("moving mean %v after skipped steps, want %v", mean.Value.Data, good)
	}
}

func needMNIST(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("trains small runs")
	}
	if _, _, err := data.FindBuiltin("mnist", "train"); err != nil {
		t.Skipf("MNIST not available: %v", err)
	}
}

func smallSpec(epochs int) *spec.Spec {
	return &spec.Spec{Seed: 3, Data: spec.Data{Source: "mnist", Limit: 300}, Fit: spec.Fit{Epochs: epochs, BatchSize: 32}}
}

func runInfo(t *testing.T, dir string) *rundir.Info {
	t.Helper()
	in, err := rundir.ReadInfo(dir)
	if err != nil {
		t.Fatal(err)
	}
	return in
}

// A weight that turns NaN in epoch 2 fails the run: the model saved is
// the one after epoch 1 (the last good checkpoint), run.json says
// failed, and the checkpoint still holds epoch 1.
func TestRunFailsOnNaNAndKeepsTheLastGoodModel(t *testing.T) {
	needMNIST(t)
	dir := t.TempDir()
	poison := &onBatch{f: func(s *State, b *StepInfo) {
		if b.Epoch == 1 && b.Step == 1 {
			paramNamed(s.Model, "dense/kernel").Value.Data[0] = float32(math.NaN())
		}
	}}
	res, err := Run(context.Background(), smallSpec(3), RunOptions{Dir: dir, Out: io.Discard, Callbacks: []Callback{poison}}, false)
	var failed *FailedError
	if !errors.As(err, &failed) || !strings.Contains(failed.Kept, "after epoch 1") {
		t.Fatalf("Run = %v, want a *FailedError keeping epoch 1", err)
	}
	m, mf, err := modelfile.Load(dir)
	if err != nil {
		t.Fatalf("the kept model does not load: %v", err)
	}
	if mf.Epoch != 1 || mf.RunID != res.RunID {
		t.Errorf("model.json: epoch %d run %q, want 1 and %q", mf.Epoch, mf.RunID, res.RunID)
	}
	ck, err := safetensors.ReadFile(filepath.Join(dir, CheckpointsDir, LastCheckpoint))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range m.Params() {
		c, err := ck.Tensor("model/" + p.FullName())
		if err != nil || !slices.Equal(c.Data, p.Value.Data) {
			t.Fatalf("%s differs from the last good checkpoint (%v)", p.FullName(), err)
		}
	}
	if in := runInfo(t, dir); in.State != rundir.Failed || in.RunID != res.RunID || !strings.Contains(in.Message, "NaN") {
		t.Errorf("run.json: %+v", in)
	}
	if ck.Metadata["run_id"] != res.RunID || !strings.Contains(ck.Metadata["state"], `"epoch":1,`) {
		t.Errorf("checkpoint of run %q, state %.80s; want epoch 1 of %q", ck.Metadata["run_id"], ck.Metadata["state"], res.RunID)
	}
}

// resumeDir loads dir's spec and resumes it.
func resumeDir(t *testing.T, dir string) (*RunResult, error) {
	t.Helper()
	sp, err := spec.Load(filepath.Join(dir, SpecFile))
	if err != nil {
		t.Fatal(err)
	}
	return Run(context.Background(), sp, RunOptions{Dir: dir, Out: io.Discard}, true)
}

// setState rewrites run.json's state (a run killed while training).
func setState(t *testing.T, dir string, st rundir.State) {
	t.Helper()
	in := runInfo(t, dir)
	in.State, in.Ended = st, nil
	if err := rundir.WriteInfo(dir, in); err != nil {
		t.Fatal(err)
	}
}

// Resume: a finished run is not run again; a run killed before its first
// checkpoint starts from epoch 0 and ends with the same model; a
// checkpoint of another run is refused.
func TestResumeSemantics(t *testing.T) {
	needMNIST(t)
	dir := t.TempDir()
	first, err := Run(context.Background(), smallSpec(1), RunOptions{Dir: dir, Out: io.Discard}, false)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join(dir, modelfile.WeightsFile))
	if err != nil {
		t.Fatal(err)
	}
	res, err := resumeDir(t, dir)
	if err != nil || !res.Done || res.Info.State != rundir.Finished || res.RunID != first.RunID {
		t.Fatalf("resume of a finished run: %+v, %v; want Done", res, err)
	}

	// Killed before the first checkpoint: only spec.yaml, run.json and logs.
	for _, f := range []string{CheckpointsDir, modelfile.WeightsFile, modelfile.ConfigFile, EvaluationFile} {
		os.RemoveAll(filepath.Join(dir, f))
	}
	setState(t, dir, rundir.Training)
	if res, err = resumeDir(t, dir); err != nil || res.Done {
		t.Fatalf("resume before the first checkpoint: %v", err)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, modelfile.WeightsFile)); !slices.Equal(got, want) {
		t.Error("a run resumed before its first checkpoint ends with another model than the uninterrupted run")
	}
	if runInfo(t, dir).State != rundir.Finished {
		t.Error("run.json does not say finished")
	}

	// Another run's checkpoint in this directory: the same file as
	// another run would write it.
	last := filepath.Join(dir, CheckpointsDir, LastCheckpoint)
	ck, err := safetensors.ReadFile(last)
	if err != nil {
		t.Fatal(err)
	}
	other := rundir.NewID()
	ck.Metadata["run_id"] = other
	ck.Metadata["state"] = strings.Replace(ck.Metadata["state"], first.RunID, other, 1)
	delete(ck.Metadata, safetensors.ChecksumKey)
	delete(ck.Metadata, safetensors.IntegrityKey)
	var ts []safetensors.Named
	for name, t := range ck.Tensors {
		ts = append(ts, safetensors.Named{Name: name, Tensor: t})
	}
	if err := safetensors.WriteFileChecked(last, ts, ck.Metadata); err != nil {
		t.Fatal(err)
	}
	setState(t, dir, rundir.Training)
	_, err = resumeDir(t, dir)
	var fe *ForeignError
	var in *InputError
	if !errors.As(err, &fe) || !errors.As(err, &in) || fe.Want != first.RunID || fe.Got != other {
		t.Errorf("resume with another run's checkpoint: %v, want an *InputError wrapping a *ForeignError", err)
	}
}
