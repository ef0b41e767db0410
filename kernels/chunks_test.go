package kernels

import (
	"sync"
	"testing"
)

func TestForEachChunkCoversEveryIndexOnce(t *testing.T) {
	for _, c := range []struct{ n, min int }{{0, 1}, {1, 1}, {7, 1}, {100, 3}, {100, 60}, {1 << 16, 1024}} {
		seen := make([]int, c.n)
		var mu sync.Mutex
		calls := 0
		ForEachChunk(c.n, c.min, func(lo, hi int) {
			mu.Lock()
			calls++
			mu.Unlock()
			for i := lo; i < hi; i++ {
				seen[i]++
			}
		})
		for i, s := range seen {
			if s != 1 {
				t.Fatalf("n=%d min=%d: index %d visited %d times", c.n, c.min, i, s)
			}
		}
		if c.n > 0 && c.n < 2*c.min && calls != 1 {
			t.Errorf("n=%d min=%d: %d chunks for a job too small to split", c.n, c.min, calls)
		}
	}
}
