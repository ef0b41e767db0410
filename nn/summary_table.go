package nn

import (
	"strings"
	"unicode/utf8"
)

// table renders Keras 3's summary table as the rich library draws it
// without a terminal (80 columns): fixed column widths (padding included),
// a heavy header, a light rule between rows, and cells wrapped at spaces
// (a word longer than its column is cut with "…"), so long names stay
// inside their column.
type table struct {
	widths []int  // per column, including one space of padding each side
	right  []bool // right-aligned columns
}

func (t table) rule(l, mid, r, fill string) string {
	parts := make([]string, len(t.widths))
	for i, w := range t.widths {
		parts[i] = strings.Repeat(fill, w)
	}
	return l + strings.Join(parts, mid) + r
}

// row renders one table row, as many lines as its tallest cell needs.
func (t table) row(sep string, cells []string) []string {
	wrapped := make([][]string, len(cells))
	height := 1
	for i, c := range cells {
		wrapped[i] = wrapCell(c, t.widths[i]-2)
		height = max(height, len(wrapped[i]))
	}
	lines := make([]string, height)
	for k := range lines {
		var b strings.Builder
		b.WriteString(sep)
		for i := range cells {
			text := ""
			if k < len(wrapped[i]) {
				text = wrapped[i][k]
			}
			pad := strings.Repeat(" ", max(t.widths[i]-2-utf8.RuneCountInString(text), 0))
			if t.right[i] {
				b.WriteString(" " + pad + text + " ")
			} else {
				b.WriteString(" " + text + pad + " ")
			}
			b.WriteString(sep)
		}
		lines[k] = b.String()
	}
	return lines
}

// wrapCell splits s into lines of at most width runes as rich does for
// a column with its default overflow, "ellipsis": words (with their
// trailing spaces) go on the current line while their text fits, else on a
// new one; a word longer than a line gets a line of its own, cut to
// width-1 runes and "…" (so "batch_normalization[0][0]" shows as
// "batch_normalizat…" in a 17-rune column, as Keras' summaries do).
func wrapCell(s string, width int) []string {
	var lines [][]rune
	var cur []rune
	for _, word := range splitWords(s) {
		text := []rune(strings.TrimRight(word, " "))
		if len(cur) > 0 && len(cur)+len(text) > width {
			lines, cur = append(lines, cur), nil
		}
		cur = append(cur, []rune(word)...)
	}
	lines = append(lines, cur)
	out := make([]string, len(lines))
	for i, l := range lines {
		l = []rune(strings.TrimRight(string(l), " "))
		if len(l) > width {
			l = append(l[:width-1], '…')
		}
		out[i] = string(l)
	}
	return out
}

// splitWords cuts s into words, each with the spaces that follow it.
func splitWords(s string) []string {
	var words []string
	start := 0
	for i := 1; i < len(s); i++ {
		if s[i] != ' ' && s[i-1] == ' ' {
			words = append(words, s[start:i])
			start = i
		}
	}
	return append(words, s[start:])
}
