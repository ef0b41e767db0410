package diagnose

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

var layerInsert = regexp.MustCompile(`^model\.layers\[(\d+)\]$`)

// wireInserted connects a layer that e inserted into the layers of a
// functional model (one whose layers name their inputs), as inserting it
// into a chain would: the new layer is called on the layer before it, and
// the later layers that were called on that layer now take the new one's
// output. Without this the new layer would hang off the graph unused.
// Sequential layer lists are left as they are.
func wireInserted(doc map[string]any, e SpecEdit) error {
	m := layerInsert.FindStringSubmatch(e.Path)
	if !e.Insert || m == nil {
		return nil
	}
	model, _ := doc["model"].(map[string]any)
	list, _ := model["layers"].([]any)
	k, _ := strconv.Atoi(m[1])
	if k == 0 || k >= len(list) || !slices.ContainsFunc(list, namesInputs) {
		return nil
	}
	prev, _ := list[k-1].(map[string]any)
	from, _ := prev["name"].(string)
	if from == "" {
		return fmt.Errorf("the layer before position %d has no name to call the new layer on", k)
	}
	added, ok := list[k].(map[string]any)
	if !ok {
		return fmt.Errorf("the inserted value is not a layer")
	}
	added = maps.Clone(added) // the action's own value stays as it was
	list[k] = added
	if added["inputs"] == nil {
		added["inputs"] = []any{from}
	}
	name, _ := added["name"].(string)
	if name == "" {
		typ, _ := added["type"].(string)
		name = freeName(list, from+"_"+strings.ToLower(typ))
		added["name"] = name
	}
	for _, l := range list[k+1:] {
		if layer, ok := l.(map[string]any); ok {
			if ins, ok := layer["inputs"].([]any); ok {
				for i, in := range ins {
					if in == from {
						ins[i] = name
					}
				}
			}
		}
	}
	return nil
}

// namesInputs reports whether a layer of a YAML layer list names its inputs.
func namesInputs(l any) bool {
	layer, ok := l.(map[string]any)
	return ok && layer["inputs"] != nil
}

// freeName is base, or base_1, base_2, ... whichever no layer is named.
func freeName(list []any, base string) string {
	taken := map[string]bool{}
	for _, l := range list {
		if layer, ok := l.(map[string]any); ok {
			if n, ok := layer["name"].(string); ok {
				taken[n] = true
			}
		}
	}
	name := base
	for i := 1; taken[name]; i++ {
		name = fmt.Sprintf("%s_%d", base, i)
	}
	return name
}
