package train

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// A diverged model's evaluation (a NaN loss) is written, not an error
// that fails the run at its end.
func TestWriteEvaluationNaNLoss(t *testing.T) {
	path := filepath.Join(t.TempDir(), EvaluationFile)
	val := &EvalResult{Loss: math.NaN(), Accuracy: 0.1, Samples: 2,
		Confusion: &Confusion{Classes: []string{"a", "b"}, Counts: [][]int{{0, 1}, {0, 1}}}}
	if err := WriteEvaluation(path, "", val, nil); err != nil {
		t.Fatal(err)
	}
	var ev map[string]*EvaluationSummary
	b, err := os.ReadFile(path)
	if err != nil || json.Unmarshal(b, &ev) != nil || ev["validation"] == nil || !math.IsNaN(float64(ev["validation"].Loss)) {
		t.Fatalf("read back %s: %v, %+v", b, err, ev)
	}
}
