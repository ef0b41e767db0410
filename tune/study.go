package tune

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"github.com/cnnscope/cnnscope/internal/atomicfile"
	"github.com/cnnscope/cnnscope/spec"
)

// Files of a study directory.
const (
	StudyFile  = "study.json"
	BaseFile   = "base.yaml"  // the resolved base spec
	TrialsDir  = "trials"     // trials/007/ is trial 7's run directory
	TrialsCSV  = "trials.csv" // one row per trial
	BestFile   = "best.yaml"  // the best trial's complete spec
	studyMagic = "cnnscope.study/v1"
)

// Trial statuses.
const (
	Pending   = "pending"
	Running   = "running"
	Completed = "completed"
	Pruned    = "pruned"
	Failed    = "failed"
)

// Algorithms.
var Algorithms = []string{"random", "asha", "hyperband"}

// Trial is one sampled spec and what became of it.
type Trial struct {
	ID      int            `json:"id"`
	Bracket int            `json:"bracket"`
	Params  map[string]any `json:"params"`
	Status  string         `json:"status"`
	Reason  string         `json:"reason,omitempty"`
	// ValLoss and ValAccuracy are the epochs' validation metrics the
	// study has taken in (a paused trial's later epochs are not yet).
	ValLoss     []float64 `json:"val_loss"`
	ValAccuracy []float64 `json:"val_accuracy"`
	// Seconds is the wall time of the trial's child processes (under
	// Slurm, from submission: queueing included).
	Seconds float64 `json:"seconds"`
	// Steps is the global step the trial's run reached and StepsPerEpoch
	// its steps per epoch (steps.go), known once the trial has ended.
	Steps         int `json:"steps,omitempty"`
	StepsPerEpoch int `json:"steps_per_epoch,omitempty"`
	// RungSteps are the global steps of the trial's rungs inside an
	// epoch (a grace period below one epoch), and TrainLoss the running
	// training loss the study took in at each (inepoch.go).
	RungSteps []int     `json:"rung_steps,omitempty"`
	TrainLoss []float64 `json:"rung_train_loss,omitempty"`
	// SlurmJob is the job array whose task SlurmJob_ID runs the trial.
	SlurmJob string `json:"slurm_job,omitempty"`
}

// Ended reports whether the trial is completed, pruned or failed.
func (t *Trial) Ended() bool {
	return t.Status == Completed || t.Status == Pruned || t.Status == Failed
}

// Study is the content of study.json.
type Study struct {
	Format    string `json:"format"`
	Seed      uint64 `json:"seed"`
	Algorithm string `json:"algorithm"`
	Sampler   string `json:"sampler,omitempty"` // empty: random (studies made before lhs)
	MaxEpochs int    `json:"max_epochs"`
	Eta       int    `json:"reduction_factor"`
	// Grace is the first rung in epochs (1 unless --grace; a fraction
	// puts rungs inside an epoch, see inepoch.go).
	Grace    float64 `json:"grace_period"`
	Parallel int     `json:"parallel"`
	Threads  int     `json:"threads,omitempty"` // per trial; 0: the child's default
	// NoDiagnosisPruning: trials run with --stop-on none.
	NoDiagnosisPruning bool `json:"no_diagnosis_pruning,omitempty"`
	// Executor is local (empty) or slurm; SlurmArgs go to sbatch, and
	// SlurmName is the study's job name (squeue finds its tasks by it).
	Executor  string    `json:"executor,omitempty"`
	SlurmArgs []string  `json:"slurm_args,omitempty"`
	SlurmName string    `json:"slurm_job_name,omitempty"`
	Created   time.Time `json:"created"`
	// Seconds is the tuner's wall time over all its sessions.
	Seconds float64 `json:"seconds"`
	// EpochsSpent counts the epochs children completed, including
	// those a paused or pruned trial ran past its last decision.
	EpochsSpent int `json:"epochs_spent"`
	// Space is the search space, kept for the TPE sampler's draws (tpe.go).
	Space  Space    `json:"space,omitempty"`
	Trials []*Trial `json:"trials"`

	dir string
}

// NewStudy samples n trials from space over base with the sampler,
// deterministically for seed.
// grace is the first rung in epochs (0: 1 epoch).
func NewStudy(dir string, base *spec.Spec, space Space, n int, algorithm, sampler string, seed uint64, grace float64) (*Study, error) {
	maxEpochs := base.Fit.Epochs
	if grace == 0 {
		grace = 1
	}
	s := &Study{Format: studyMagic, Seed: seed, Algorithm: algorithm, Sampler: sampler, MaxEpochs: maxEpochs, Eta: 3, Grace: grace, Parallel: 1, Created: time.Now().UTC(), dir: dir}
	r := rand.New(rand.NewPCG(seed, 0x7475_6e65)) // "tune"
	brackets := s.Brackets()
	drawn, how := n, sampler
	if sampler == TPESampler {
		// The first trials at random; the others when they start.
		drawn, how = min(n, tpeStartup), RandomSampler
		if err := s.keepSpace(space); err != nil {
			return nil, err
		}
	}
	params, err := space.SampleTrials(r, base, drawn, how)
	if err != nil {
		return nil, err
	}
	for i := range n {
		var p map[string]any
		if i < len(params) {
			p = params[i]
		}
		s.Trials = append(s.Trials, &Trial{ID: i + 1, Bracket: i % brackets, Params: p, Status: Pending, ValLoss: []float64{}, ValAccuracy: []float64{}})
	}
	return s, nil
}

// LoadStudy reads dir's study.json.
func LoadStudy(dir string) (*Study, error) {
	path := filepath.Join(dir, StudyFile)
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var s Study
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	if s.Format != studyMagic || s.MaxEpochs <= 0 || s.Eta < 2 || !(s.Grace > 0) {
		return nil, fmt.Errorf("%s: not a cnnscope study (format %q)", path, s.Format)
	}
	if s.Sampler == TPESampler && len(s.Space) == 0 {
		return nil, fmt.Errorf("%s: a tpe study without its search space (\"space\")", path)
	}
	for i, t := range s.Trials {
		if t == nil || t.ID != i+1 {
			return nil, fmt.Errorf("%s: trial %d: damaged entry", path, i+1)
		}
	}
	s.dir = dir
	return &s, nil
}

// Save replaces study.json atomically.
func (s *Study) Save() error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(filepath.Join(s.dir, StudyFile), func(w io.Writer) error {
		_, err := w.Write(append(b, '\n'))
		return err
	}, 0o644)
}

// Dir is the study directory.
func (s *Study) Dir() string { return s.dir }

// RunDir is trial id's run directory.
func (s *Study) RunDir(id int) string {
	return filepath.Join(s.dir, TrialsDir, fmt.Sprintf("%03d", id))
}

// keepSpace stores space in the study as study.json gives it back (a
// choice of 16 comes back as 16.0), so that a fresh study and a resumed
// one draw from the very same values.
func (s *Study) keepSpace(space Space) error {
	b, err := json.Marshal(space)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, &s.Space)
}
