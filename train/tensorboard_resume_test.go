package train

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"testing"

	"github.com/cnnscope/cnnscope/internal/tfevents/readback"
	"github.com/cnnscope/cnnscope/nn"
	"github.com/cnnscope/cnnscope/optim"
)

// killAt fails the fit after a step, as a SIGKILL would stop it.
type killAt struct {
	Nop
	step int
}

var errKilled = errors.New("killed")

func (k *killAt) BatchEnd(s *State, _ *StepInfo) error {
	if s.Step == k.step {
		return errKilled
	}
	return nil
}

// tensorBoardView reads a TensorBoard run directory's event files in
// name order as TensorBoard's event accumulator does with its default
// purge_orphaned_data: a SessionLog START at step S drops the values of
// steps >= S read so far, of every tag. It returns each tag's steps and
// the START events' steps per file.
func tensorBoardView(t *testing.T, dir string) (map[string][]int64, [][]int64) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "events.out.tfevents.*"))
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(files)
	steps := map[string][]int64{}
	var starts [][]int64
	for _, f := range files {
		events, err := readback.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var st []int64
		for _, e := range events {
			if e.SessionStatus == 1 {
				st = append(st, e.Step)
				for tag, ss := range steps {
					steps[tag] = slices.DeleteFunc(ss, func(s int64) bool { return s >= e.Step })
				}
			}
			for _, v := range e.Values {
				steps[v.Tag] = append(steps[v.Tag], e.Step)
			}
		}
		starts = append(starts, st)
	}
	return steps, starts
}

// A run killed at step 9 (epoch 2 of 6 steps, update_freq 4) and resumed
// from its checkpoint after epoch 1 (step 6) trains steps 7.. again: the
// resumed files start with a SessionLog START at step 7, so TensorBoard
// shows batch step 8 once (the resumed run's) and every step once; a
// resume with nothing left to train writes no file.
func TestTensorBoardResume(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tb")
	m := tinyModel(t)
	fit := func(initialEpoch, initialStep int, cbs ...Callback) error {
		tr, va := tinyLoaders(t, 48, 8)
		_, err := Fit(context.Background(), m, tr, va, Options{Epochs: 3, Loss: &nn.SparseCategoricalCrossentropy{},
			Optimizer: optim.NewAdam(optim.Config{}), Callbacks: cbs, Classes: []string{"a", "b", "c"},
			InitialEpoch: initialEpoch, InitialStep: initialStep})
		return err
	}
	if err := fit(0, 0, &TensorBoard{LogDir: dir, UpdateFreq: 4}, &killAt{step: 9}); !errors.Is(err, errKilled) {
		t.Fatalf("first run: %v", err)
	}
	if err := fit(1, 6, &TensorBoard{LogDir: dir, UpdateFreq: 4, Resumed: true}); err != nil {
		t.Fatal(err)
	}
	train, trainStarts := tensorBoardView(t, filepath.Join(dir, TensorBoardTrainDir))
	val, valStarts := tensorBoardView(t, filepath.Join(dir, TensorBoardValDir))
	for name, got := range map[string][][]int64{"train": trainStarts, "validation": valStarts} {
		if !slices.EqualFunc(got, [][]int64{nil, {7}}, slices.Equal) {
			t.Errorf("%s: SessionLog START steps per file %v, want none in the first and 7 in the resumed one", name, got)
		}
	}
	want := map[string][]int64{"batch_loss": {4, 8, 12, 16}, "epoch_loss": {0, 1, 2}}
	for tag, w := range want {
		if !slices.Equal(train[tag], w) {
			t.Errorf("train %s at steps %v, want %v", tag, train[tag], w)
		}
	}
	if got := val["evaluation_loss_vs_iterations"]; !slices.Equal(got, []int64{6, 12, 18}) {
		t.Errorf("validation evaluation_loss_vs_iterations at steps %v, want 6, 12, 18", got)
	}
	// Resumed after its last epoch (killed while finishing): nothing to
	// train, no new file.
	if err := fit(3, 18, &TensorBoard{LogDir: dir, UpdateFreq: 4, Resumed: true}); err != nil {
		t.Fatal(err)
	}
	for _, sub := range []string{TensorBoardTrainDir, TensorBoardValDir} {
		if files, _ := filepath.Glob(filepath.Join(dir, sub, "events.out.tfevents.*")); len(files) != 2 {
			t.Errorf("%s: %d event files after a resume with nothing to train, want 2", sub, len(files))
		}
	}
	// Resumed without a checkpoint: it starts over, and so does the view.
	dir2 := filepath.Join(t.TempDir(), "tb")
	if err := fit(0, 0, &TensorBoard{LogDir: dir2, UpdateFreq: 4}, &killAt{step: 9}); !errors.Is(err, errKilled) {
		t.Fatal(err)
	}
	if err := fit(0, 0, &TensorBoard{LogDir: dir2, UpdateFreq: 4, Resumed: true}); err != nil {
		t.Fatal(err)
	}
	if train, starts := tensorBoardView(t, filepath.Join(dir2, TensorBoardTrainDir)); !slices.Equal(train["epoch_loss"], []int64{0, 1, 2}) ||
		!slices.Equal(train["batch_loss"], []int64{4, 8, 12, 16}) || len(starts) != 2 || !slices.Equal(starts[1], []int64{0}) {
		t.Errorf("resumed from scratch: %v, START steps %v", train, starts)
	}
}
