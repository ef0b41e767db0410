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

// distance is the Levenshtein distance between a and b (bytes).
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
