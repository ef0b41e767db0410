package diagnose

import "math"

// Class weights and resampling (issue 10, fifth round). Balanced class
// weights (w_k = N / (K n_k), Keras' "balanced") give every class the
// same total weight in the loss, and oversampling or undersampling the
// same number of draws: the constant guess that minimizes such a loss is
// the uniform one (1/K for each class), not the largest class. So, in a
// run whose weights balance the classes:
//   - predictions that all go to the largest class are not the model
//     learning the class prior (the loss does not reward it): early in
//     training the outputs sit near the uniform guess and the arg-max falls
//     on whichever class the starting weights favour. A model that stays
//     there does not tell the classes apart: not_learning's (chance.go),
//     not majority_class_bias';
//   - the objective is balanced accuracy (mean per-class recall), whose
//     constant-guess level is 1/K: weights trade the largest class's recall
//     for the small classes', so accuracy below the largest class's share
//     is what they are expected to cost, not a sign that nothing was
//     learned.
//
// Weights that leave the classes' total weights imbalanced by a ratio of
// imbalanceBias or more (say {0: 1, 1: 1.2} on 96:4 data) do not balance the loss; such
// runs are judged as unweighted ones, on their weighted imbalance.

// weightedImbalance is the ratio of the largest to the smallest class
// total weight in the loss (training count times class weight; +Inf when
// a class with images has weight 0). Resampling evens the classes out
// (1), and so do weights of an older run whose facts lack them. Without
// weights or resampling it is the count imbalance.
func weightedImbalance(d *DataFacts) float64 {
	if d == nil {
		return 0
	}
	if !d.Weighted {
		return d.Imbalance
	}
	if len(d.ClassWeights) != len(d.TrainCounts) {
		return 1
	}
	lo, hi := math.Inf(1), 0.0
	for k, c := range d.TrainCounts {
		if c <= 0 {
			continue
		}
		w := float64(c) * d.ClassWeights[k]
		lo, hi = min(lo, w), max(hi, w)
	}
	if hi == 0 {
		return 1
	}
	return hi / lo
}

// balancedObjective reports whether class weights or resampling balance
// the classes in the loss (weightedImbalance under imbalanceBias).
func (s *Signals) balancedObjective() bool {
	d := s.Facts.Data
	return d != nil && d.Weighted && weightedImbalance(d) < imbalanceBias
}

// weightSwing is how far class weights alone can lift one batch's loss
// over a batch of the training mix: the largest class weight over the
// mean weight of a training image (1 without weights). Keras averages
// the weighted per-sample losses over the batch size, so a batch of the
// most-weighted class's images counts weightSwing times a mixed batch of
// the same per-sample loss (balanced weights on 60:14:6: 4.4). A batch
// loss spike is judged against the start times this (spikeLimit).
func weightSwing(d *DataFacts) float64 {
	if d == nil || len(d.ClassWeights) != len(d.TrainCounts) {
		return 1
	}
	n, sum, top := 0, 0.0, 0.0
	for k, c := range d.TrainCounts {
		if c <= 0 {
			continue
		}
		n += c
		sum += float64(c) * d.ClassWeights[k]
		top = max(top, d.ClassWeights[k])
	}
	if n == 0 || sum <= 0 || !finite(top) {
		return 1
	}
	return max(1, top/(sum/float64(n)))
}

// spikeLimit is the batch loss that counts as a spike: spikeFactor times
// the start loss l0, times the class weights' swing.
func (s *Signals) spikeLimit(l0 float64) float64 {
	return spikeFactor * l0 * weightSwing(s.Facts.Data)
}
