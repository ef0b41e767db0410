package diagnose

import (
	"bytes"
	"errors"
	"math"
	"slices"
	"strings"

	"github.com/cnnscope/cnnscope/nn"
	"github.com/cnnscope/cnnscope/spec"
)

// groundFixes keeps only fixes that change something: a fix the
// catalogue (actions.go) knows is dropped when it has no edits for this
// model (say, "remove the constant kernel_initializer" when none is set)
// or when its edits leave the spec as it is (say, "start from the
// defaults" on a spec that uses them). Advice the catalogue does not know
// (check the labels) is kept. Results are cached per fix: the spec does
// not change during a run. A fix that ends in a catalogued one ("stop
// before the model memorizes the noise: stop at the best epoch: ...") is
// grounded as that one. Causes the run's own checks rule out are dropped
// (groundCauses).
func groundFixes(s *Signals, fs []Finding) {
	groundCauses(s, fs)
	if s.Spec == nil {
		return
	}
	var cat map[string][]SpecEdit
	for i := range fs {
		kept := fs[i].Fixes[:0]
		for _, fx := range fs[i].Fixes {
			ok, known := s.grounded[fx]
			if !known {
				if cat == nil {
					cat = fixCatalogue(s)
				}
				ok = changesSpec(s, cat, fx)
				if s.grounded == nil {
					s.grounded = map[string]bool{}
				}
				s.grounded[fx] = ok
			}
			if ok {
				kept = append(kept, fx)
			}
		}
		fs[i].Fixes = kept
	}
}

// changesSpec reports whether the catalogue's edits for fix change the
// spec (true for a fix it does not know).
func changesSpec(s *Signals, cat map[string][]SpecEdit, fix string) bool {
	edits, known := catalogued(cat, fix)
	if !known {
		return true
	}
	if len(edits) == 0 {
		return false
	}
	var layers []nn.LayerSpec
	if s.Model != nil {
		layers = s.Model.Layers
	}
	after, err := ApplyEdits(s.Spec, edits, layers)
	if errors.Is(err, errFromModel) {
		return false // not a change this spec can take
	}
	if err != nil {
		return true
	}
	// The same document before the edits; a no-op edit of the first
	// layer's name writes the layers out as the edits did for a preset.
	var noop []SpecEdit
	if len(layers) > 0 && layers[0].Name != "" {
		for _, e := range edits {
			if len(e.Path) >= 12 && e.Path[:12] == "model.layers" {
				noop = []SpecEdit{{Path: "model.layers[0].name", Value: layers[0].Name}}
				break
			}
		}
	}
	before, err := ApplyEdits(s.Spec, noop, layers)
	if err != nil {
		return true
	}
	return !sameSpec(before, after)
}

// sameSpec compares two specs as they train: an unset learning rate is
// the optimizer's default.
func sameSpec(a, b *spec.Spec) bool {
	norm := func(s *spec.Spec) ([]byte, error) {
		c := *s
		if c.Compile.LearningRate == 0 {
			c.Compile.LearningRate = typicalLR(strings.ToLower(c.Compile.Optimizer))
		}
		return c.Marshal()
	}
	x, err1 := norm(a)
	y, err2 := norm(b)
	return err1 == nil && err2 == nil && bytes.Equal(x, y)
}

// catalogued returns the edits of fix, or of the catalogued fix it ends
// in after a ": " (a detector's lead-in to a catalogued fix).
func catalogued(cat map[string][]SpecEdit, fix string) ([]SpecEdit, bool) {
	if edits, ok := cat[fix]; ok {
		return edits, true
	}
	for rest := fix; ; {
		i := strings.Index(rest, ": ")
		if i < 0 {
			return nil, false
		}
		rest = rest[i+2:]
		if edits, ok := cat[rest]; ok {
			return edits, true
		}
	}
}

// notNormalizedCause begins the causes that blame unnormalized inputs.
const notNormalizedCause = "inputs are not normalized"

// groundCauses drops the cause "inputs are not normalized" when the
// pre-training checks measured what the model receives and found it
// normalized: finite, not constant, largest magnitude within the range
// detectUnnormalizedInputs accepts (0.05 to 10).
func groundCauses(s *Signals, fs []Finding) {
	d := s.Facts.Data
	if d == nil || d.Input == nil {
		return
	}
	in := d.Input
	amax := max(math.Abs(in.Min), math.Abs(in.Max))
	if in.NonFinite > 0 || in.Std == 0 || amax > inputMaxHigh || amax < inputMaxLow {
		return
	}
	for i := range fs {
		fs[i].Causes = slices.DeleteFunc(fs[i].Causes, func(c string) bool { return strings.HasPrefix(c, notNormalizedCause) })
	}
}
