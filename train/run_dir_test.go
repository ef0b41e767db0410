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
	m, mf, err := LoadModel(dir)
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
	spec, err := spec.Load(filepath.Join(dir, SpecFile))
	if err != nil {
		t.Fatal(err)
	}
	return Run(context.Background(), spec, RunOptions{Dir: dir, Out: io.Discard}, true)
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
	want, err := os.ReadFile(filepath.Join(dir, ModelWeightsFile))
	if err != nil {
		t.Fatal(err)
	}
	res, err := resumeDir(t, dir)
	if err != nil || !res.Done || res.Info.State != rundir.Finished || res.RunID != first.RunID {
		t.Fatalf("resume of a finished run: %+v, %v; want Done", res, err)
	}

	// Killed before the first checkpoint: only spec.yaml, run.json and logs.
	for _, f := range []string{CheckpointsDir, ModelWeightsFile, ModelConfigFile, EvaluationFile} {
		os.RemoveAll(filepath.Join(dir, f))
	}
	setState(t, dir, rundir.Training)
	if res, err = resumeDir(t, dir); err != nil || res.Done {
		t.Fatalf("resume before the first checkpoint: %v", err)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, ModelWeightsFile)); !slices.Equal(got, want) {
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
	if err := safetensors.WriteRawFile(last, ck.Raw, ck.Metadata); err != nil {
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

// savePair saves a tiny model with the given epoch into dir.
func savePair(t *testing.T, dir string, epoch int, scale float32) nn.Model {
	t.Helper()
	m := tinyModel(t)
	for _, p := range m.Params() {
		for i := range p.Value.Data {
			p.Value.Data[i] *= scale
		}
	}
	if err := SaveModelFile(dir, m, ModelFile{Classes: []string{"a", "b", "c"}, Loss: "sparse_categorical_crossentropy", RunID: "r1", Epoch: epoch}); err != nil {
		t.Fatal(err)
	}
	return m
}

// A save killed between its two files (the weights replaced, model.json
// not yet) cannot load as a mix: LoadModel says what is wrong, and the
// weights file alone loads as the new model.
func TestModelPairInterruptedBetweenTheFiles(t *testing.T) {
	dir, next := t.TempDir(), t.TempDir()
	savePair(t, dir, 1, 1)
	newer := savePair(t, next, 2, 2)
	b, err := os.ReadFile(filepath.Join(next, ModelWeightsFile))
	if err != nil {
		t.Fatal(err)
	}
	// The first rename of SaveModel happened, the second did not.
	if err := os.WriteFile(filepath.Join(dir, ModelWeightsFile), b, 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, err = LoadModel(dir)
	var in *InputError
	if !errors.As(err, &in) || !strings.Contains(err.Error(), "model.json is from epoch 1, the weights from epoch 2") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("LoadModel of a mixed pair: %v", err)
	}
	os.Remove(filepath.Join(dir, ModelConfigFile))
	m, mf, err := LoadModel(dir)
	if err != nil || mf.Epoch != 2 {
		t.Fatalf("the weights file alone: %v (%+v)", err, mf)
	}
	for i, p := range m.Params() {
		if !slices.Equal(p.Value.Data, newer.Params()[i].Value.Data) {
			t.Errorf("%s is not the newer model's", p.FullName())
		}
	}
}

func TestLoadModelRefusesNonFiniteWeights(t *testing.T) {
	dir := t.TempDir()
	m := tinyModel(t)
	paramNamed(m, "dense/bias").Value.Data[1] = float32(math.Inf(1))
	if err := SaveModelFile(dir, m, ModelFile{Classes: []string{"a", "b", "c"}, Loss: "sparse_categorical_crossentropy"}); err != nil {
		t.Fatal(err)
	}
	_, _, err := LoadModel(dir)
	var in *InputError
	if !errors.As(err, &in) || !strings.Contains(err.Error(), filepath.Join(dir, ModelWeightsFile)+": tensor dense/bias holds 1 NaN/Inf") {
		t.Errorf("LoadModel = %v", err)
	}
}
