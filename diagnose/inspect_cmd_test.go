package diagnose

import (
	"strings"
	"testing"
)

// The data-inspection fixes name the run's data source, quoted for the
// shell when it needs to be; a placeholder only when the source is
// unknown.
func TestInspectFixNamesTheDataSource(t *testing.T) {
	for _, c := range []struct{ src, want string }{
		{"photos/", "cnnscope data inspect photos/"},
		{"/data/my photos", "cnnscope data inspect '/data/my photos'"},
		{"it's", `cnnscope data inspect 'it'\''s'`},
		{"mnist", "cnnscope data inspect mnist"},
		{"", "cnnscope data inspect <data>"},
	} {
		s := healthySignals(t, 2)
		s.Spec.Data.Source = c.src
		if got := inspectCmd(s); got != c.want {
			t.Errorf("source %q: %q, want %q", c.src, got, c.want)
		}
	}
	if got := inspectCmd(&Signals{}); got != "cnnscope data inspect <data>" {
		t.Errorf("no spec: %q", got)
	}
	// A finding's fix carries it: constant inputs.
	s := healthySignals(t, 2)
	s.Spec.Data.Source = "/data/cell photos"
	s.Facts.Data.Input = &InputStats{Batches: 4, Min: 0.5, Max: 0.5, Mean: 0.5}
	f := wantFinding(t, "unnormalized_inputs", s, Critical)
	if fx := strings.Join(f.Fixes, " | "); strings.Contains(fx, "<data>") || !strings.Contains(fx, "cnnscope data inspect '/data/cell photos'") {
		t.Errorf("fixes %q", fx)
	}
}
