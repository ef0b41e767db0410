//go:build !race

package kernels

// raceEnabled is true under the race detector: tests use smaller sizes.
const raceEnabled = false
