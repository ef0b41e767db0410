package diagnose

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/cnnscope/cnnscope/data"
	"github.com/cnnscope/cnnscope/nn"
	"github.com/cnnscope/cnnscope/safetensors"
	"github.com/cnnscope/cnnscope/spec"
	"github.com/cnnscope/cnnscope/train"
)

// Integration tests: short MNIST runs with the live monitor (a few seconds
// each; skipped with -short or without the MNIST module).

func needMNIST(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("trains for a few seconds")
	}
	if _, _, err := data.FindBuiltin("mnist", "train"); err != nil {
		t.Skipf("MNIST not available: %v", err)
	}
}

func mnistSpec(limit, epochs int, opt string, lr float64) *spec.Spec {
	return &spec.Spec{Seed: 1, Data: spec.Data{Source: "mnist", Limit: limit},
		Compile: spec.Compile{Optimizer: opt, LearningRate: lr}, Fit: spec.Fit{Epochs: epochs}}
}

// The basic CNN on 4,000 MNIST images for 2 epochs learns effectively: no
// warning at any time, and `cnnscope diagnose` of the run directory agrees.
func TestHealthyMNISTRunLearnsEffectively(t *testing.T) {
	needMNIST(t)
	dir := t.TempDir()
	var out bytes.Buffer
	d, _, err := Train(context.Background(), mnistSpec(4000, 2, "", 0), dir, Options{Out: &out})
	if err != nil {
		t.Fatal(err)
	}
	if d.Verdict != LearningEffectively {
		t.Errorf("verdict %q: %s\n%s", d.Verdict, d.Summary, out.String())
	}
	for _, f := range append(d.Findings, d.Earlier...) {
		if f.Severity != Info {
			t.Errorf("%s %s: %s", f.Severity, f.ID, f.Title)
		}
	}
	if strings.Contains(out.String(), "WARNING") || strings.Contains(out.String(), "CRITICAL") {
		t.Errorf("live output raised something:\n%s", out.String())
	}
	if d.OverheadFraction <= 0 || d.OverheadFraction > 0.05 {
		t.Errorf("overhead %.4f, want in (0, 0.05]", d.OverheadFraction)
	}
	if f := d.Facts; f == nil || f.Data == nil || f.Init == nil || len(f.Val) != 2 || f.Loss.Len() != d.Steps {
		t.Fatalf("facts incomplete: %+v", f)
	}
	// Offline: the same findings from the run's files.
	off, err := DiagnoseRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	if off.Verdict != d.Verdict || !reflect.DeepEqual(ids(off.Findings), ids(d.Findings)) || off.Steps != d.Steps || off.Epochs != d.Epochs {
		t.Errorf("offline %q %v (%d steps), live %q %v (%d steps)", off.Verdict, ids(off.Findings), off.Steps, d.Verdict, ids(d.Findings), d.Steps)
	}
}

func ids(fs []Finding) []string {
	out := []string{}
	for _, f := range fs {
		out = append(out, string(f.Severity)+" "+f.ID)
	}
	return out
}

// At lr 1.0 (Adam or SGD) the run is flagged within its first epoch and
// judged not learning.
func TestLRTooHighFlaggedInFirstEpoch(t *testing.T) {
	needMNIST(t)
	for _, opt := range []string{"adam", "sgd"} {
		t.Run(opt, func(t *testing.T) {
			dir := t.TempDir()
			d, res, err := Train(context.Background(), mnistSpec(6000, 1, opt, 1.0), dir, Options{})
			if err != nil {
				t.Fatal(err)
			}
			// `cnnscope diagnose` finds the same from the files.
			if off, err := DiagnoseRun(dir); err != nil || !reflect.DeepEqual(ids(off.Findings), ids(d.Findings)) || off.Verdict != d.Verdict {
				t.Errorf("offline %v (%v), live %v", ids(off.Findings), err, ids(d.Findings))
			}
			if d.Verdict != NotLearning || d.Findings[0].ID != "lr_too_high" {
				t.Errorf("verdict %q, top %s: %v", d.Verdict, d.Findings[0].ID, ids(d.Findings))
			}
			spe := res.History.Epochs[0]["step"]
			if spe == 0 {
				spe = float64(len(res.Data.TrainIdx)+31) / 32
			}
			early := 0
			for _, f := range d.Findings {
				if (f.ID == "lr_too_high" || f.ID == "divergence" || f.ID == "not_learning") && f.Severity == Critical && float64(f.Detected) <= spe {
					early++
				}
			}
			if early == 0 {
				t.Errorf("nothing critical raised within the first epoch (%v steps): %+v", spe, d.Findings)
			}
		})
	}
}

// raiseLR sets the learning rate to 1.0 from the second epoch on.
type raiseLR struct{ train.Nop }

func (raiseLR) EpochBegin(s *train.State, epoch int) error {
	if epoch == 1 {
		s.Optimizer.SetLearningRate(1.0)
	}
	return nil
}

// --stop-on critical: a run that diverges in epoch 2 stops there with
// ErrStoppedOnCritical and keeps epoch 1's checkpoint.
func TestStopOnCriticalKeepsLastGoodCheckpoint(t *testing.T) {
	needMNIST(t)
	dir := t.TempDir()
	m := NewMonitor(dir, Options{StopOn: Critical})
	_, err := train.Run(context.Background(), mnistSpec(3000, 3, "", 0), train.RunOptions{Dir: dir, Out: io.Discard,
		Callbacks: []train.Callback{raiseLR{}, m}, Setup: m.Setup}, false)
	if !errors.Is(err, ErrStoppedOnCritical) {
		t.Fatalf("err %v, want ErrStoppedOnCritical", err)
	}
	if !strings.Contains(err.Error(), "last good checkpoint") {
		t.Errorf("error does not point at the checkpoint: %v", err)
	}
	f, err := safetensors.ReadFile(filepath.Join(dir, train.CheckpointsDir, train.LastCheckpoint))
	if err != nil {
		t.Fatal(err)
	}
	var st train.CheckpointState
	if err := json.Unmarshal([]byte(f.Metadata["state"]), &st); err != nil || st.Epoch != 1 {
		t.Errorf("checkpoint after epoch %d (%v), want 1", st.Epoch, err)
	}
	d := m.Diagnosis()
	if d == nil || d.Verdict != NotLearning || d.Steps > 2*85 {
		t.Fatalf("diagnosis %+v", d)
	}
	if _, err := os.Stat(filepath.Join(dir, DiagnosisFile)); err != nil {
		t.Error(err)
	}
}

// The monitor observes: the same spec trains to the same history with and
// without it, even with a sanity check that trains the model first (its
// weights, BatchNormalization statistics and Dropout's random state are
// put back).
func TestMonitorDoesNotChangeTraining(t *testing.T) {
	needMNIST(t)
	spec := func() *spec.Spec {
		s := mnistSpec(1000, 2, "", 0)
		s.Model.Layers = []nn.LayerSpec{{Type: "Conv2D", Filters: 8, KernelSize: nn.Pair{3}, Activation: "relu"},
			{Type: "BatchNormalization"}, {Type: "MaxPooling2D"}, {Type: "Dropout", Rate: 0.25}, {Type: "Flatten"},
			{Type: "Dense", Units: 10, Activation: "softmax"}}
		return s
	}
	plain, err := train.Run(context.Background(), spec(), train.RunOptions{Dir: t.TempDir(), Out: io.Discard}, false)
	if err != nil {
		t.Fatal(err)
	}
	m := NewMonitor(t.TempDir(), Options{Sanity: true})
	watched, err := train.Run(context.Background(), spec(), train.RunOptions{Dir: m.Dir, Out: io.Discard,
		Callbacks: []train.Callback{m}, Setup: m.Setup}, false)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(plain.History.Epochs, watched.History.Epochs) {
		t.Errorf("history changed:\n%v\n%v", plain.History.Epochs, watched.History.Epochs)
	}
	if sf := m.Diagnosis().Facts.Sanity; sf == nil || sf.Samples != 32 {
		t.Errorf("sanity facts %+v", sf)
	}
}

// A run trained without the monitor can still be diagnosed from its files,
// with what is missing said.
func TestDiagnoseUnmonitoredRun(t *testing.T) {
	needMNIST(t)
	dir := t.TempDir()
	spec := mnistSpec(2000, 1, "", 0)
	spec.Data.Preprocessing = &data.Preprocess{Rescale: 1}
	if _, err := train.Run(context.Background(), spec, train.RunOptions{Dir: dir, Out: io.Discard}, false); err != nil {
		t.Fatal(err)
	}
	d, err := DiagnoseRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	if find(d, "unnormalized_inputs") == nil || len(d.Unavailable) == 0 {
		t.Errorf("findings %v, unavailable %v", ids(d.Findings), d.Unavailable)
	}
	if _, err := DiagnoseRun(t.TempDir()); err == nil {
		t.Error("an empty directory diagnosed without error")
	}
}

// stopAfter cancels the fit's context at the end of an epoch.
type stopAfter struct {
	train.Nop
	epoch  int
	cancel func()
}

func (c stopAfter) EpochEnd(_ *train.State, epoch int, _ train.Logs) error {
	if epoch+1 == c.epoch {
		c.cancel()
	}
	return nil
}

// A run stopped after epoch 1 and resumed is diagnosed as a whole: the
// facts of the first part are kept.
func TestResumedRunKeepsFacts(t *testing.T) {
	needMNIST(t)
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	m := NewMonitor(dir, Options{})
	_, err := train.Run(ctx, mnistSpec(2000, 2, "", 0), train.RunOptions{Dir: dir, Out: io.Discard,
		Callbacks: []train.Callback{stopAfter{epoch: 1, cancel: cancel}, m}, Setup: m.Setup}, false)
	if !errors.Is(err, train.ErrStopped) {
		t.Fatalf("err %v, want ErrStopped", err)
	}
	spe := m.Signals().Facts.StepsPerEpoch
	d, _, err := Train(context.Background(), mnistSpec(2000, 2, "", 0), dir, Options{Resume: true})
	if err != nil {
		t.Fatal(err)
	}
	f := d.Facts
	if d.Epochs != 2 || d.Steps != 2*spe || f.Loss.Len() != 2*spe || f.Loss.Step[0] != 1 || len(f.Val) != 2 || f.Init == nil {
		t.Errorf("epochs %d steps %d trace %d (from step %d) val %d init %v", d.Epochs, d.Steps, f.Loss.Len(), f.Loss.Step[0], len(f.Val), f.Init)
	}
	if d.Verdict != LearningEffectively {
		t.Errorf("verdict %q: %v", d.Verdict, ids(d.Findings))
	}
}
