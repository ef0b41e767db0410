package diagnose

import (
	"fmt"
	"strings"
)

// presetNoLayers marks a fix text that already says the preset has no
// layers in the spec (bnMomentumFix on a preset).
const presetNoLayers = "has no layers in your spec"

// notePresetEdits says how to apply a fix that edits model.layers when
// the spec names a preset and so has no layers to edit: `cnnscope doctor`
// writes the preset out as layers with the change (ApplyEdits). The note
// is added to the fix in Fixes and in its Action alike.
func notePresetEdits(s *Signals, fs []Finding) {
	if s.Spec == nil || s.Spec.Model.Preset == "" || len(s.Spec.Model.Layers) > 0 {
		return
	}
	note := fmt.Sprintf("; model.preset %s %s to edit; `%s` writes the preset out as layers with this change and trains it",
		s.Spec.Model.Preset, presetNoLayers, runCmd(s, "doctor"))
	for i := range fs {
		for j, a := range fs[i].Actions {
			if !editsLayers(a.Edits) || strings.Contains(a.Fix, presetNoLayers) {
				continue
			}
			for k, fx := range fs[i].Fixes {
				if fx == a.Fix {
					fs[i].Fixes[k] = a.Fix + note
				}
			}
			fs[i].Actions[j].Fix = a.Fix + note
		}
	}
}

// editsLayers reports whether any edit touches model.layers.
func editsLayers(edits []SpecEdit) bool {
	for _, e := range edits {
		if strings.HasPrefix(e.Path, "model.layers") {
			return true
		}
	}
	return false
}
