package tune

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// A search path is dotted keys, each optionally with an index into a
// list of the base spec: model.layers[3].units is the units of the base
// spec's fourth layer (its layers written out, not a preset).
var pathKey = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(\[[0-9]+\])?$`)

// checkPath refuses a path that is not dotted keys with [N] indexes.
func checkPath(p string) error {
	for _, k := range strings.Split(p, ".") {
		if !pathKey.MatchString(k) {
			return fmt.Errorf("want dotted spec keys, with [N] for the Nth element of a list counting from 0 (e.g. compile.learning_rate, model.layers[3].units), got %q", k)
		}
	}
	return nil
}

// splitIndex splits "layers[3]" into "layers" and 3; -1 without an index.
func splitIndex(k string) (string, int) {
	i := strings.IndexByte(k, '[')
	if i < 0 || !strings.HasSuffix(k, "]") {
		return k, -1
	}
	n, err := strconv.Atoi(k[i+1 : len(k)-1])
	if err != nil {
		return k, -1
	}
	return k[:i], n
}

// element is list node's element idx, a mapping; path names the list.
func element(node any, idx int, path string) (map[string]any, error) {
	list, ok := node.([]any)
	if !ok {
		why := "the base spec has no list there"
		if path == "model.layers" {
			why = "the base spec has no model.layers (a preset's layers cannot be tuned: write the layers out in the base spec)"
		}
		return nil, fmt.Errorf("%s", why)
	}
	if idx >= len(list) {
		return nil, fmt.Errorf("the base spec's %s has %d elements (indexes 0 to %d)", path, len(list), len(list)-1)
	}
	el, ok := list[idx].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s[%d] is not a mapping", path, idx)
	}
	return el, nil
}

// withoutPath drops the path, or the part of it up to a key, that the
// spec's message starts with ("model.layers[0]: Conv2D does not take
// units" for model.layers[0].units): the error names the path once.
func withoutPath(msg, path string) string {
	for p := path; p != ""; {
		if rest, ok := strings.CutPrefix(msg, p+": "); ok {
			return rest
		}
		i := strings.LastIndexByte(p, '.')
		if i < 0 {
			break
		}
		p = p[:i]
	}
	return msg
}
