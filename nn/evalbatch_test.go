package nn

import "testing"

// Evaluation runs 256 images at a time up to 64x64x3, fewer of larger
// ones, never fewer than the training batch.
func TestEvalBatchSize(t *testing.T) {
	for _, c := range []struct{ train, sample, want int }{
		{32, 28 * 28, 256}, {32, 64 * 64 * 3, 256}, {512, 28 * 28, 512},
		{16, 128 * 128 * 3, 64}, {32, 224 * 224 * 3, 32}, {8, 224 * 224 * 3, 20},
	} {
		if got := EvalBatch(c.train, c.sample); got != c.want {
			t.Errorf("EvalBatch(%d, %d) = %d, want %d", c.train, c.sample, got, c.want)
		}
	}
}
