package train

import (
	"encoding/json"
	"math"
	"testing"
)

func TestLogsJSONKeepsNaN(t *testing.T) {
	in := Logs{"loss": math.NaN(), "accuracy": 0.5, "val_loss": math.Inf(1)}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var out Logs
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if !math.IsNaN(out["loss"]) || out["accuracy"] != 0.5 || !math.IsInf(out["val_loss"], 1) {
		t.Errorf("round trip of %s gave %v", b, out)
	}
}
