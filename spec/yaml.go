package spec

import (
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/cnnscope/cnnscope/internal/suggest"
)

// checkYAML walks a spec's YAML tree alongside the type it decodes into
// and returns the first problem as "line N: field.path: what is wrong":
// an unknown key (with the closest known one), a number with a fraction
// or a sign where an integer or a count is wanted (the YAML decoder
// would silently truncate 1.5 to 1), a value of the wrong kind, or a
// value a field's own decoder refuses (zoom_range: abc).
func checkYAML(n *yaml.Node, t reflect.Type, path string) error {
	for n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if n.ShortTag() == "!!null" {
		return nil
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if custom(t) {
		if err := n.Decode(reflect.New(t).Interface()); err != nil {
			msg := strings.TrimPrefix(strings.TrimPrefix(err.Error(), "yaml: "), "range: ")
			if n.Kind == yaml.ScalarNode && !strings.Contains(msg, "got") {
				msg += fmt.Sprintf(", got %q", n.Value)
			}
			return nodeError(n, path, msg)
		}
		return nil
	}
	switch t.Kind() {
	case reflect.Struct:
		return checkMapping(n, t, path)
	case reflect.Slice, reflect.Array:
		if n.Kind != yaml.SequenceNode {
			return nodeError(n, path, "want a list")
		}
		if path == "model.layers" && len(n.Content) == 0 {
			return nodeError(n, path, "an empty list; give at least one layer (or leave layers out for the basic-cnn preset)")
		}
		for i, c := range n.Content {
			if err := checkYAML(c, t.Elem(), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
		return nil
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			return nodeError(n, path, "want a mapping")
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			if err := checkYAML(n.Content[i+1], t.Elem(), join(path, n.Content[i].Value)); err != nil {
				return err
			}
		}
		return nil
	}
	return checkScalar(n, t, path)
}

// custom reports whether t decodes itself (ClassWeight, nn.Pair, data.Range).
func custom(t reflect.Type) bool {
	p := reflect.PointerTo(t)
	obsolete := reflect.TypeFor[yaml.Unmarshaler]()
	legacy := reflect.TypeFor[interface {
		UnmarshalYAML(func(any) error) error
	}]()
	return p.Implements(obsolete) || p.Implements(legacy)
}

func checkMapping(n *yaml.Node, t reflect.Type, path string) error {
	if n.Kind != yaml.MappingNode {
		return nodeError(n, path, "want a mapping of keys to values")
	}
	fields := map[string]reflect.Type{}
	var names []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name := strings.Split(f.Tag.Get("yaml"), ",")[0]
		if name == "" || name == "-" || !f.IsExported() {
			continue
		}
		fields[name] = f.Type
		names = append(names, name)
	}
	sort.Strings(names)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		ft, ok := fields[k.Value]
		if !ok {
			hint := ""
			if s := suggest.Closest(k.Value, names); s != "" {
				hint = fmt.Sprintf("did you mean %q? ", s)
			}
			return nodeError(k, join(path, k.Value), fmt.Sprintf("unknown key (%sknown here: %s)", hint, strings.Join(names, ", ")))
		}
		if err := checkYAML(n.Content[i+1], ft, join(path, k.Value)); err != nil {
			return err
		}
	}
	return nil
}

func checkScalar(n *yaml.Node, t reflect.Type, path string) error {
	if n.Kind != yaml.ScalarNode {
		return nodeError(n, path, "want a single value, not a list or mapping")
	}
	tag := n.ShortTag()
	if zeroMeansDefault[path] || zeroMeansDefault[layerIndex.ReplaceAllString(path, "model.layers[].")] {
		if v, err := strconv.ParseFloat(n.Value, 64); err == nil && v == 0 {
			return nodeError(n, path, "0, want a positive value (leave the key out for the default)")
		}
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if _, err := strconv.ParseInt(strings.ReplaceAll(n.Value, "_", ""), 0, t.Bits()); tag != "!!int" || err != nil {
			return nodeError(n, path, fmt.Sprintf("want an integer, got %q", n.Value))
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if _, err := strconv.ParseUint(strings.ReplaceAll(n.Value, "_", ""), 0, t.Bits()); tag != "!!int" || err != nil {
			return nodeError(n, path, fmt.Sprintf("want a whole number >= 0, got %q", n.Value))
		}
	case reflect.Float32, reflect.Float64:
		if tag != "!!int" && tag != "!!float" {
			return nodeError(n, path, fmt.Sprintf("want a number, got %q", n.Value))
		}
	case reflect.Bool:
		if tag != "!!bool" {
			return nodeError(n, path, fmt.Sprintf("want true or false, got %q", n.Value))
		}
	}
	return nil
}

// zeroMeansDefault are the fields whose zero value stands for the
// default: written out as 0 they are a mistake, not a request for the
// default (epochs: 0 would otherwise train 5 epochs).
var zeroMeansDefault = map[string]bool{
	"fit.epochs": true, "fit.batch_size": true, "fit.metrics_every": true, "compile.learning_rate": true,
	"fit.reduce_lr_on_plateau.factor": true,
	// A layer's: BatchNormalization's momentum 0 would be 0.99, not Keras'
	// "moving statistics = the last batch".
	"model.layers[].depth_multiplier": true, "model.layers[].momentum": true, "model.layers[].epsilon": true,
}

// layerIndex matches a layer's path prefix, model.layers[3].
var layerIndex = regexp.MustCompile(`^model\.layers\[\d+\]\.`)

func nodeError(n *yaml.Node, path, msg string) error {
	return fmt.Errorf("line %d: %s: %s", n.Line, path, msg)
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}
