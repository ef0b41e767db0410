package train

import (
	"fmt"
	"slices"
	"strings"

	"github.com/cnnscope/cnnscope/nn"
	"github.com/cnnscope/cnnscope/spec"
	"github.com/cnnscope/cnnscope/tensor"
)

// FreezeBase is model.freeze's word for every layer before the head.
const FreezeBase = "base"

// HeadIndex returns the index in ms.Layers of the model's head (see
// finetune.go): the last layer with weights on the way to the output,
// which must be a Dense or a 1x1 Conv2D.
func HeadIndex(ms nn.ModelSpec) (int, error) {
	byName := map[string]int{}
	for i, l := range ms.Layers {
		byName[l.Name] = i
	}
	i := len(ms.Layers) - 1
	for i >= 0 {
		l := ms.Layers[i]
		switch canonical(l.Type) {
		case "Dense":
			return i, nil
		case "Conv2D":
			if k := l.KernelSize; len(k) == 2 && k[0] == 1 && k[1] == 1 {
				return i, nil
			}
			return -1, fmt.Errorf("the last layer with weights, %s, is a Conv2D with kernel %v: no classifier head (a Dense or a 1x1 Conv2D) to replace", l.Name, []int(l.KernelSize))
		case "Activation", "Flatten", "Reshape", "Dropout", "GlobalAveragePooling2D", "GlobalMaxPooling2D", "MaxPooling2D", "AveragePooling2D":
		default:
			return -1, fmt.Errorf("layer %s (%s) stands between the output and the classifier: no Dense or 1x1 Conv2D head to replace", l.Name, l.Type)
		}
		switch {
		case len(l.Inputs) > 1:
			return -1, fmt.Errorf("layer %s merges %d inputs before the output: no single classifier head", l.Name, len(l.Inputs))
		case len(l.Inputs) == 1:
			j, ok := byName[l.Inputs[0]]
			if !ok {
				return -1, fmt.Errorf("the output is computed from the input without a classifier")
			}
			i = j
		default:
			i--
		}
	}
	return -1, fmt.Errorf("no Dense or 1x1 Conv2D before the output: no classifier head to replace")
}

// canonical is a layer type's Keras class name (Conv2D for conv2d).
func canonical(typ string) string {
	l, err := nn.LayerSpec{Type: typ}.Layer()
	if err != nil {
		return typ
	}
	return l.Type()
}

// fineTuneSpec is the pre-trained model's architecture for the run: all
// layers trainable but those up to model.freeze, and a head with one
// output per class when a new one is needed. It returns the head's name
// ("" when the head is kept).
func fineTuneSpec(s *spec.Spec, pre *Pretrained, classes int) (nn.ModelSpec, string, error) {
	ms := pre.Model.Spec()
	for i := range ms.Layers {
		ms.Layers[i].Trainable = nil
	}
	out := pre.Model.Output()
	newHead := s.Model.NewHead || out[len(out)-1] != classes
	head := -1
	if newHead || s.Model.Freeze == FreezeBase {
		h, err := HeadIndex(ms)
		if err != nil {
			return ms, "", fmt.Errorf("model.from: %s: %w", pre.Path, err)
		}
		head = h
	}
	headName := ""
	if newHead {
		setOutputs(&ms, head, out[len(out)-1], classes)
		headName = ms.Layers[head].Name
	}
	if s.Model.Freeze != "" {
		upTo := head - 1
		if s.Model.Freeze != FreezeBase {
			upTo = layerIndex(ms, s.Model.Freeze)
			if upTo < 0 {
				return ms, "", fmt.Errorf("model.freeze: %q is not a layer of %s (%s, or %q: every layer before the head)",
					s.Model.Freeze, pre.Path, layerNames(ms), FreezeBase)
			}
		}
		off := false
		for i := 0; i <= upTo; i++ {
			ms.Layers[i].Trainable = &off
		}
	}
	return ms, headName, nil
}

// setOutputs gives the head (and a Reshape after it that names the class
// count) one output per class.
func setOutputs(ms *nn.ModelSpec, head, old, classes int) {
	if l := &ms.Layers[head]; l.Units != 0 {
		l.Units = classes
	} else {
		l.Filters = classes
	}
	for i := head + 1; i < len(ms.Layers); i++ {
		if t := ms.Layers[i].TargetShape; len(t) > 0 && t[len(t)-1] == old {
			ms.Layers[i].TargetShape = append(slices.Clone(t[:len(t)-1]), classes)
		}
	}
}

func layerIndex(ms nn.ModelSpec, name string) int {
	return slices.IndexFunc(ms.Layers, func(l nn.LayerSpec) bool { return l.Name == name })
}

// layerNames lists a model's layer names, shortened past a dozen.
func layerNames(ms nn.ModelSpec) string {
	var names []string
	for _, l := range ms.Layers {
		names = append(names, l.Name)
	}
	if len(names) > 12 {
		names = append(append(names[:6:6], "..."), names[len(names)-5:]...)
	}
	return "layers: " + strings.Join(names, ", ")
}

// headSeed is the seed a fine-tune builds its model with. Only the new
// head keeps the weights it draws (the rest are the pre-trained ones), and
// it must not be the pre-trained model's own initial head, which the run
// that trained it drew from the same seed and layer names: the pre-trained
// features are fitted to it, so a "fresh" head would start fitted. The
// seed is mixed (SplitMix64's finalizer) with a constant.
func headSeed(seed uint64) uint64 {
	const newHead = 0x6e65775f68656164 // "new_head"
	z := seed ^ newHead + 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// buildFineTune builds the run's model from model.from: the pre-trained
// architecture (fineTuneSpec) with its weights, the head fresh.
func buildFineTune(s *spec.Spec, input tensor.Shape, classes int) (nn.Model, error) {
	pre, err := LoadPretrained(s.Model.From, input)
	if err != nil {
		return nil, err
	}
	ms, head, err := fineTuneSpec(s, pre, classes)
	if err != nil {
		return nil, err
	}
	if in := pre.Model.InputShape(); !in.Equal(input) {
		return nil, fmt.Errorf("model.from: %s takes %v images (height, width, channels), the data are %v: "+
			"set data.target_size and data.color_mode to the model's", s.Model.From, []int(in), []int(input))
	}
	m, err := ms.Model()
	if err != nil {
		return nil, fmt.Errorf("model.from: %w", err)
	}
	if err := estimateAndBuild(s, m, headSeed(s.Seed)); err != nil {
		return nil, err
	}
	own := map[string]*nn.Param{}
	for _, p := range pre.Model.Params() {
		own[p.FullName()] = p.Param
	}
	for _, p := range m.Params() {
		if p.Layer.Name() == head {
			continue
		}
		src := own[p.FullName()]
		if src == nil || !src.Value.Shape.Equal(p.Value.Shape) {
			return nil, fmt.Errorf("model.from: %s: weight %s does not fit the rebuilt model", s.Model.From, p.FullName())
		}
		copy(p.Value.Data, src.Value.Data)
	}
	if err := checkFineTuneStage(s, m); err != nil {
		return nil, err
	}
	return m, nil
}
