package diagnose

import "github.com/cnnscope/cnnscope/spec"

// fineTuneOf is the run's second fine-tune stage (nil without one).
func fineTuneOf(s *Signals) *spec.FineTune {
	if s.Spec == nil {
		return nil
	}
	return s.Spec.Fit.FineTune
}

// partlyFrozen reports whether some layers of the model are frozen and
// some are not (any layer type).
func partlyFrozen(s *Signals) bool {
	if s.Model == nil {
		return false
	}
	var frozen, trainable bool
	for _, l := range s.Model.Layers {
		if l.Trainable != nil && !*l.Trainable {
			frozen = true
		} else {
			trainable = true
		}
	}
	return frozen && trainable
}
