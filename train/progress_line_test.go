package train

import (
	"testing"
	"time"
)

// The plain epoch line shows an epoch under a second in milliseconds (a
// stranger's 11-step epochs read "0s (2.807ms/step)") and says "1 step".
func TestEpochLineShortEpochs(t *testing.T) {
	logs := Logs{"loss": 0.5}
	for _, c := range []struct {
		steps int
		el    time.Duration
		want  string
	}{
		{11, 30877 * time.Microsecond, "Epoch 5/5 - 11 steps - 31ms (2.807ms/step) - loss: 0.5000"},
		{1, 163385 * time.Microsecond, "Epoch 5/5 - 1 step - 163ms (163.385ms/step) - loss: 0.5000"},
		{1688, 12003 * time.Millisecond, "Epoch 5/5 - 1688 steps - 12s (7.111ms/step) - loss: 0.5000"},
		{100, 1549 * time.Millisecond, "Epoch 5/5 - 100 steps - 1.5s (15.49ms/step) - loss: 0.5000"},
	} {
		if got := epochLine(4, 5, c.steps, c.el, logs); got != c.want {
			t.Errorf("got  %q\nwant %q", got, c.want)
		}
	}
}
