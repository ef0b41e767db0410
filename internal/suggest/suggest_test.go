package suggest

import "testing"

func TestClosest(t *testing.T) {
	known := []string{"epochs", "batch", "val-split", "rotation_range", "top-k", "train"}
	for w, want := range map[string]string{
		"epoch":         "epochs",
		"ephocs":        "epochs",
		"rotaton_range": "rotation_range",
		"val_split":     "val-split",
		"top_k":         "top-k",
		"bach":          "batch",
		"trian":         "train",
		"xyz":           "",
		"completely":    "",
	} {
		if got := Closest(w, known); got != want {
			t.Errorf("Closest(%q) = %q, want %q", w, got, want)
		}
	}
}
