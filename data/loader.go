package data

import (
	"fmt"
	"math/rand/v2"
	"runtime"

	"github.com/cnnscope/cnnscope/tensor"
)

// TrainConfig configures the batches of a training split.
type TrainConfig struct {
	BatchSize int
	// Seed makes the run reproducible: epoch e's order and every
	// sample's augmentation depend only on (Seed, e, position in epoch).
	Seed uint64
	// NoShuffle keeps the samples in index order (reshuffling every
	// epoch is the default).
	NoShuffle bool
	// Augment is applied to every training sample (nil: none).
	Augment *Augment
	// Preprocess normalizes every sample after augmentation (nil: raw
	// 0..255 values as float32).
	Preprocess *Preprocess
	// ClassWeights, when set, gives each sample the weight of its class
	// in Batch.Weights (see ClassWeightsBalanced).
	ClassWeights []float64
	// SampleWeights, when set, holds one weight per Dataset image (Keras'
	// sample_weight); Batch.Weights is the product with the class weight.
	SampleWeights []float64
	// Sampling redraws each epoch's samples to even out classes.
	Sampling Sampling
	// DropLast drops a final batch smaller than BatchSize.
	DropLast bool
	// Workers is the number of goroutines preparing batches (0 means
	// GOMAXPROCS); Prefetch the number of batches prepared ahead of the
	// consumer (0 means 2 per worker). Neither changes the results.
	Workers, Prefetch int
}

// EvalConfig configures the batches of a validation or test split: in
// index order, never augmented, never resampled.
type EvalConfig struct {
	BatchSize  int
	Preprocess *Preprocess
	// ClassWeights, when set, fills Batch.Weights (e.g. for a weighted
	// validation loss); usually nil.
	ClassWeights      []float64
	Workers, Prefetch int
}

// Loader produces the batches of one split, epoch after epoch. It is safe
// to use one epoch at a time.
type Loader struct {
	ds       *Dataset
	indices  []int
	train    bool
	cfg      TrainConfig // for evaluation only the shared fields are set
	workers  int
	prefetch int
	free     chan *Batch
}

// Batch is one batch of samples. X is (n, height, width, channels) and,
// like Labels, Weights and Indices, belongs to the loader: call Release
// when done with it so its buffers serve a later batch.
type Batch struct {
	X *tensor.Tensor
	// Labels[i] is the class of sample i.
	Labels []int32
	// Weights[i] is sample i's class weight; nil when the loader has no
	// class weights.
	Weights []float32
	// Indices[i] is sample i's index in the Dataset (see Sources).
	Indices []int
	// Epoch and Step say where the batch falls: Step counts from 0
	// within the epoch.
	Epoch, Step int

	data   []float32 // full-size storage behind X
	loader *Loader
}

// NewTrainLoader returns a loader for the training samples at indices
// (all of ds when nil).
func NewTrainLoader(ds *Dataset, indices []int, cfg TrainConfig) (*Loader, error) {
	if cfg.Augment != nil {
		if err := cfg.Augment.Check(); err != nil {
			return nil, err
		}
	}
	switch cfg.Sampling {
	case NoSampling, Oversample, Undersample:
	default:
		return nil, fmt.Errorf("sampling %q: want oversample, undersample or none", string(cfg.Sampling))
	}
	return newLoader(ds, indices, true, cfg)
}

// NewEvalLoader returns a loader for validation or test samples at
// indices (all of ds when nil).
func NewEvalLoader(ds *Dataset, indices []int, cfg EvalConfig) (*Loader, error) {
	return newLoader(ds, indices, false, TrainConfig{
		BatchSize: cfg.BatchSize, NoShuffle: true, Preprocess: cfg.Preprocess,
		ClassWeights: cfg.ClassWeights, Workers: cfg.Workers, Prefetch: cfg.Prefetch,
	})
}

func newLoader(ds *Dataset, indices []int, train bool, cfg TrainConfig) (*Loader, error) {
	if cfg.BatchSize <= 0 {
		return nil, fmt.Errorf("batch size %d: want > 0", cfg.BatchSize)
	}
	if cfg.Preprocess != nil {
		if err := cfg.Preprocess.Check(ds.Channels); err != nil {
			return nil, err
		}
	}
	if cfg.ClassWeights != nil && len(cfg.ClassWeights) != ds.NumClasses() {
		return nil, fmt.Errorf("class weights: %d given for %d classes", len(cfg.ClassWeights), ds.NumClasses())
	}
	if cfg.SampleWeights != nil && len(cfg.SampleWeights) != ds.Len() {
		return nil, fmt.Errorf("sample weights: %d given for %d images", len(cfg.SampleWeights), ds.Len())
	}
	if indices == nil {
		indices = make([]int, ds.Len())
		for i := range indices {
			indices[i] = i
		}
	}
	for _, i := range indices {
		if i < 0 || i >= ds.Len() {
			panic(fmt.Sprintf("data: loader index %d out of range [0, %d)", i, ds.Len()))
		}
	}
	l := &Loader{ds: ds, indices: indices, train: train, cfg: cfg}
	l.workers = cfg.Workers
	if l.workers <= 0 {
		l.workers = runtime.GOMAXPROCS(0)
	}
	l.prefetch = cfg.Prefetch
	if l.prefetch <= 0 {
		l.prefetch = 2 * l.workers
	}
	l.free = make(chan *Batch, l.prefetch+l.workers+2)
	return l, nil
}

// Order returns the dataset indices of epoch's samples in the order the
// epoch visits them: resampled and shuffled for training (a function of
// the seed and epoch only), the given order for evaluation.
func (l *Loader) Order(epoch int) []int {
	order := l.indices
	if l.cfg.Sampling != NoSampling {
		rng := newRand(l.cfg.Seed, streamResample, uint64(epoch))
		// The sampling mode was checked in NewTrainLoader.
		order, _ = Resample(l.ds.Labels, l.indices, l.ds.NumClasses(), l.cfg.Sampling, rng)
	}
	if l.cfg.NoShuffle {
		return order
	}
	order = append([]int(nil), order...)
	rng := newRand(l.cfg.Seed, streamShuffle, uint64(epoch))
	rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
	return order
}

// Samples is the number of samples an epoch visits (after resampling).
func (l *Loader) Samples() int {
	if l.cfg.Sampling == NoSampling {
		return len(l.indices)
	}
	return len(l.Order(0)) // the count does not depend on the epoch
}

// Batches is the number of batches in an epoch.
func (l *Loader) Batches() int {
	n, b := l.Samples(), l.cfg.BatchSize
	if l.cfg.DropLast {
		return n / b
	}
	return (n + b - 1) / b
}

// Release hands the batch's buffers back to its loader; the batch must
// not be used afterwards. Releasing is optional (an unreleased batch is
// garbage collected) but saves an allocation per batch.
func (b *Batch) Release() {
	if b == nil || b.loader == nil {
		return
	}
	select {
	case b.loader.free <- b:
	default:
	}
}

func (l *Loader) getBatch() *Batch {
	select {
	case b := <-l.free:
		return b
	default:
	}
	ds, n := l.ds, l.cfg.BatchSize
	b := &Batch{
		data:    make([]float32, n*ds.ImageSize()),
		Labels:  make([]int32, n),
		Indices: make([]int, n),
		loader:  l,
	}
	b.X = tensor.FromData(b.data, n, ds.Height, ds.Width, ds.Channels)
	if l.cfg.ClassWeights != nil || l.cfg.SampleWeights != nil {
		b.Weights = make([]float32, n)
	}
	return b
}

// fill prepares step's batch from the positions [lo, hi) of order, using
// the worker's generator for augmentation.
func (l *Loader) fill(b *Batch, epoch, step int, order []int, lo, hi int, pcg *rand.PCG, rng *rand.Rand) {
	ds := l.ds
	n, size := hi-lo, ds.ImageSize()
	b.Epoch, b.Step = epoch, step
	b.X.Data = b.data[:n*size]
	b.X.Shape = append(b.X.Shape[:0], n, ds.Height, ds.Width, ds.Channels)
	b.Labels, b.Indices = b.Labels[:n], b.Indices[:n]
	if b.Weights != nil {
		b.Weights = b.Weights[:n]
	}
	aug := l.cfg.Augment
	augment := l.train && aug.Enabled()
	fill, cval := FillNearest, float32(0)
	if augment {
		fill, cval = aug.FillMode, aug.Cval
	}
	prep := l.cfg.Preprocess
	for j := range n {
		pos := lo + j
		idx := order[pos]
		src := ds.Image(idx)
		dst := b.X.Data[j*size : (j+1)*size]
		if augment {
			pcg.Seed(seeds(l.cfg.Seed, streamAugment, uint64(epoch), uint64(pos)))
			t := aug.Random(rng, ds.Height, ds.Width)
			ApplyTransform(dst, src, ds.Height, ds.Width, ds.Channels, t, fill, cval)
			if prep != nil {
				prep.ApplyFloat(dst, ds.Channels)
			}
		} else if prep != nil {
			prep.Apply(dst, src, ds.Channels)
		} else {
			for k, v := range src {
				dst[k] = float32(v)
			}
		}
		label := ds.Labels[idx]
		b.Labels[j], b.Indices[j] = label, idx
		if b.Weights != nil {
			w := 1.0
			if l.cfg.ClassWeights != nil {
				w = l.cfg.ClassWeights[label]
			}
			if l.cfg.SampleWeights != nil {
				w *= l.cfg.SampleWeights[idx]
			}
			b.Weights[j] = float32(w)
		}
	}
}
