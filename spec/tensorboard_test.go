package spec

import (
	"strings"
	"testing"
)

// TestTensorBoardDefaults: update_freq defaults to metrics_every and
// histogram_freq to 1; written values stay (histogram_freq 0 too), and
// the resolved spec reads back the same.
func TestTensorBoardDefaults(t *testing.T) {
	for _, c := range []struct {
		src         string
		freq        string
		steps, hist int
	}{
		{"fit:\n  tensorboard: {log_dir: tb}\n", "50", 50, 1},
		{"fit:\n  metrics_every: 10\n  tensorboard: {log_dir: tb}\n", "10", 10, 1},
		{"fit:\n  tensorboard: {log_dir: tb, update_freq: epoch, histogram_freq: 0}\n", "epoch", 0, 0},
		{"fit:\n  tensorboard: {log_dir: tb, update_freq: batch, histogram_freq: 3}\n", "batch", 1, 3},
		{"fit:\n  tensorboard: {log_dir: tb, update_freq: 200}\n", "200", 200, 1},
	} {
		s, err := Parse("s.yaml", strings.NewReader(c.src))
		if err != nil {
			t.Fatalf("%q: %v", c.src, err)
		}
		s.Defaults()
		b, err := s.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		back, err := Parse("resolved", strings.NewReader(string(b)))
		if err != nil {
			t.Fatalf("%q: the resolved spec does not parse: %v\n%s", c.src, err, b)
		}
		for _, tb := range []*TensorBoard{s.Fit.TensorBoard, back.Fit.TensorBoard} {
			if tb.LogDir != "tb" || tb.UpdateFreq != c.freq || tb.UpdateSteps() != c.steps || *tb.HistogramFreq != c.hist {
				t.Errorf("%q: %+v (histogram_freq %d), want update_freq %s (%d steps), histogram_freq %d",
					c.src, tb, *tb.HistogramFreq, c.freq, c.steps, c.hist)
			}
		}
	}
}

func TestTensorBoardErrors(t *testing.T) {
	for _, c := range []struct{ src, want string }{
		{"fit:\n  tensorboard: {}\n", "fit.tensorboard.log_dir: empty"},
		{"fit:\n  tensorboard: tb\n", "line 2: fit.tensorboard: want a mapping"},
		{"fit:\n  tensorboard: {logdir: tb}\n", `did you mean "log_dir"?`},
		{"fit:\n  tensorboard: {log_dir: tb, update_freq: 0}\n", `fit.tensorboard.update_freq: "0", want epoch, batch or a number`},
		{"fit:\n  tensorboard: {log_dir: tb, update_freq: sometimes}\n", "fit.tensorboard.update_freq"},
		{"fit:\n  tensorboard: {log_dir: tb, update_freq: 1.5}\n", "fit.tensorboard.update_freq"},
		{"fit:\n  tensorboard: {log_dir: tb, histogram_freq: -1}\n", "fit.tensorboard.histogram_freq: -1"},
		{"fit:\n  tensorboard: {log_dir: tb, histogram_freq: 0.5}\n", "line 2: fit.tensorboard.histogram_freq: want an integer"},
	} {
		_, err := Parse("s.yaml", strings.NewReader(c.src))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want it to mention %q", c.src, err, c.want)
		}
	}
}
