package diagnose

import (
	"bytes"
	"errors"
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
// not change during a run.
func groundFixes(s *Signals, fs []Finding) {
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
	edits, known := cat[fix]
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
