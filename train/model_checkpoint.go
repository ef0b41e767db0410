package train

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
)

// ModelCheckpoint saves, after every epoch, a full checkpoint to
// Dir/last.safetensors (weights, optimizer and random state: what resume
// needs) and, when Monitor improves, the model to Dir/best (model.json +
// model.safetensors), as Keras' ModelCheckpoint with save_best_only.
//
// It saves only good epochs: an epoch cut short (a callback stopped the
// run in its middle), with a NaN or ±Inf loss, or after which a weight is
// NaN or ±Inf keeps the previous checkpoint, so last.safetensors always
// holds the last good epoch (LastGood).
type ModelCheckpoint struct {
	Nop
	Dir     string
	Monitor string // default "val_loss" ("loss" when there is no validation)
	// Save writes the best model (modelfile.Save with the run's classes and
	// preprocessing, set by the run) after the given number of epochs.
	Save func(dir string, epochs int) error

	Best      float64
	BestEpoch int // 1-based; 0 before the first save
	// LastGood is the number of epochs done at the last checkpoint written
	// (or restored, on resume); 0 when there is none.
	LastGood int
	// Skipped says why the last epoch was not saved ("" when it was).
	Skipped string

	epochStart int // s.Step when the epoch began
}

// LastCheckpoint is the file name of the resume checkpoint.
const LastCheckpoint = "last.safetensors"

// LastCheckpointPath is the resume checkpoint of the run directory dir.
func LastCheckpointPath(dir string) string {
	return filepath.Join(dir, CheckpointsDir, LastCheckpoint)
}

// HasCheckpoint reports whether the run directory dir has a resume
// checkpoint (resume continues from it; without one it trains from
// epoch 1).
func HasCheckpoint(dir string) bool {
	_, err := os.Stat(LastCheckpointPath(dir))
	return err == nil
}

func (c *ModelCheckpoint) TrainBegin(s *State) error {
	if c.BestEpoch == 0 {
		c.Best = math.NaN()
	}
	return os.MkdirAll(c.Dir, 0o755)
}

func (c *ModelCheckpoint) EpochBegin(s *State, epoch int) error {
	c.epochStart = s.Step
	return nil
}

func (c *ModelCheckpoint) EpochEnd(s *State, epoch int, logs Logs) error {
	if c.Skipped = badEpoch(s, logs, s.Step-c.epochStart); c.Skipped != "" {
		return nil
	}
	mon := c.Monitor
	if mon == "" {
		mon = "val_loss"
	}
	if _, ok := logs[mon]; !ok && mon == "val_loss" {
		mon = "loss"
	}
	v, ok := logs[mon]
	better := func(a, b float64) bool {
		if strings.Contains(mon, "acc") {
			return a > b
		}
		return a < b
	}
	if ok && !math.IsNaN(v) && (math.IsNaN(c.Best) || better(v, c.Best)) && c.Save != nil {
		if err := c.Save(filepath.Join(c.Dir, "best"), epoch+1); err != nil {
			return err
		}
		c.Best, c.BestEpoch = v, epoch+1
	}
	// History does not hold this epoch yet: record it in the checkpoint.
	saved := s.History.Epochs
	s.History.Epochs = append(saved[:len(saved):len(saved)], logs)
	defer func() { s.History.Epochs = saved }()
	if err := SaveCheckpoint(filepath.Join(c.Dir, LastCheckpoint), s, CheckpointState{Epoch: epoch + 1, Step: s.Step}); err != nil {
		return err
	}
	c.LastGood = epoch + 1
	return nil
}

// badEpoch says why an epoch that ran steps steps must not be saved (""
// when it may).
func badEpoch(s *State, logs Logs, steps int) string {
	if steps < s.StepsPerEpoch {
		return "the epoch was cut short"
	}
	for _, k := range []string{"loss", "val_loss"} {
		if v, ok := logs[k]; ok && !finite(v) {
			return k + " is " + fmtValue(v)
		}
	}
	for _, p := range s.Model.Params() {
		if !allFinite(p.Value.Data) {
			return "weights are NaN/Inf, first in " + p.FullName()
		}
	}
	return ""
}

type modelCheckpointState struct {
	Best      *float64 `json:"best,omitempty"`
	BestEpoch int      `json:"best_epoch"`
}

func (c *ModelCheckpoint) StateKey() string { return "model_checkpoint" }

func (c *ModelCheckpoint) SaveState() (json.RawMessage, error) {
	st := modelCheckpointState{BestEpoch: c.BestEpoch}
	if c.BestEpoch > 0 {
		st.Best = &c.Best
	}
	return json.Marshal(st)
}

func (c *ModelCheckpoint) RestoreState(b json.RawMessage) error {
	var st modelCheckpointState
	if err := json.Unmarshal(b, &st); err != nil {
		return err
	}
	c.BestEpoch = st.BestEpoch
	if st.Best != nil {
		c.Best = *st.Best
	}
	return nil
}
