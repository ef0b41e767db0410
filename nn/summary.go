package nn

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Summary writes the table Keras 3's model.summary() prints: one row per
// layer with "name (Type)", the output shape with the batch as None and
// the parameter count, then the total, trainable and non-trainable counts
// with their size in memory.
func (m *Sequential) Summary(w io.Writer) error {
	m.mustBeBuilt()
	widths := [3]int{33, 24, 15} // Keras 3's columns for a sequential model
	line := func(l, mid, r, fill string) string {
		parts := make([]string, 3)
		for i, wd := range widths {
			parts[i] = strings.Repeat(fill, wd)
		}
		return l + strings.Join(parts, mid) + r
	}
	row := func(sep string, cells [3]string) string {
		var b strings.Builder
		b.WriteString(sep)
		for i, c := range cells {
			pad := widths[i] - 2 - utf8.RuneCountInString(c)
			if pad < 0 {
				pad = 0
			}
			if i == 2 { // numbers are right-aligned
				b.WriteString(" " + strings.Repeat(" ", pad) + c + " ")
			} else {
				b.WriteString(" " + c + strings.Repeat(" ", pad) + " ")
			}
			b.WriteString(sep)
		}
		return b.String()
	}
	var out []string
	out = append(out, fmt.Sprintf("Model: %q", m.Name()))
	out = append(out, line("┏", "┳", "┓", "━"))
	out = append(out, row("┃", [3]string{"Layer (type)", "Output Shape", "Param #"}))
	out = append(out, line("┡", "╇", "┩", "━"))
	for i, l := range m.Layers {
		n := 0
		for _, p := range l.Params() {
			n += p.Value.Len()
		}
		if i > 0 {
			out = append(out, line("├", "┼", "┤", "─"))
		}
		out = append(out, row("│", [3]string{l.Name() + " (" + l.Type() + ")", FormatShape(m.outputs[i]), FormatCount(n)}))
	}
	out = append(out, line("└", "┴", "┘", "─"))
	tr, non := m.CountParams()
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
