// Package onnx writes cnnscope models as ONNX files (and reads the ONNX
// files image CNNs use back into cnnscope models).
//
// The file format is protobuf; this package encodes and decodes the few
// ONNX messages it needs by hand (the wire format: internal/pbwire,
// shared with TensorBoard's event files), with no generated code and no
// dependency.
// Field numbers are those of onnx.proto (ONNX 1.12).
//
// An exported model takes float32 images that are already preprocessed
// (the model's rescale and featurewise mean/std applied, as cnnscope
// predict does); the preprocessing, class names, input size and input
// layout are written into the file's metadata_props. The default input
// layout is NHWC, as cnnscope and Keras hold images (the graph transposes
// to NCHW for ONNX's Conv and pooling); ExportOptions.Layout "nchw" makes
// the input (and any 4-D output) NCHW instead.
package onnx
