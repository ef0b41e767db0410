// Package train fits a model: the epoch loop, metrics, callbacks (one per
// file, Keras' set), checkpoints, and a run (Run: data, model, fit and
// evaluation written into a run directory).
//
// A fit is Fit(ctx, model, trainLoader, valLoader, Options). Callbacks see
// every batch and epoch through the Callback interface and may stop the
// run; History keeps the per-epoch logs under Keras' names (loss,
// accuracy, val_loss, val_accuracy, lr, ...).
package train
