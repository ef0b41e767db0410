package data

import "math/rand/v2"

// Every random choice in this package comes from a PCG source whose two
// seeds are hashes of the run's seed and of what the choice is for (a
// purpose constant, the epoch, a position), so results never depend on
// the order goroutines run in.
const (
	streamSplit uint64 = iota + 1
	streamShuffle
	streamResample
	streamAugment
	streamLimit
)

// mix64 is SplitMix64's finalizer: a bijective hash of a uint64.
func mix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// seeds derives a PCG seed pair from the run's seed and a path of keys.
func seeds(seed uint64, keys ...uint64) (uint64, uint64) {
	a, b := mix64(seed), mix64(^seed)
	for _, k := range keys {
		a = mix64(a ^ k)
		b = mix64(b + k)
	}
	return a, b
}

// newRand returns a generator for the given seed and keys.
func newRand(seed uint64, keys ...uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seeds(seed, keys...)))
}
