package tune

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/cnnscope/cnnscope/spec"
)

// Dist is one parameter's distribution.
type Dist struct {
	Path string  `json:"path"` // dotted spec path, e.g. compile.learning_rate
	Kind string  `json:"kind"` // uniform, loguniform, int, choice
	Low  float64 `json:"low,omitempty"`
	High float64 `json:"high,omitempty"`
	// Choices are the values of a choice, as the YAML gave them.
	Choices []any `json:"choices,omitempty"`
}

// Space is a search space: distributions by dotted path, in path order.
type Space []Dist

// LoadSpace reads a search space file and checks it against base: every
// path must exist in a spec, every range must be ordered, and the base
// with each range's ends (each choice) applied must pass train's
// validation. Errors are one line naming the file and the path.
func LoadSpace(path string, base *spec.Spec) (Space, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseSpace(path, b, base)
}

// ParseSpace is LoadSpace on the file's content.
func ParseSpace(name string, b []byte, base *spec.Spec) (Space, error) {
	var raw map[string]map[string]any
	if err := yaml.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("%s: %s", name, strings.ReplaceAll(strings.TrimPrefix(err.Error(), "yaml: "), "\n", "; "))
	}
	if len(raw) == 0 {
		return nil, fmt.Errorf("%s: the search space is empty (want e.g. compile.learning_rate: {loguniform: [1e-5, 1e-1]})", name)
	}
	var s Space
	for p, m := range raw {
		if err := checkPath(p); err != nil {
			return nil, fmt.Errorf("%s: %s: %v", name, p, err)
		}
		d, err := parseDist(p, m)
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %v", name, p, err)
		}
		s = append(s, d)
	}
	sort.Slice(s, func(i, j int) bool { return s[i].Path < s[j].Path })
	for _, d := range s {
		for _, v := range d.ends() {
			if err := s.checkValue(base, d.Path, v); err != nil {
				return nil, fmt.Errorf("%s: %s: %s", name, d.Path, withoutPath(err.Error(), d.Path))
			}
		}
	}
	return s, nil
}

// checkValue applies path=v to base alone and, if train's validation
// refuses it, together with each value of each other choice (momentum
// needs optimizer sgd): v is fine if one of them passes.
func (s Space) checkValue(base *spec.Spec, path string, v any) error {
	_, first := Apply(base, map[string]any{path: v})
	if first == nil {
		return nil
	}
	for _, c := range s {
		if c.Kind != "choice" || c.Path == path {
			continue
		}
		for _, cv := range c.Choices {
			if _, err := Apply(base, map[string]any{path: v, c.Path: cv}); err == nil {
				return nil
			}
		}
	}
	return first
}

// maxDraws bounds the draws for one trial.
const maxDraws = 1000

// SampleValid draws parameters that base with them passes validation
// with. A draw train refuses is first tried without each one parameter
// in turn, in path order (momentum drawn for adam: the trial leaves
// momentum out, as a conditional parameter), and only then drawn again.
func (s Space) SampleValid(r *rand.Rand, base *spec.Spec) (map[string]any, error) {
	for range maxDraws {
		if p, ok := s.valid(base, s.Sample(r)); ok {
			return p, nil
		}
	}
	_, err := Apply(base, s.Sample(r))
	return nil, fmt.Errorf("no valid spec in %d draws from the search space (last: %v)", maxDraws, err)
}

func parseDist(p string, m map[string]any) (Dist, error) {
	d := Dist{Path: p}
	if len(m) != 1 {
		return d, fmt.Errorf("want one of uniform, loguniform, int, choice, got %d keys", len(m))
	}
	for k, v := range m {
		d.Kind = k
		list, ok := v.([]any)
		if !ok || len(list) == 0 {
			return d, fmt.Errorf("%s: want a list, got %v", k, v)
		}
		if k == "choice" {
			d.Choices = list
			return d, nil
		}
		if k != "uniform" && k != "loguniform" && k != "int" {
			return d, fmt.Errorf("unknown distribution %q: want uniform, loguniform, int or choice", k)
		}
		if len(list) != 2 {
			return d, fmt.Errorf("%s: want [low, high], got %d values", k, len(list))
		}
		var err error
		if d.Low, err = number(list[0]); err == nil {
			d.High, err = number(list[1])
		}
		if err != nil {
			return d, fmt.Errorf("%s: %v", k, err)
		}
		return d, d.checkRange()
	}
	return d, nil
}

func (d Dist) checkRange() error {
	switch {
	case !(d.Low < d.High):
		return fmt.Errorf("%s: want low < high, got [%g, %g]", d.Kind, d.Low, d.High)
	case d.Kind == "loguniform" && d.Low <= 0:
		return fmt.Errorf("loguniform: want 0 < low, got %g", d.Low)
	case d.Kind == "int" && (d.Low != math.Trunc(d.Low) || d.High != math.Trunc(d.High)):
		return fmt.Errorf("int: want whole numbers, got [%g, %g]", d.Low, d.High)
	}
	return nil
}

func number(v any) (float64, error) {
	switch x := v.(type) {
	case int:
		return float64(x), nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return 0, fmt.Errorf("want a finite number, got %v", x)
		}
		return x, nil
	}
	return 0, fmt.Errorf("want a number, got %v", v)
}

// ends are the values to check before anything runs.
func (d Dist) ends() []any {
	switch d.Kind {
	case "choice":
		return d.Choices
	case "int":
		return []any{int(d.Low), int(d.High)}
	}
	return []any{d.Low, d.High}
}

// Sample draws one value.
func (d Dist) Sample(r *rand.Rand) any {
	switch d.Kind {
	case "uniform":
		return d.Low + r.Float64()*(d.High-d.Low)
	case "loguniform":
		return math.Exp(math.Log(d.Low) + r.Float64()*(math.Log(d.High)-math.Log(d.Low)))
	case "int":
		return int(d.Low) + r.IntN(int(d.High-d.Low)+1)
	}
	return d.Choices[r.IntN(len(d.Choices))]
}

// Sample draws a value for every parameter, in path order.
func (s Space) Sample(r *rand.Rand) map[string]any {
	p := make(map[string]any, len(s))
	for _, d := range s {
		p[d.Path] = d.Sample(r)
	}
	return p
}

// Apply returns base with params set at their dotted paths, parsed and
// validated as train parses a spec file: an unknown path or a value the
// field refuses is an error.
func Apply(base *spec.Spec, params map[string]any) (*spec.Spec, error) {
	b, err := base.Marshal()
	if err != nil {
		return nil, err
	}
	var tree map[string]any
	if err := yaml.Unmarshal(b, &tree); err != nil {
		return nil, err
	}
	for p, v := range params {
		if err := set(tree, strings.Split(p, "."), v); err != nil {
			return nil, err
		}
	}
	out, err := yaml.Marshal(tree)
	if err != nil {
		return nil, err
	}
	s, err := spec.Parse("spec", bytes.NewReader(out))
	if err != nil {
		// "spec: line N: a.b: msg" -> "a.b: msg": the line is of a generated file.
		msg := strings.TrimPrefix(err.Error(), "spec: ")
		if i := strings.Index(msg, ": "); strings.HasPrefix(msg, "line ") && i > 0 {
			msg = msg[i+2:]
		}
		return nil, fmt.Errorf("%s", msg)
	}
	return s, nil
}

func set(tree map[string]any, keys []string, v any) error {
	for i, k := range keys[:len(keys)-1] {
		k, idx := splitIndex(k)
		if idx >= 0 {
			el, err := element(tree[k], idx, strings.Join(append(keys[:i:i], k), "."))
			if err != nil {
				return err
			}
			tree = el
			continue
		}
		next, ok := tree[k].(map[string]any)
		if !ok {
			if tree[k] != nil {
				return fmt.Errorf("%s is not a mapping", strings.Join(keys[:i+1], "."))
			}
			next = map[string]any{}
			tree[k] = next
		}
		tree = next
	}
	last := keys[len(keys)-1]
	if _, idx := splitIndex(last); idx >= 0 {
		return fmt.Errorf("%s: a search path ends in a field (e.g. model.layers[0].units), not a list element", strings.Join(keys, "."))
	}
	tree[last] = v
	return nil
}
