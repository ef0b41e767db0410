package kernels

import (
	"math/rand/v2"
	"testing"
)

// TestPCGKeepBits checks PCGKeepBits (eight streams at a time in AVX-512
// where the CPU has it) and its Go twin (four interleaved) against
// rand.PCG one stream at a time: the same words, for thresholds from keep-all to keep-none, and no
// word written past the streams' words.
func TestPCGKeepBits(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 18))
	for _, n := range []int{1, 7, 8, 9, 16, 21} {
		for _, words := range []int{0, 1, 3, 64} {
			for _, thr := range []uint32{0, 1, 4194304, 12582912, 16777215, 1 << 24} {
				seed := rng.Uint64()
				streams := make([]uint64, n)
				for i := range streams {
					streams[i] = rng.Uint64()
				}
				want := make([]uint64, n*words)
				for l, st := range streams { // rand.PCG itself, a stream at a time
					p := rand.NewPCG(seed, st)
					for w := range words {
						for i := 0; i < 64; i += 2 {
							r := p.Uint64()
							want[l*words+w] |= keepBit(uint32(r)>>8 >= thr)<<i | keepBit(uint32(r>>32)>>8 >= thr)<<(i+1)
						}
					}
				}
				twin := make([]uint64, n*words)
				pcgKeepBitsGo(twin, words, seed, streams, thr)
				got := make([]uint64, n*words+3)
				for i := range got {
					got[i] = 0xdeadbeef
				}
				PCGKeepBits(got[:n*words], words, seed, streams, thr)
				for i, w := range want {
					if got[i] != w || twin[i] != w {
						t.Fatalf("%d streams, %d words, thr %d: word %d = %#x (twin %#x), want %#x", n, words, thr, i, got[i], twin[i], w)
					}
				}
				for i := n * words; i < len(got); i++ {
					if got[i] != 0xdeadbeef {
						t.Fatalf("%d streams, %d words: wrote past the end at %d", n, words, i)
					}
				}
				if words > 0 && (thr == 0 && want[0] != ^uint64(0) || thr == 1<<24 && want[0] != 0) {
					t.Fatalf("thr %d: first word %#x", thr, want[0])
				}
			}
		}
	}
}

// BenchmarkPCGKeepBits times the keep bits of 256 streams of 64 words (a
// Dropout's 1M values in its 4096-value blocks) in AVX-512 against the
// Go loop (rand.PCG):
//
//	go test ./kernels -run '^$' -bench PCGKeepBits -cpu 1
func BenchmarkPCGKeepBits(b *testing.B) {
	streams := make([]uint64, 256)
	for i := range streams {
		streams[i] = uint64(i) * 0x9e3779b97f4a7c15
	}
	mask := make([]uint64, 256*64)
	for _, v := range []struct {
		name string
		fn   func()
	}{
		{"kernel", func() { PCGKeepBits(mask, 64, 7, streams, 4194304) }},
		{"go", func() { pcgKeepBitsGo(mask, 64, 7, streams, 4194304) }},
	} {
		b.Run(v.name, func(b *testing.B) {
			for b.Loop() {
				v.fn()
			}
			b.ReportMetric(float64(len(mask)*32*b.N)/b.Elapsed().Seconds()/1e9, "Gdraws/s")
		})
	}
}
