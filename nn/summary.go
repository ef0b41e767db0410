package nn

import (
	"fmt"
	"io"
	"strings"
)

// Summary writes the table Keras 3's model.summary() prints: one row per
// layer with "name (Type)", the output shape with the batch as None and
// the parameter count, then the total, trainable and non-trainable counts
// with their size in memory.
func (m *Sequential) Summary(w io.Writer) error {
	m.mustBeBuilt()
	t := table{widths: []int{33, 24, 15}, right: []bool{false, false, true}} // Keras 3's columns for a sequential model
	var rows [][]string
	for i, l := range m.Layers {
		rows = append(rows, []string{l.Name() + " (" + l.Type() + ")", FormatShape(m.outputs[i]), FormatCount(layerParams(l))})
	}
	return writeSummary(w, m.Name(), t, []string{"Layer (type)", "Output Shape", "Param #"}, rows, m.Params())
}

// Summary writes the table Keras 3 prints for a functional model: the
// input layer first, then one row per layer call with its output shape,
// parameter count and the tensors it is connected to (name[0][0]), then
// the parameter counts. A graph without merges is a chain, which Keras
// prints as it prints a Sequential (no "Connected to"), input layer first.
func (g *Graph) Summary(w io.Writer) error {
	g.mustBeBuilt()
	if g.chain() {
		t := table{widths: []int{33, 24, 15}, right: []bool{false, false, true}}
		rows := [][]string{{g.inputName() + " (InputLayer)", FormatShape(g.Input), "0"}}
		for i, n := range g.nodes {
			rows = append(rows, []string{n.layer.Name() + " (" + n.layer.Type() + ")", FormatShape(g.shapes[i]), FormatCount(layerParams(n.layer))})
		}
		return writeSummary(w, g.Name(), t, []string{"Layer (type)", "Output Shape", "Param #"}, rows, g.Params())
	}
	t := table{widths: []int{21, 19, 12, 19}, right: []bool{false, false, true, false}} // Keras 3's functional columns
	rows := [][]string{{g.inputName() + " (InputLayer)", FormatShape(g.Input), "0", "-"}}
	for i, n := range g.nodes {
		var conn []string
		for _, r := range n.inputs {
			conn = append(conn, g.refName(r)+"[0][0]")
		}
		rows = append(rows, []string{n.layer.Name() + " (" + n.layer.Type() + ")", FormatShape(g.shapes[i]),
			FormatCount(layerParams(n.layer)), strings.Join(conn, ", ")})
	}
	return writeSummary(w, g.Name(), t, []string{"Layer (type)", "Output Shape", "Param #", "Connected to"}, rows, g.Params())
}

func layerParams(l Layer) int {
	n := 0
	for _, p := range l.Params() {
		n += p.Value.Len()
	}
	return n
}

func writeSummary(w io.Writer, name string, t table, header []string, rows [][]string, params []LayerParam) error {
	out := []string{fmt.Sprintf("Model: %q", name), t.rule("┏", "┳", "┓", "━")}
	out = append(out, t.row("┃", header)...)
	out = append(out, t.rule("┡", "╇", "┩", "━"))
	for i, r := range rows {
		if i > 0 {
			out = append(out, t.rule("├", "┼", "┤", "─"))
		}
		out = append(out, t.row("│", r)...)
	}
	out = append(out, t.rule("└", "┴", "┘", "─"))
	tr, non := countParams(params)
	out = append(out,
		fmt.Sprintf(" Total params: %s (%s)", FormatCount(tr+non), memorySize(4*(tr+non))),
		fmt.Sprintf(" Trainable params: %s (%s)", FormatCount(tr), memorySize(4*tr)),
		fmt.Sprintf(" Non-trainable params: %s (%s)", FormatCount(non), memorySize(4*non)))
	_, err := io.WriteString(w, strings.Join(out, "\n")+"\n")
	return err
}

// FormatCount formats n with comma separators, as Keras' summary does:
// 93322 -> "93,322".
func FormatCount(n int) string {
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// memorySize formats a byte count as Keras does: 373288 -> "364.54 KB".
func memorySize(bytes int) string {
	units := []string{"B", "KB", "MB", "GB", "TB"}
	v := float64(bytes)
	u := 0
	for v >= 1024 && u < len(units)-1 {
		v /= 1024
		u++
	}
	return fmt.Sprintf("%.2f %s", v, units[u])
}

// chain reports whether no layer of g merges tensors (Keras' sequential_like).
func (g *Graph) chain() bool {
	for _, n := range g.nodes {
		if len(n.inputs) > 1 {
			return false
		}
	}
	return true
}
