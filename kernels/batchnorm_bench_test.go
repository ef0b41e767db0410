package kernels

import (
	"fmt"
	"testing"
)

// BenchmarkNorm runs each implementation of the batch-normalization
// kernels (the "go" one is the loop nn ran before) on resnet-20's first
// stage at batch 32 (32x32 pixels of 16 channels) and on a 64-channel
// map, reporting the float32 bytes read and written per second (the
// pairs of Backward passes: x and dy's bytes).
func BenchmarkNorm(b *testing.B) {
	for _, c := range []int{16, 64} {
		n := 32 * 32 * 32 * 16
		x, dy, y := benchData(n), benchData(n), make([]float32, n)
		per := func() []float64 {
			v := make([]float64, c)
			for i := range v {
				v[i] = 0.5 + float64(i)/float64(c)
			}
			return v
		}
		a, s, q, k := per(), per(), per(), per()
		for _, impl := range supportedNorm() {
			name := fmt.Sprintf("c%d/%s", c, impl.name)
			b.Run("stats/"+name, func(b *testing.B) {
				b.SetBytes(int64(4 * n))
				for b.Loop() {
					impl.sums(s, q, a, nil, x, nil, false)
				}
			})
			b.Run("gradsums/"+name, func(b *testing.B) {
				b.SetBytes(int64(8 * n))
				for b.Loop() {
					impl.sums(s, q, a, k, x, dy, true)
				}
			})
			b.Run("apply/"+name, func(b *testing.B) {
				b.SetBytes(int64(8 * n))
				for b.Loop() {
					impl.apply(y, x, a, k)
				}
			})
			b.Run("applyRelu6/"+name, func(b *testing.B) {
				b.SetBytes(int64(8 * n))
				for b.Loop() {
					impl.applyRelu6(y, x, a, k)
				}
			})
			b.Run("apply+relu6/"+name, func(b *testing.B) { // the two passes it replaces
				b.SetBytes(int64(8 * n))
				for b.Loop() {
					impl.apply(y, x, a, k)
					ew.relu6(y, y)
				}
			})
			b.Run("gradsumsRelu6/"+name, func(b *testing.B) {
				b.SetBytes(int64(12 * n))
				for b.Loop() {
					impl.sumsRelu6(s, q, a, k, x, y, dy)
				}
			})
			b.Run("relu6grad+gradsums/"+name, func(b *testing.B) { // the two passes it replaces
				b.SetBytes(int64(12 * n))
				for b.Loop() {
					ew.relu6Grad(y, dy)
					impl.sums(s, q, a, k, x, y, true)
				}
			})
			keep, d2 := make([]byte, n/8), make([]float32, n)
			b.Run("applyRelu6Keep/"+name, func(b *testing.B) { // applyRelu6 and the bits
				b.SetBytes(int64(8 * n))
				for b.Loop() {
					impl.applyRelu6Keep(y, x, a, k, keep)
				}
			})
			b.Run("sumsKeep/"+name, func(b *testing.B) { // float32 groups; gradsums: the float64 kernel
				b.SetBytes(int64(8 * n))
				for b.Loop() {
					impl.sumsKeep(s, q, a, k, x, dy, keep)
				}
			})
			b.Run("sumsRelu6+grad/"+name, func(b *testing.B) { // Backward's passes reading y
				b.SetBytes(int64(8 * n))
				for b.Loop() {
					copy(d2, dy)
					impl.sumsRelu6(s, q, a, k, x, d2, y)
					impl.grad(d2, x, a, k, s, q, a, true)
				}
			})
			b.Run("sumsKeep+gradKeep/"+name, func(b *testing.B) { // the same reading the bits
				b.SetBytes(int64(8 * n))
				for b.Loop() {
					copy(d2, dy)
					impl.sumsKeep(s, q, a, k, x, d2, keep)
					impl.gradKeep(d2, x, a, k, s, q, a, keep)
				}
			})
			b.Run("grad/"+name, func(b *testing.B) {
				b.SetBytes(int64(12 * n))
				for b.Loop() {
					copy(y, dy)
					impl.grad(y, x, a, k, s, q, a, true)
				}
			})
		}
	}
}
