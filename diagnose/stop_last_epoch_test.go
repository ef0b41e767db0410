package diagnose

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cnnscope/cnnscope/modelfile"
	"github.com/cnnscope/cnnscope/rundir"
	"github.com/cnnscope/cnnscope/train"
)

// killAt kills the network after step `step`: every bias below the output
// layer far negative, so every ReLU outputs zero and no gradient reaches
// the hidden layers again.
type killAt struct {
	train.Nop
	step int
}

func (k killAt) BatchEnd(s *train.State, b *train.StepInfo) error {
	if s.Step != k.step {
		return nil
	}
	for _, p := range s.Model.Params() {
		if p.Name == "bias" && p.Layer.Name() != "dense_1" {
			for i := range p.Value.Data {
				p.Value.Data[i] = -1e4
			}
		}
	}
	return nil
}

// A network that dies a few steps before the end of a 1-epoch run's only
// epoch has no time to be confirmed live (a quarter epoch), yet its final
// diagnosis says not learning (a dead network). Under --stop-on critical
// (whose contract is to stop a run that cannot recover, keeping the last
// good checkpoint) the run now stops at that last epoch end, as a
// confirmed finding stops it: ErrStoppedOnCritical (the command line's
// exit 1), run.json stopped by the diagnosis, and neither the dead model
// nor its checkpoint saved. It finished with exit 0 and saved the dead
// model. Without --stop-on the run finishes and its verdict says not
// learning.
func TestStopOnCriticalAtTheLastEpochEnd(t *testing.T) {
	needMNIST(t)
	run := func(stopOn Severity) (string, *Monitor, error) {
		dir := t.TempDir()
		s := mnistSpec(1000, 1, "", 0)
		s.Fit.MetricsEvery = 2
		m := NewMonitor(dir, Options{StopOn: stopOn})
		spe := (900 + 31) / 32 // the training split of 1,000 images, batch 32
		_, err := train.Run(context.Background(), s, train.RunOptions{Dir: dir, Out: io.Discard,
			Callbacks: []train.Callback{killAt{step: spe - 4}, m}, Setup: m.Setup}, false)
		return dir, m, err
	}
	dir, m, err := run("")
	if err != nil {
		t.Fatalf("without --stop-on: %v", err)
	}
	if d := m.Diagnosis(); d == nil || d.Verdict != NotLearning || find(d, "dying_relu") == nil || find(d, "dying_relu").Severity != Critical {
		t.Fatalf("without --stop-on: diagnosis %+v; want not learning with a dead network", d)
	}
	dir, m, err = run(Critical)
	if !errors.Is(err, ErrStoppedOnCritical) || !strings.Contains(err.Error(), "Dead network") || !strings.Contains(err.Error(), "no checkpoint was written yet") {
		t.Fatalf("--stop-on critical: err %v; want stopped on the dead network, without a checkpoint", err)
	}
	if d := m.Diagnosis(); d == nil || d.Verdict != NotLearning {
		t.Errorf("--stop-on critical: diagnosis %+v; want not learning", d)
	}
	for _, f := range []string{modelfile.WeightsFile, filepath.Join(train.CheckpointsDir, train.LastCheckpoint)} {
		if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
			t.Errorf("the stopped run saved %s (the dead network)", f)
		}
	}
	if in, err := rundir.ReadInfo(dir); err != nil || in.State != rundir.Stopped || in.StoppedBy != rundir.StoppedByCallback {
		t.Errorf("run.json: %+v, %v; want stopped by the diagnosis", in, err)
	}
}
