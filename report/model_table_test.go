package report

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/cnnscope/cnnscope/nn"
	"github.com/cnnscope/cnnscope/tensor"
)

// residualNet is a 2-block residual net: conv, then two blocks of
// conv-relu-conv added to the block's input, pooling and a softmax.
func residualNet(t *testing.T) *nn.Graph {
	t.Helper()
	g := nn.NewGraph(tensor.Shape{8, 8, 1})
	conv := func(in nn.Ref) nn.Ref {
		return g.Call(&nn.Conv2D{Filters: 4, KernelSize: [2]int{3, 3}, Padding: "same"}, in)
	}
	x := conv(g.In())
	for range 2 {
		y := conv(g.Call(&nn.Activation{Function: "relu"}, conv(x)))
		x = g.Call(&nn.Add{}, x, y)
	}
	x = g.Call(&nn.GlobalAveragePooling2D{}, x)
	g.Call(&nn.Dense{Units: 3, Activation: "softmax"}, x)
	if err := g.Build(1); err != nil {
		t.Fatal(err)
	}
	return g
}

var (
	rowRE  = regexp.MustCompile(`<tr id="layer-([^"]+)"><td>([^<]*)</td>.*?</td><td>((?:<a href="#layer-[^"]+">[^<]*</a>(?:, )?)+|-)</td></tr>`)
	linkRE = regexp.MustCompile(`<a href="#layer-([^"]+)">`)
)

// A graph's model table starts with the input layer, as Keras' functional
// summary does, and every connection links to a row above its own; the
// table spans the page.
func TestModelTableOfGraph(t *testing.T) {
	dir := writeRun(t, map[string]string{"history.csv": historyCSV, "spec.yaml": "seed: 1\ndata:\n  source: /nonexistent/images\n"})
	var b bytes.Buffer
	if err := Render(t.Context(), &b, dir, Inputs{Model: residualNet(t)}); err != nil {
		t.Fatal(err)
	}
	h := b.String()
	rows := rowRE.FindAllStringSubmatch(h, -1)
	if len(rows) != 12 {
		t.Fatalf("%d model rows with connections, want the input and 11 layers:\n%s", len(rows), h[strings.Index(h, `id="model-table"`):])
	}
	if rows[0][1] != nn.DefaultInputName || rows[0][2] != "input_layer (InputLayer)" || rows[0][3] != "-" {
		t.Errorf("first row %q, want the input layer connected to nothing", rows[0][0])
	}
	seen := map[string]bool{}
	want := map[string][]string{"conv2d": {"input_layer"}, "add": {"conv2d", "conv2d_2"}, "add_1": {"add", "conv2d_4"}, "dense": {"global_average_pooling2d"}}
	for _, r := range rows {
		var in []string
		for _, l := range linkRE.FindAllStringSubmatch(r[3], -1) {
			if !seen[l[1]] {
				t.Errorf("row %s links to %s, not a row above it", r[1], l[1])
			}
			in = append(in, l[1])
		}
		if w, ok := want[r[1]]; ok && strings.Join(in, ",") != strings.Join(w, ",") {
			t.Errorf("%s connected to %v, want %v", r[1], in, w)
		}
		seen[r[1]] = true
	}
	if !strings.Contains(h, `<div class="wide">`+"\n<h3>Model</h3>") {
		t.Error("the graph's model table does not span the page")
	}
	checkSelfContained(t, "graph", h)
}

// A chain keeps Keras' sequential table: no input row, no connections.
func TestModelTableOfChain(t *testing.T) {
	m := nn.BasicCNN(tensor.Shape{28, 28, 1}, 10)
	if err := m.Build(1); err != nil {
		t.Fatal(err)
	}
	var p page
	p.model(m)
	if len(p.Layers) != len(m.Layers) || p.Graph || p.Layers[0].Type == "InputLayer" {
		t.Errorf("chain shown as a graph: %+v", p.Layers[0])
	}
}
