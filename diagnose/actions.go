package diagnose

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/cnnscope/cnnscope/nn"
	"github.com/cnnscope/cnnscope/spec"
)

// Action is a fix in machine-readable form: the spec edits that apply it.
// A finding's Actions follow the order of its Fixes; a fix without one
// (check the files, remove duplicates, ...) is advice for a person.
type Action struct {
	// Fix is the fix's text, as in Finding.Fixes.
	Fix   string     `json:"fix"`
	Edits []SpecEdit `json:"edits"`
	// Steps are the optimizer steps the fix needs before its effect can
	// show (0: none in particular); doctor trains its trial that long
	// (doctor_length.go).
	Steps int `json:"steps,omitempty"`
}

// SpecEdit changes one key of a spec, named as the YAML spec file names
// it: "compile.learning_rate", "data.preprocessing.rescale",
// "model.layers[3].activation". Value is a number, string, bool or map;
// with Insert, Path names a list position and Value (a layer) is inserted
// there. Setting model.preset drops model.layers; editing model.layers
// of a preset model first writes the preset out as layers.
type SpecEdit struct {
	Path   string `json:"path"`
	Value  any    `json:"value"`
	Insert bool   `json:"insert,omitempty"`
}

func (e SpecEdit) String() string {
	b, _ := yaml.Marshal(e.Value)
	v := strings.TrimSpace(string(b))
	if strings.Contains(v, "\n") {
		v = "{" + strings.ReplaceAll(v, "\n", ", ") + "}"
	}
	if e.Insert {
		return "insert at " + e.Path + ": " + v
	}
	return e.Path + ": " + v
}

// Describe writes the edits in one line: "compile.learning_rate: 0.001".
// The same change to three or more layers is written once, with the
// layers' indices: "model.layers[1, 4, 7, ..., 160].momentum: 0.9 (52
// layers)".
func (a Action) Describe() string {
	var parts []string
	groups := map[string]int{} // "key: value" -> index in parts
	indices := map[string][]string{}
	for _, e := range a.Edits {
		s := e.String()
		m := layerEdit.FindStringSubmatch(s)
		if e.Insert || m == nil {
			parts = append(parts, s)
			continue
		}
		if _, ok := groups[m[2]]; !ok {
			groups[m[2]] = len(parts)
			parts = append(parts, s)
		}
		indices[m[2]] = append(indices[m[2]], m[1])
	}
	for rest, at := range groups {
		if ix := indices[rest]; len(ix) >= 3 {
			parts[at] = fmt.Sprintf("model.layers[%s]%s (%d layers)", shortList(ix), rest, len(ix))
		} else if len(ix) == 2 {
			parts[at] += "; model.layers[" + ix[1] + "]" + rest
		}
	}
	return strings.Join(parts, "; ")
}

// layerEdit splits "model.layers[7].momentum: 0.9" into the index and the rest.
var layerEdit = regexp.MustCompile(`^model\.layers\[(\d+)\](\..*)$`)

// shortList writes up to four indices, else the first three, "..." and the last.
func shortList(ix []string) string {
	if len(ix) > 4 {
		ix = []string{ix[0], ix[1], ix[2], "...", ix[len(ix)-1]}
	}
	return strings.Join(ix, ", ")
}

// ApplyEdits returns a copy of s with the edits made, validated as a
// spec file is. layers are the model's layers (nn.Sequential.Spec), used
// when an edit touches model.layers of a spec that names a preset.
func ApplyEdits(s *spec.Spec, edits []SpecEdit, layers []nn.LayerSpec) (*spec.Spec, error) {
	b, err := s.Marshal()
	if err != nil {
		return nil, err
	}
	var doc map[string]any
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, err
	}
	for _, e := range edits {
		if s.Model.From != "" && (strings.HasPrefix(e.Path, "model.layers") || e.Path == "model.preset") {
			// Writing layers or a preset in would drop model.from: the
			// run would start from scratch, not from the trained model.
			return nil, fmt.Errorf("edit %s: %w", e.Path, errFromModel)
		}
		if strings.HasPrefix(e.Path, "model.layers") {
			model, _ := doc["model"].(map[string]any)
			if model == nil || model["layers"] == nil {
				if len(layers) == 0 {
					return nil, fmt.Errorf("edit %s: the model's layers are unknown", e.Path)
				}
				lb, err := yaml.Marshal(layers)
				if err != nil {
					return nil, err
				}
				var ls []any
				if err := yaml.Unmarshal(lb, &ls); err != nil {
					return nil, err
				}
				doc["model"] = map[string]any{"layers": ls}
			}
		}
		if e.Path == "model.preset" {
			doc["model"] = map[string]any{}
		}
		if err := setPath(doc, e); err != nil {
			return nil, fmt.Errorf("edit %s: %w", e.Path, err)
		}
		if err := wireInserted(doc, e); err != nil {
			return nil, fmt.Errorf("edit %s: %w", e.Path, err)
		}
	}
	out, err := yaml.Marshal(doc)
	if err != nil {
		return nil, err
	}
	return spec.Parse("edited spec", bytes.NewReader(out))
}

// errFromModel refuses an edit of the layers or the preset of a model
// that starts from a pre-trained one (model.from).
var errFromModel = errors.New("the model starts from a pre-trained one (model.from): its layers are not in the spec, and a preset or layers would replace it")

var pathPart = regexp.MustCompile(`^([a-z_]+)(?:\[(\d+)\])?$`)

// setPath sets (or inserts) e.Value at e.Path in a YAML document,
// creating maps on the way.
func setPath(doc map[string]any, e SpecEdit) error {
	parts := strings.Split(e.Path, ".")
	var cur any = doc
	for i, p := range parts {
		m := pathPart.FindStringSubmatch(p)
		if m == nil {
			return fmt.Errorf("bad path element %q", p)
		}
		obj, ok := cur.(map[string]any)
		if !ok {
			return fmt.Errorf("%s is not a map", strings.Join(parts[:i], "."))
		}
		last := i == len(parts)-1
		if m[2] == "" {
			if last {
				obj[m[1]] = e.Value
				return nil
			}
			if obj[m[1]] == nil {
				obj[m[1]] = map[string]any{}
			}
			cur = obj[m[1]]
			continue
		}
		list, _ := obj[m[1]].([]any)
		k, _ := strconv.Atoi(m[2])
		switch {
		case last && e.Insert:
			if k > len(list) {
				return fmt.Errorf("index %d past the %d elements", k, len(list))
			}
			list = append(list[:k], append([]any{e.Value}, list[k:]...)...)
			obj[m[1]] = list
			return nil
		case k >= len(list):
			return fmt.Errorf("index %d past the %d elements", k, len(list))
		case last:
			list[k] = e.Value
			return nil
		}
		cur = list[k]
	}
	return nil
}

// attachActions gives each finding the actions of those of its fixes
// that can be applied automatically; on a preset, a fix that edits
// model.layers says how (notePresetEdits).
func attachActions(s *Signals, fs []Finding) {
	var cat map[string][]SpecEdit
	var steps map[string]int
	for i := range fs {
		fs[i].Actions = nil
		for _, fx := range fs[i].Fixes {
			if cat == nil {
				cat, steps = fixCatalogue(s), fixSteps(s)
			}
			if edits := cat[fx]; len(edits) > 0 {
				fs[i].Actions = append(fs[i].Actions, Action{Fix: fx, Edits: edits, Steps: steps[fx]})
			}
		}
	}
	notePresetEdits(s, fs)
}

// fixSteps are the optimizer steps the fixes that need some before they
// can show need: BatchNormalization's moving statistics forget their start
// in bnStepsToForget(momentum) steps, at the run's momentum when the fix
// trains longer, at 0.9 when it lowers the momentum to that.
func fixSteps(s *Signals) map[string]int {
	m := map[string]int{}
	if fx, _ := bnEpochsFix(s); fx != "" {
		m[fx] = bnLagNeed(s).steps
	}
	if fx := bnMomentumFix(s); fx != "" {
		m[fx] = bnStepsToForget(bnFixMomentum)
	}
	return m
}

// fixCatalogue maps every fix text the detectors can write for these
// signals to its spec edits (the same helpers make both).
func fixCatalogue(s *Signals) map[string][]SpecEdit {
	c := specFixes(s)
	if s.Model == nil {
		return c
	}
	lastDense := layerFixes(s, c)
	outputFixes(s, c, lastDense)
	logitsFixes(s, c)
	reluFixes(s, c)
	return c
}

// setEdit is the edit that sets path to v.
func setEdit(path string, v any) SpecEdit { return SpecEdit{Path: path, Value: v} }

// layerPath is the spec path of key in the i-th layer.
func layerPath(i int, key string) string { return fmt.Sprintf("model.layers[%d].%s", i, key) }

// specFixes catalogues the fixes that edit the data, compile and fit
// sections or the preset, whatever the model's layers.
func specFixes(s *Signals) map[string][]SpecEdit {
	set := setEdit
	rescale := []SpecEdit{set("data.preprocessing.rescale", 1.0/255)}
	c := map[string][]SpecEdit{
		lowerLRFix(s):  {set("compile.learning_rate", lowerLRTarget(s))},
		raiseLRFix(s):  {set("compile.learning_rate", raiseLRTarget(s))},
		clipFix:        {set("compile.clipnorm", 1.0)},
		rescaleFix:     rescale,
		rescaleOnceFix: rescale,
		standardizeFix: {set("data.preprocessing.featurewise_center", true), set("data.preprocessing.featurewise_std_normalization", true)},
		balancedFix:    {set("data.class_weight", "balanced")},
		oversampleFix:  {set("data.sampling", "oversample")},
		resampleFix:    {set("data.class_weight", "none"), set("data.sampling", "oversample")},
		patienceFix:    {set("fit.early_stopping.patience", 3), set("fit.early_stopping.restore_best_weights", true)},
		augmentFix: {set("data.augmentation.rotation_range", 10), set("data.augmentation.width_shift_range", 0.1),
			set("data.augmentation.height_shift_range", 0.1)},
		reduceLRFix:     {set("fit.reduce_lr_on_plateau", map[string]any{"monitor": "loss", "factor": 0.2, "patience": 2})},
		largerModelFix:  {set("model.preset", "vgg-small")},
		largerModelFix2: {set("model.preset", "vgg-small")},
		valSplitText:    {set("data.validation_split", 0.2)},
		lossFix:         {set("compile.loss", "sparse_categorical_crossentropy")},
	}
	known := []SpecEdit{set("model.preset", "basic-cnn"), set("compile.optimizer", "adam"), set("compile.learning_rate", 0.001),
		set("compile.momentum", 0), set("compile.nesterov", false)}
	c[defaultsFix], c[knownGoodFix] = known, known
	if m := momentumFix(s); m != "" {
		c[m] = []SpecEdit{set("compile.momentum", 0.9)}
	}
	c[epochsFix(s, 2)] = []SpecEdit{epochsEdit(s, 2)}
	if fx := batchFix(s); fx != "" {
		c[fx] = []SpecEdit{set("fit.batch_size", 2*s.Spec.Fit.BatchSize)}
	}
	if fx, n := bnEpochsFix(s); fx != "" {
		c[fx] = []SpecEdit{set("fit.epochs", n)}
	}
	if fx, f, ok := splitFix(s); ok && f > 0 {
		c[fx] = []SpecEdit{set("data.validation_split", f)}
	}
	return c
}

// bnFixMomentum is the BatchNormalization momentum the lag's fix sets.
const bnFixMomentum = 0.9

// layerFixes adds the fixes that edit or insert after conv2d and dense
// layers (batch normalization, leaky relu, initializers, BN momentum) and
// returns the index of the last dense layer (-1: none).
func layerFixes(s *Signals, c map[string][]SpecEdit) int {
	set, layer := setEdit, layerPath
	ls := s.Model.Layers
	var he, odd []SpecEdit
	lastDense := -1
	for i, l := range ls {
		typ := strings.ToLower(l.Type)
		if typ == "dense" {
			lastDense = i
		}
		if typ != "conv2d" && typ != "dense" {
			continue
		}
		if i < len(ls)-1 {
			c[batchNormFix(l.Name)] = []SpecEdit{{Path: fmt.Sprintf("model.layers[%d]", i+1), Value: map[string]any{"type": "BatchNormalization"}, Insert: true}}
			c[leakyReluFix(s, l.Name)] = []SpecEdit{set(layer(i, "activation"), "leaky_relu")}
			if strings.EqualFold(l.Activation, "relu") {
				he = append(he, set(layer(i, "kernel_initializer"), "he_uniform"))
			}
		}
		switch strings.ToLower(l.KernelInitializer) {
		case "zeros", "ones":
			odd = append(odd, set(layer(i, "kernel_initializer"), "glorot_uniform"))
		}
	}
	c[heUniformFix] = he
	var bnEdits []SpecEdit
	for i, l := range ls {
		if strings.EqualFold(l.Type, "BatchNormalization") && (l.Momentum == 0 || l.Momentum > 0.9) {
			bnEdits = append(bnEdits, set(layer(i, "momentum"), bnFixMomentum))
		}
	}
	if fx := bnMomentumFix(s); fx != "" {
		c[fx] = bnEdits
	}
	c[initFix] = odd
	return lastDense
}

// outputFixes adds the fixes for the output activation and loss, the
// double squash, and dropout before the last dense layer.
func outputFixes(s *Signals, c map[string][]SpecEdit, lastDense int) {
	set, layer := setEdit, layerPath
	if act, name := s.lastActivation(); name != "" {
		i := s.layerIndex(name)
		c[outputActFix(s, name, "softmax")] = []SpecEdit{set(layer(i, "activation"), "softmax")}
		c[outputActFix(s, name, "sigmoid")] = []SpecEdit{set(layer(i, "activation"), "sigmoid")}
		c[pairFix] = pairEdits(s, act, i)
	}
	if f := doubleSquash(s); f != nil {
		c[f.Fixes[0]] = []SpecEdit{set(layer(s.layerIndex(f.Layer), "activation"), "linear")}
	}
	if lastDense > 0 {
		c[addDropoutFix] = []SpecEdit{{Path: fmt.Sprintf("model.layers[%d]", lastDense), Value: map[string]any{"type": "Dropout", "rate": 0.5}, Insert: true}}
	}
	if text, edits := dropoutFix(s); text != "" {
		c[text] = edits
	}
}

// reluFixes adds the relu fixes: one per sigmoid/tanh hidden layer, and
// one for all of them when there are several.
func reluFixes(s *Signals, c map[string][]SpecEdit) {
	ls := s.Model.Layers
	var squash []string
	for i, l := range ls {
		if a := strings.ToLower(l.Activation); (a == "sigmoid" || a == "tanh") && i < len(ls)-1 {
			squash = append(squash, l.Name)
			c[reluFix(s, []string{l.Name})] = []SpecEdit{setEdit(layerPath(i, "activation"), "relu")}
		}
	}
	if len(squash) > 1 {
		var edits []SpecEdit
		for _, n := range squash {
			edits = append(edits, setEdit(layerPath(s.layerIndex(n), "activation"), "relu"))
		}
		c[reluFix(s, squash)] = edits
	}
}

// pairEdits are the edits of pairFix: a softmax output under
// sparse_categorical_crossentropy, or, with compile.from_logits, a linear
// output under it (the loss applies softmax itself); a softmax or other
// output with from_logits drops from_logits. None when the spec already
// pairs them (the fix is then dropped).
func pairEdits(s *Signals, act string, i int) []SpecEdit {
	var pair []SpecEdit
	switch {
	case s.fromLogits() && act == "linear":
	case s.fromLogits():
		pair = append(pair, setEdit("compile.from_logits", false))
		if act != "softmax" {
			pair = append(pair, setEdit(layerPath(i, "activation"), "softmax"))
		}
	case act != "softmax":
		pair = append(pair, setEdit(layerPath(i, "activation"), "softmax"))
	}
	if s.lossName() != "sparse_categorical_crossentropy" {
		pair = append(pair, setEdit("compile.loss", "sparse_categorical_crossentropy"))
	}
	return pair
}
