package train

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"strings"

	"github.com/cnnscope/cnnscope/modelfile"
	"github.com/cnnscope/cnnscope/nn"
	"github.com/cnnscope/cnnscope/optim"
	"github.com/cnnscope/cnnscope/safetensors"
	"github.com/cnnscope/cnnscope/tensor"
)

// A checkpoint is one safetensors file, written atomically, so a kill at
// any moment leaves the previous checkpoint or the new one. It holds:
//
//   - "model/<layer>/<variable>": every weight, as in model.safetensors;
//   - "optimizer/<layer>/<variable>/<slot>": the optimizer's slots (Adam's
//     m and v, SGD's momentum, ...);
//   - metadata "state": CheckpointState as JSON (epochs done, step,
//     optimizer iterations and learning rate, history, random states).
const checkpointFormat = "cnnscope.checkpoint/v1"

// CheckpointState is what a checkpoint records beside the tensors.
type CheckpointState struct {
	Format string `json:"format"`
	// RunID names the run that wrote the checkpoint (spec.yaml names it
	// too: resume refuses a checkpoint of another run).
	RunID string `json:"run_id,omitempty"`
	// Epoch is the number of completed epochs; a resumed run starts there.
	Epoch        int     `json:"epoch"`
	Step         int     `json:"step"`
	Optimizer    string  `json:"optimizer"`
	Iterations   int     `json:"iterations"`
	LearningRate float64 `json:"learning_rate"`
	History      []Logs  `json:"history"`
	// RNG holds each stochastic layer's random source (Dropout), by name.
	RNG map[string][]byte `json:"rng,omitempty"`
	// Callbacks holds the state of callbacks that keep one, by name.
	Callbacks map[string]json.RawMessage `json:"callbacks,omitempty"`
}

// Stateful is implemented by callbacks whose state a checkpoint must keep
// for a resumed run to behave as an uninterrupted one (EarlyStopping's
// best value and wait count, ...).
type Stateful interface {
	StateKey() string
	SaveState() (json.RawMessage, error)
	RestoreState(json.RawMessage) error
}

// randomLayer is a layer with a random source (Dropout).
type randomLayer interface {
	nn.Layer
	RNG() *rand.PCG
}

// SaveCheckpoint writes the state of a fit after st.Epoch epochs to path.
func SaveCheckpoint(path string, s *State, st CheckpointState) error {
	st.Format = checkpointFormat
	st.RunID = s.Options.RunID
	st.Optimizer = s.Optimizer.Name()
	st.Iterations = s.Optimizer.Iterations()
	st.LearningRate = s.Optimizer.LearningRate()
	st.History = s.History.Epochs
	st.RNG = map[string][]byte{}
	for _, l := range nn.Layers(s.Model) {
		if r, ok := l.(randomLayer); ok {
			b, err := r.RNG().MarshalBinary()
			if err != nil {
				return err
			}
			st.RNG[l.Name()] = b
		}
	}
	st.Callbacks = map[string]json.RawMessage{}
	for _, c := range s.Options.Callbacks {
		if sc, ok := c.(Stateful); ok {
			b, err := sc.SaveState()
			if err != nil {
				return fmt.Errorf("checkpoint: callback %s: %w", sc.StateKey(), err)
			}
			st.Callbacks[sc.StateKey()] = b
		}
	}
	meta, err := json.Marshal(st)
	if err != nil {
		return err
	}
	ts := modelfile.Tensors(s.Model, "model/")
	for name, t := range s.Optimizer.State() {
		ts = append(ts, safetensors.Named{Name: "optimizer/" + name, Tensor: t})
	}
	md := map[string]string{"format": checkpointFormat, "state": string(meta)}
	if st.RunID != "" {
		md["run_id"] = st.RunID
	}
	return safetensors.WriteFileChecked(path, ts, md)
}

// LoadCheckpoint restores a checkpoint into a model built from the same
// spec, its optimizer and its callbacks, and returns the recorded state.
// With runID set, a checkpoint written by another run is refused before
// anything is restored.
func LoadCheckpoint(path, runID string, m nn.Model, opt optim.Optimizer, callbacks []Callback) (*CheckpointState, error) {
	f, err := safetensors.ReadFile(path)
	var fsErr *fs.PathError
	if err != nil && (errors.Is(err, safetensors.ErrChecksum) || !errors.As(err, &fsErr)) { // damaged or truncated
		return nil, fmt.Errorf("%w; it is the only resumable checkpoint (checkpoints/best/ holds a model, not the optimizer's state): "+
			"move %s away to resume from epoch 1, or train again", err, path)
	}
	if err != nil {
		return nil, err
	}
	var st CheckpointState
	if err := json.Unmarshal([]byte(f.Metadata["state"]), &st); err != nil || st.Format != checkpointFormat {
		return nil, fmt.Errorf("%s: not a cnnscope checkpoint (metadata state: %v)", path, err)
	}
	if runID != "" && st.RunID != runID {
		return nil, &ForeignError{Path: path, Got: st.RunID, Want: runID}
	}
	if st.Optimizer != opt.Name() {
		return nil, fmt.Errorf("%s: saved with optimizer %s, the spec now says %s", path, st.Optimizer, opt.Name())
	}
	if err := modelfile.LoadTensors(m, f, "model/", path); err != nil {
		return nil, err
	}
	slots := map[string]*tensor.Tensor{}
	for name, t := range f.Tensors {
		if rest, ok := strings.CutPrefix(name, "optimizer/"); ok {
			slots[rest] = t
		}
	}
	if err := opt.SetState(st.Iterations, slots); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	opt.SetLearningRate(st.LearningRate)
	for _, l := range nn.Layers(m) {
		if r, ok := l.(randomLayer); ok {
			b, ok := st.RNG[l.Name()]
			if !ok {
				return nil, fmt.Errorf("%s: no random state for layer %s", path, l.Name())
			}
			if err := r.RNG().UnmarshalBinary(b); err != nil {
				return nil, fmt.Errorf("%s: layer %s: %w", path, l.Name(), err)
			}
		}
	}
	for _, c := range callbacks {
		if sc, ok := c.(Stateful); ok {
			if b, ok := st.Callbacks[sc.StateKey()]; ok {
				if err := sc.RestoreState(b); err != nil {
					return nil, fmt.Errorf("%s: callback %s: %w", path, sc.StateKey(), err)
				}
			}
		}
	}
	return &st, nil
}

// ForeignError is a file of another run in a run directory.
type ForeignError struct {
	Path      string
	Got, Want string // run ids ("" for a file without one)
}

func (e *ForeignError) Error() string {
	got := "no run id"
	if e.Got != "" {
		got = "run " + e.Got
	}
	return fmt.Sprintf("%s belongs to %s, not to run %s of this directory's spec.yaml: the directory mixes two runs; train again into a new directory", e.Path, got, e.Want)
}
