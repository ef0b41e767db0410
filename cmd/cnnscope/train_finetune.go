package main

import (
	"flag"
	"math"

	"github.com/cnnscope/cnnscope/spec"
)

// fineTuneFlags are train's flags for starting from a pre-trained model.
type fineTuneFlags struct {
	from, freeze, unfreezeFrom string
	newHead                    bool
	unfreezeAt                 int
	unfreezeLR                 float64
}

func (f *fineTuneFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.from, "from", "", "start from a pre-trained model: a run directory, a model folder or an .onnx file (its preprocessing, input size and colour mode apply unless given)")
	fs.StringVar(&f.freeze, "freeze", "", "with --from: freeze the layers up to and including this one (base: every layer before the head)")
	fs.BoolVar(&f.newHead, "new-head", false, "with --from: replace the classifier (last Dense or 1x1 Conv2D) by a fresh one for the data's classes (automatic when the classes differ)")
	fs.IntVar(&f.unfreezeAt, "unfreeze-at", 0, "fine-tune stage 2: after this many epochs, unfreeze the frozen layers (BatchNormalization stays frozen)")
	fs.Float64Var(&f.unfreezeLR, "unfreeze-lr", 0, "stage 2's learning rate (0: a tenth of stage 1's)")
	fs.StringVar(&f.unfreezeFrom, "unfreeze-from", "", "stage 2 unfreezes from this layer on (default: every frozen layer)")
}

// fromOwns are the flags whose defaults a pre-trained model replaces:
// without a spec file they count only when given.
var fromOwns = []string{"model", "rescale", "featurewise-center", "featurewise-std-normalization"}

// unmarkDefaults drops the flags in fromOwns that were not given from
// set when --from is.
func (f *fineTuneFlags) unmarkDefaults(set, given map[string]bool) {
	if !given["from"] {
		return
	}
	for _, name := range fromOwns {
		if !given[name] {
			delete(set, name)
		}
	}
}

// check refuses values the spec would read as its defaults.
func (f *fineTuneFlags) check(set map[string]bool) error {
	if set["from"] && f.from == "" {
		return usagef("--from: empty; want a run directory, a model folder or an .onnx file")
	}
	if set["from"] && set["model"] {
		return usagef("--from and --model: give one (--from's model replaces the preset)")
	}
	if set["unfreeze-at"] && f.unfreezeAt < 1 {
		return usagef("--unfreeze-at %d: want 1 or more (the epochs before unfreezing)", f.unfreezeAt)
	}
	if set["unfreeze-lr"] && (math.IsNaN(f.unfreezeLR) || math.IsInf(f.unfreezeLR, 0) || f.unfreezeLR <= 0) {
		return usagef("--unfreeze-lr %v: want a finite rate > 0", f.unfreezeLR)
	}
	if !set["unfreeze-at"] && (set["unfreeze-lr"] || set["unfreeze-from"]) {
		return usagef("--unfreeze-lr and --unfreeze-from need --unfreeze-at (the epoch stage 2 starts after)")
	}
	return nil
}

// apply sets the model and fit.fine_tune keys from the given flags.
func (f *fineTuneFlags) apply(s *spec.Spec, set map[string]bool) {
	if set["from"] && f.from != "" {
		s.Model = spec.Model{From: f.from, Freeze: s.Model.Freeze, NewHead: s.Model.NewHead}
	}
	if set["freeze"] && f.freeze != "" {
		s.Model.Freeze = f.freeze
	}
	if set["new-head"] && f.newHead {
		s.Model.NewHead = true
	}
	if !set["unfreeze-at"] || f.unfreezeAt == 0 {
		return
	}
	s.Fit.FineTune = &spec.FineTune{Epoch: f.unfreezeAt, LearningRate: f.unfreezeLR, UnfreezeFrom: f.unfreezeFrom}
}
