package train

import (
	"fmt"
	"math"
	"strings"
)

// maximized lists the name fragments of metrics where larger is better,
// for mode "auto" (Keras 3 asks the metric for its direction; we go by
// name, as Keras 2 did with "acc").
var maximized = []string{"acc", "auc", "precision", "recall", "f1"}

// MonitorMaximizes resolves a callback's Mode ("auto", "min", "max"; ""
// means "auto") for the monitored quantity: true when larger is better.
// In auto mode names containing "acc" (and auc, precision, recall, f1)
// are maximized; everything else, losses included, is minimized.
func MonitorMaximizes(monitor, mode string) (bool, error) {
	switch strings.ToLower(mode) {
	case "", "auto":
		name := strings.ToLower(strings.TrimPrefix(monitor, "val_"))
		for _, up := range maximized {
			if strings.Contains(name, up) {
				return true, nil
			}
		}
		return false, nil
	case "min":
		return false, nil
	case "max":
		return true, nil
	}
	return false, fmt.Errorf("mode %q: want auto, min or max", mode)
}

// monitorValue returns logs[monitor], or an error that lists what the
// logs do hold: a monitor that is never there would otherwise make the
// callback silently do nothing (Keras only warns).
func monitorValue(monitor string, logs Logs) (float64, error) {
	if v, ok := logs[monitor]; ok {
		return v, nil
	}
	hint := ""
	if strings.HasPrefix(monitor, "val_") {
		hint = `; fit with validation data, or monitor "` + strings.TrimPrefix(monitor, "val_") + `"`
	}
	return 0, fmt.Errorf("monitor %q is not in the epoch's logs (they hold %s)%s",
		monitor, strings.Join(logs.Keys(), ", "), hint)
}

// infinity returns the worst possible value of a monitored quantity.
func infinity(maximize bool) float64 {
	if maximize {
		return math.Inf(-1)
	}
	return math.Inf(1)
}

// fmtValue prints a monitored value as reports show it.
func fmtValue(v float64) string { return fmt.Sprintf("%.4g", v) }

// epochs writes "1 epoch", "3 epochs".
func epochCount(n int) string {
	if n == 1 {
		return "1 epoch"
	}
	return fmt.Sprintf("%d epochs", n)
}
