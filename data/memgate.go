package data

import "sync"

// decodeBudget is the most bytes the folder loader's decoding goroutines
// may hold at once for decoded images, whatever their number: one image at
// the pixel limit fits, many small ones decode side by side.
const decodeBudget = 1 << 30

// decodeBytesPerPixel bounds what decoding one pixel may hold: the
// decoder's image (8 bytes for 16-bit formats), the straight-color copy
// and the turned copy (4 each).
const decodeBytesPerPixel = 16

// memGate lets goroutines hold parts of a byte budget; a request over
// the budget takes all of it.
type memGate struct {
	mu   sync.Mutex
	cond sync.Cond
	free int64
	max  int64
}

func newMemGate(budget int64) *memGate {
	g := &memGate{free: budget, max: budget}
	g.cond.L = &g.mu
	return g
}

// acquire waits until n bytes (at most the budget) are free and takes
// them; it returns what it took, for release.
func (g *memGate) acquire(n int64) int64 {
	n = min(max(n, 0), g.max)
	g.mu.Lock()
	for g.free < n {
		g.cond.Wait()
	}
	g.free -= n
	g.mu.Unlock()
	return n
}

func (g *memGate) release(n int64) {
	g.mu.Lock()
	g.free += n
	g.mu.Unlock()
	g.cond.Broadcast()
}
