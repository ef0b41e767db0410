package train

import "math"

// argmax returns the index of the largest value of row.
func argmax(row []float32) int {
	best := 0
	for j, v := range row {
		if v > row[best] {
			best = j
		}
	}
	return best
}

// inTopK reports whether class y is among the k largest values of row
// (ties count in y's favour, as Keras' top_k_categorical_accuracy).
func inTopK(row []float32, y, k int) bool {
	larger := 0
	for _, v := range row {
		if v > row[y] {
			larger++
		}
	}
	return larger < k
}

// ClassMetrics are one class's precision, recall and F1 on a split.
type ClassMetrics struct {
	Class                 string
	Precision, Recall, F1 float64
	Support               int // samples of this class
	Predicted             int // samples predicted as this class
}

// Confusion is a confusion matrix: Counts[true][predicted].
type Confusion struct {
	Classes []string
	Counts  [][]int
}

// NewConfusion returns an empty matrix for the classes.
func NewConfusion(classes []string) *Confusion {
	c := &Confusion{Classes: classes, Counts: make([][]int, len(classes))}
	for i := range c.Counts {
		c.Counts[i] = make([]int, len(classes))
	}
	return c
}

// Add counts one sample.
func (c *Confusion) Add(truth, pred int) { c.Counts[truth][pred]++ }

// PerClass returns precision, recall and F1 of every class. A ratio whose
// denominator is zero is 0, as scikit-learn's zero_division default.
func (c *Confusion) PerClass() []ClassMetrics {
	n := len(c.Counts)
	out := make([]ClassMetrics, n)
	for k := 0; k < n; k++ {
		tp := c.Counts[k][k]
		support, predicted := 0, 0
		for j := 0; j < n; j++ {
			support += c.Counts[k][j]
			predicted += c.Counts[j][k]
		}
		m := ClassMetrics{Class: c.Classes[k], Support: support, Predicted: predicted}
		if predicted > 0 {
			m.Precision = float64(tp) / float64(predicted)
		}
		if support > 0 {
			m.Recall = float64(tp) / float64(support)
		}
		if m.Precision+m.Recall > 0 {
			m.F1 = 2 * m.Precision * m.Recall / (m.Precision + m.Recall)
		}
		out[k] = m
	}
	return out
}

// MacroF1 is the unweighted mean of the classes' F1 (classes without
// samples excluded).
func (c *Confusion) MacroF1() float64 {
	var s float64
	n := 0
	for _, m := range c.PerClass() {
		if m.Support > 0 {
			s += m.F1
			n++
		}
	}
	if n == 0 {
		return math.NaN()
	}
	return s / float64(n)
}
