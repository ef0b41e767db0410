// Package suggest finds the known word closest to a misspelt one, for
// "did you mean" hints on unknown flags, commands and spec keys.
package suggest

import "strings"

// Closest returns the word of known nearest to w by edit distance
// (case-insensitive, '-' and '_' counted alike), or "" when none is
// close enough to be a plausible typo.
func Closest(w string, known []string) string {
	norm := func(s string) string { return strings.ReplaceAll(strings.ToLower(s), "_", "-") }
	best, bestD := "", -1
	for _, k := range known {
		d := distance(norm(w), norm(k))
		if bestD < 0 || d < bestD {
			best, bestD = k, d
		}
	}
	limit := max(1, min(3, len(w)/3))
	if bestD < 0 || bestD > limit {
		return ""
	}
	return best
}

// distance is the edit distance between a and b (bytes) counting
// insertions, deletions, substitutions and swaps of two neighbours.
func distance(a, b string) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}
