package train

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"
)

// Logs are one epoch's results under Keras' names: loss, accuracy,
// val_loss, val_accuracy, lr, and any a callback adds.
type Logs map[string]float64

// Keys returns the names in a stable order: Keras' usual ones first.
func (l Logs) Keys() []string {
	first := []string{"epoch", "loss", "accuracy", "top_k_accuracy", "val_loss", "val_accuracy", "val_top_k_accuracy", "lr"}
	rank := map[string]int{}
	for i, k := range first {
		rank[k] = i + 1
	}
	var keys []string
	for k := range l {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		ri, rj := rank[keys[i]], rank[keys[j]]
		if ri == 0 {
			ri = len(first) + 1
		}
		if rj == 0 {
			rj = len(first) + 1
		}
		if ri != rj {
			return ri < rj
		}
		return keys[i] < keys[j]
	})
	return keys
}

// String formats the logs as Keras' progress line does:
// "loss: 0.1234 - accuracy: 0.9612 - val_loss: ...".
func (l Logs) String() string {
	var parts []string
	for _, k := range l.Keys() {
		if k == "epoch" {
			continue
		}
		v := l[k]
		switch {
		case k == "lr":
			parts = append(parts, fmt.Sprintf("%s: %.4g", k, v))
		case math.IsNaN(v) || math.IsInf(v, 0):
			parts = append(parts, fmt.Sprintf("%s: %v", k, v))
		default:
			parts = append(parts, fmt.Sprintf("%s: %.4f", k, v))
		}
	}
	return strings.Join(parts, " - ")
}

// Clone copies the logs.
func (l Logs) Clone() Logs {
	c := make(Logs, len(l))
	for k, v := range l {
		c[k] = v
	}
	return c
}

// History is the per-epoch record of a fit, as Keras' History.history.
type History struct {
	Epochs []Logs
	// StopReason says why a callback ended the fit early ("" if none).
	StopReason string
}

// Series returns one metric over the epochs (NaN where missing).
func (h *History) Series(name string) []float64 {
	s := make([]float64, len(h.Epochs))
	for i, l := range h.Epochs {
		v, ok := l[name]
		if !ok {
			v = math.NaN()
		}
		s[i] = v
	}
	return s
}

// Last returns the last epoch's logs (nil before the first epoch ends).
func (h *History) Last() Logs {
	if len(h.Epochs) == 0 {
		return nil
	}
	return h.Epochs[len(h.Epochs)-1]
}

// MarshalJSON writes the logs with NaN and ±Inf as the strings "NaN",
// "Infinity" and "-Infinity" (plain JSON has no such numbers, and a
// diverged run's checkpoint must still be written).
func (l Logs) MarshalJSON() ([]byte, error) {
	m := make(map[string]JSONFloat, len(l))
	for k, v := range l {
		m[k] = JSONFloat(v)
	}
	return json.Marshal(m)
}

// UnmarshalJSON reads what MarshalJSON writes.
func (l *Logs) UnmarshalJSON(b []byte) error {
	var m map[string]JSONFloat
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	*l = make(Logs, len(m))
	for k, v := range m {
		(*l)[k] = float64(v)
	}
	return nil
}
