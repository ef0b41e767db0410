package main

import (
	"fmt"
	"io"
	"os"
	"strings"
)

func init() {
	commands["init"] = command{summary: "write a commented example spec file to start from", run: runInit}
}

// exampleSpec is what init writes: every section, with Keras' names and
// the defaults spelled out.
const exampleSpec = `# cnnscope training spec. Run it with: cnnscope train --spec THIS_FILE
# Every key is optional; an unknown key or a value of the wrong type is an error.
seed: 1                      # weights, validation split, shuffling, augmentation, dropout

data:
  source: mnist              # mnist, fashion-mnist, or a folder with one sub-folder per class
  # test: path/to/test       # a test folder with the same class folders (built-ins use their test split)
  validation_split: 0.1      # stratified share of the training images held out for validation
  # target_size: [64, 64]    # folders: resize to height, width (default: the most common size, or the median one within 256x256)
  # color_mode: rgb          # folders: grayscale, rgb or rgba (default: detected)
  # interpolation: bilinear  # folders: nearest (default) or bilinear
  # limit: 5000              # use N training images, drawn at random per class
  preprocessing:
    rescale: 0.00392156862745098   # 1/255: pixels to [0, 1]
    # featurewise_center: true      # subtract the training split's per-channel mean
    # featurewise_std_normalization: true
  # augmentation:              # training batches only, never validation or test
  #   rotation_range: 15       # degrees
  #   width_shift_range: 0.1   # fraction of the width (or pixels if >= 1)
  #   height_shift_range: 0.1
  #   zoom_range: 0.1          # [1-z, 1+z]
  #   horizontal_flip: true
  #   fill_mode: nearest       # nearest, constant, reflect or wrap
  class_weight: none         # balanced, none, or a map such as {cat: 1.0, dog: 2.5}
  sampling: none             # oversample or undersample instead of class weights

model:
  preset: basic-cnn          # basic-cnn (the Keras tutorial CNN), vgg-small, resnet-20 or mobilenet-v2-small
  # Or your own layers (input shape and class count come from the data):
  # layers:
  #   - {type: Conv2D, filters: 32, kernel_size: 3, activation: relu}
  #   - {type: MaxPooling2D, pool_size: 2}
  #   - {type: Conv2D, filters: 64, kernel_size: 3, activation: relu}
  #   - {type: MaxPooling2D}
  #   - {type: Flatten}
  #   - {type: Dropout, rate: 0.3}
  #   - {type: Dense, units: 64, activation: relu}
  #   - {type: Dense, units: 10, activation: softmax}
  # Or fine-tune a pre-trained model (instead of preset and layers):
  # from: runs/digits        # a run directory, a model folder or an .onnx file
  # freeze: base             # freeze up to this layer (base: all but the head)
  # new_head: true           # a fresh classifier (automatic when the classes differ)

compile:
  optimizer: adam            # adam, sgd, adamw or rmsprop
  learning_rate: 0.001       # Keras' default for adam; sgd's is 0.01
  # momentum: 0.9            # sgd only
  # clipnorm: 1.0
  loss: sparse_categorical_crossentropy
  # from_logits: true        # Keras' from_logits=True: the last layer is linear (no softmax)
  #                          # and the loss applies softmax itself; predict still reports probabilities

fit:
  epochs: 5
  batch_size: 32
  # top_k: 3                 # also report top-3 accuracy
  # early_stopping: {monitor: val_loss, patience: 3, restore_best_weights: true}
  # reduce_lr_on_plateau: {monitor: val_loss, factor: 0.1, patience: 2, min_lr: 0.00001}
  # tensorboard: {log_dir: tb/run1, update_freq: epoch, histogram_freq: 1}   # tensorboard --logdir tb
  # fine_tune: {epoch: 3, learning_rate: 0.0001}   # with model.from: unfreeze after 3 epochs
`

// functionalModel replaces the model section for init --functional: a
// small residual network in Keras' functional form.
const functionalModel = `model:
  # A functional model: each layer is called on the layers its inputs name
  # ("input_layer" is the input); a layer without inputs takes the previous
  # layer's output. Unnamed layers get Keras' names (conv2d, conv2d_1, add, ...).
  layers:
    - {type: Conv2D, filters: 32, kernel_size: 3, padding: same, use_bias: false}
    - {type: BatchNormalization}
    - {type: Activation, activation: relu}
    - {type: Conv2D, filters: 32, kernel_size: 3, padding: same, use_bias: false}
    - {type: BatchNormalization}
    - {type: Activation, activation: relu}
    - {type: Conv2D, filters: 32, kernel_size: 3, padding: same, use_bias: false}
    - {type: BatchNormalization}
    - {name: add, type: Add, inputs: [batch_normalization_2, activation]}   # the residual connection
    - {type: Activation, activation: relu}
    - {type: MaxPooling2D}
    - {type: GlobalAveragePooling2D}
    - {type: Dense, units: 10, activation: softmax}   # units: the number of classes

`

// functionalSpec is exampleSpec with the functional model section.
func functionalSpec() string {
	start := strings.Index(exampleSpec, "model:\n")
	end := strings.Index(exampleSpec, "compile:\n")
	return exampleSpec[:start] + functionalModel + exampleSpec[end:]
}

func runInit(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("init", "init [--functional] [FILE]", "  cnnscope init cnnscope.yaml\n  cnnscope init > my-spec.yaml\n  cnnscope init --functional residual.yaml\n", stderr)
	force := fs.Bool("force", false, "overwrite FILE if it exists")
	functional := fs.Bool("functional", false, "write a functional (graph) model: a small residual network")
	err := parseFlags(fs, args)
	spec := exampleSpec
	if *functional {
		spec = functionalSpec()
	}
	if err == nil && fs.NArg() > 1 {
		err = usagef("want at most one file name, got %d", fs.NArg())
	}
	if err == nil {
		if fs.NArg() == 0 {
			_, err = io.WriteString(stdout, spec)
		} else {
			err = writeNew(fs.Arg(0), spec, *force)
			if err == nil {
				fmt.Fprintf(stdout, "Wrote %s; train with: cnnscope train --spec %s\n", fs.Arg(0), fs.Arg(0))
			}
		}
	}
	return exitCode(stderr, "init", err)
}

func writeNew(path, content string, force bool) error {
	flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
	if force {
		flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	}
	f, err := os.OpenFile(path, flags, 0o644)
	if err != nil {
		if os.IsExist(err) {
			return usagef("%s exists (use --force to overwrite)", path)
		}
		return err
	}
	if _, err := io.WriteString(f, content); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
