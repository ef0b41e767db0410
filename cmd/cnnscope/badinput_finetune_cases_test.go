package main

// Bad inputs of fine-tuning (train --from, --freeze, --new-head,
// --unfreeze-*; model.from, model.freeze, model.new_head,
// fit.fine_tune), added to the spec and command-line tables.
func init() {
	specCases = append(specCases, []struct {
		yaml  string
		mnist bool
	}{
		{"model:\n  from: /nonexistent\n", false},
		{"model:\n  from: [a]\n", false},
		{"model:\n  from: \" /x\"\n", false},
		{"model:\n  preset: basic-cnn\n  from: /nonexistent\n", false},
		{"model:\n  freeze: conv2d\n", false},
		{"model:\n  new_head: true\n", false},
		{"model:\n  new_head: 3\n", false},
		{"model:\n  freeze: [a]\n", false},
		{"fit:\n  fine_tune:\n    epoch: 0\n", false},
		{"fit:\n  fine_tune:\n    epoch: -1\n", false},
		{"fit:\n  epochs: 3\n  fine_tune:\n    epoch: 3\n", false},
		{"fit:\n  fine_tune:\n    epoch: 1\n    learning_rate: -1\n", false},
		{"fit:\n  fine_tune:\n    epoch: 1\n    learning_rate: .nan\n", false},
		{"fit:\n  fine_tune: 2\n", false},
		{"fit:\n  fine_tune:\n    epoch: 1\n    unfreeze: conv2d\n", false},
		{"fit:\n  fine_tune:\n    epoch: 1.5\n", false},
		{"data:\n  source: mnist\nfit:\n  epochs: 2\n  fine_tune:\n    epoch: 1\n", true},
		{"data:\n  source: mnist\nmodel:\n  layers:\n    - {type: Flatten, trainable: false}\n    - {type: Dense, units: 10, activation: softmax}\n" +
			"fit:\n  epochs: 2\n  fine_tune:\n    epoch: 1\n    unfreeze_from: nope\n", true},
	}...)
	flagCases = append(flagCases, []badCase{
		{args: []string{"train", "--out", "$F/out", "--from", ""}, lines: 1},
		{args: []string{"train", "--out", "$F/out", "--from", "/nonexistent"}, lines: 1},
		{args: []string{"train", "--out", "$F/out", "--from", "$F/notes.txt"}, lines: 1},
		{args: []string{"train", "--out", "$F/out", "--from", "$F/garbage.onnx"}, lines: 1},
		{args: []string{"train", "--out", "$F/out", "--from", "$F/emptydir"}, lines: 1},
		{args: []string{"train", "--out", "$F/out", "--from", "$F/m-bad-layer"}, lines: 1},
		{args: []string{"train", "--out", "$F/out", "--from", "$F/m-not-json"}, lines: 1},
		{args: []string{"train", "--out", "$F/out", "--from", "$F/model", "--model", "basic-cnn"}, lines: 1},
		{args: []string{"train", "--out", "$F/out", "--from", "$F/model"}, lines: 1, mnist: true},
		{args: []string{"train", "--out", "$F/out", "--from", "$F/model", "--freeze", "nope"}, lines: 1, mnist: true},
		{args: []string{"train", "--out", "$F/out", "--from", "$F/model", "--data", "$F/classes"}, lines: 1},
		{args: []string{"train", "--out", "$F/out", "--freeze", "conv2d"}, lines: 1},
		{args: []string{"train", "--out", "$F/out", "--new-head"}, lines: 1},
		{args: []string{"train", "--out", "$F/out", "--new-head=x"}, lines: 2},
		{args: []string{"train", "--out", "$F/out", "--unfreeze-at", "0"}, lines: 1},
		{args: []string{"train", "--out", "$F/out", "--unfreeze-at", "-1"}, lines: 1},
		{args: []string{"train", "--out", "$F/out", "--unfreeze-at", "x"}, lines: 2},
		{args: []string{"train", "--out", "$F/out", "--unfreeze-at", "5", "--epochs", "5"}, lines: 1},
		{args: []string{"train", "--out", "$F/out", "--unfreeze-at", "1", "--unfreeze-lr", "-1"}, lines: 1},
		{args: []string{"train", "--out", "$F/out", "--unfreeze-at", "1", "--unfreeze-lr", "nan"}, lines: 1},
		{args: []string{"train", "--out", "$F/out", "--unfreeze-lr", "0.001"}, lines: 1},
		{args: []string{"train", "--out", "$F/out", "--unfreeze-from", "conv2d"}, lines: 1},
		{args: []string{"train", "--out", "$F/out", "--unfreeze-at", "1", "--epochs", "2"}, lines: 1, mnist: true},
	}...)
}
