package tune

import (
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/cnnscope/cnnscope/internal/atomicfile"
	"github.com/cnnscope/cnnscope/spec"
)

// Options are a new study's settings.
type Options struct {
	Trials    int
	Algorithm string // random, asha, hyperband
	Sampler   string // lhs (default), random, tpe
	Parallel  int
	Threads   int // per trial (0: the child's default)
	// NoDiagnosisPruning runs trials with --stop-on none (to measure what
	// pruning by diagnosis saves).
	NoDiagnosisPruning bool
	Seed               uint64
	// Grace is ASHA's grace period in epochs (0: 1 epoch, the issue's
	// default); a fraction such as 1/3 puts rungs inside an epoch.
	Grace float64
	// Executor is local (default) or slurm; SlurmArgs are passed to
	// sbatch (partition, time, cpus...).
	Executor  string
	SlurmArgs []string
}

// Check refuses bad options (one line each).
func (o Options) Check() error {
	switch {
	case o.Trials < 1:
		return fmt.Errorf("--trials %d: want 1 or more", o.Trials)
	case o.Grace < 0 || math.IsNaN(o.Grace) || math.IsInf(o.Grace, 0):
		return fmt.Errorf("--grace %g: want more than 0 epochs", o.Grace)
	case o.Parallel < 1:
		return fmt.Errorf("--parallel %d: want 1 or more", o.Parallel)
	case o.Executor != "" && !slices.Contains(Executors, o.Executor):
		return fmt.Errorf("--executor %q: want local or slurm", o.Executor)
	case len(o.SlurmArgs) > 0 && o.Executor != Slurm:
		return fmt.Errorf("--slurm-args needs --executor slurm")
	case o.Sampler != "" && !slices.Contains(Samplers, o.Sampler):
		return fmt.Errorf("--sampler %q: want lhs, random or tpe", o.Sampler)
	case !slices.Contains(Algorithms, o.Algorithm):
		return fmt.Errorf("--algorithm %q: want random, asha or hyperband", o.Algorithm)
	}
	return nil
}

// Create makes a new study in dir (new or empty): base.yaml (base with
// its defaults filled in), one spec per trial under trials/, study.json.
func Create(dir string, base *spec.Spec, space Space, o Options) (*Study, error) {
	if err := o.Check(); err != nil {
		return nil, err
	}
	if ents, err := os.ReadDir(dir); err == nil && len(ents) > 0 {
		return nil, fmt.Errorf("%s: not empty (continue a study with --resume %s, or choose a new --out)", dir, dir)
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	resolved := *base
	resolved.Defaults()
	if tb := resolved.Fit.TensorBoard; tb != nil && tb.LogDir != "" {
		// Trials (and Slurm tasks) may run in another working directory.
		abs, err := filepath.Abs(tb.LogDir)
		if err != nil {
			return nil, err
		}
		c := *tb
		c.LogDir = abs
		resolved.Fit.TensorBoard = &c
	}
	b, err := resolved.Marshal()
	if err != nil {
		return nil, err
	}
	err = atomicfile.WriteFile(filepath.Join(dir, BaseFile), func(w io.Writer) error { _, err := w.Write(b); return err }, 0o644)
	if err != nil {
		return nil, err
	}
	sampler := o.Sampler
	if sampler == "" {
		sampler = Samplers[0]
	}
	s, err := NewStudy(dir, &resolved, space, o.Trials, o.Algorithm, sampler, o.Seed, o.Grace)
	if err != nil {
		return nil, err
	}
	s.Parallel, s.Threads, s.NoDiagnosisPruning = o.Parallel, o.Threads, o.NoDiagnosisPruning
	if o.Executor == Slurm {
		s.Executor, s.SlurmArgs, s.SlurmName = Slurm, o.SlurmArgs, slurmName(dir, s.Created)
	}
	if err := s.writeSpecs(&resolved); err != nil {
		return nil, err
	}
	return s, s.Save()
}

// slurmName is the study's Slurm job name: cnnscope- and a hash of the
// study's path and creation time, so squeue tells its tasks from others'.
func slurmName(dir string, created time.Time) string {
	abs, _ := filepath.Abs(dir)
	h := fnv.New32a()
	fmt.Fprintf(h, "%s %d", abs, created.UnixNano())
	return fmt.Sprintf("cnnscope-%08x", h.Sum32())
}

// Open reads the study in dir and its base spec for --resume.
func Open(dir string) (*Study, *spec.Spec, error) {
	s, err := LoadStudy(dir)
	if err != nil {
		return nil, nil, err
	}
	base, err := spec.Load(filepath.Join(dir, BaseFile))
	if err != nil {
		return nil, nil, err
	}
	return s, base, s.writeSpecs(base)
}
