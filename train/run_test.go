package train

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/cnnscope/cnnscope/data"
	"github.com/cnnscope/cnnscope/modelfile"
	"github.com/cnnscope/cnnscope/nn"
	"github.com/cnnscope/cnnscope/spec"
)

// TestMNISTSubsetAccuracyGate trains the seed's basic CNN on 6,000 MNIST
// images for two epochs and requires at least 94% on the 10,000 test
// images (about 96-97% is typical); a broken engine, loss, optimizer or
// data pipeline lands near 10%.
func TestMNISTSubsetAccuracyGate(t *testing.T) {
	if testing.Short() {
		t.Skip("trains for a few seconds")
	}
	if _, _, err := data.FindBuiltin("mnist", "train"); err != nil {
		t.Skipf("MNIST not available: %v", err)
	}
	dir := t.TempDir()
	sp := &spec.Spec{Seed: 1, Data: spec.Data{Source: "mnist", Limit: 6000}, Fit: spec.Fit{Epochs: 2}}
	res, err := Run(context.Background(), sp, RunOptions{Dir: dir, Out: io.Discard}, false)
	if err != nil {
		t.Fatal(err)
	}
	if acc := res.Test.Accuracy; acc < 0.94 {
		t.Errorf("test accuracy %.4f after 2 epochs on 6,000 images, want >= 0.94", acc)
	}
	t.Logf("test accuracy %.4f, history %v", res.Test.Accuracy, res.History.Last())
	for _, f := range []string{SpecFile, modelfile.WeightsFile, modelfile.ConfigFile, filepath.Join(CheckpointsDir, LastCheckpoint), filepath.Join(CheckpointsDir, "best", modelfile.WeightsFile), EvaluationFile} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("run directory lacks %s: %v", f, err)
		}
	}
	var ev EvaluationFileContent
	if b, err := os.ReadFile(filepath.Join(dir, EvaluationFile)); err != nil || json.Unmarshal(b, &ev) != nil {
		t.Fatalf("evaluation.json: %v", err)
	}
	if ev.RunID != res.RunID || ev.Test == nil || ev.Test.Accuracy != res.Test.Accuracy || ev.Validation == nil || len(ev.Test.Confusion) != 10 {
		t.Errorf("evaluation.json does not hold the final results: %+v", ev)
	}
	// The saved model gives the same test accuracy.
	m, mf, err := modelfile.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	test, err := data.LoadBuiltin("mnist", "test")
	if err != nil {
		t.Fatal(err)
	}
	l, err := data.NewEvalLoader(test, nil, data.EvalConfig{BatchSize: 500, Preprocess: &mf.Preprocessing})
	if err != nil {
		t.Fatal(err)
	}
	r, err := Evaluate(context.Background(), m, l, lossOf(t, res.Spec), mf.Classes, 0)
	if err != nil {
		t.Fatal(err)
	}
	if r.Accuracy != res.Test.Accuracy {
		t.Errorf("reloaded model: accuracy %.4f, trained model %.4f", r.Accuracy, res.Test.Accuracy)
	}
}

// lossOf is the loss a spec compiles with.
func lossOf(t *testing.T, s *spec.Spec) nn.Loss {
	l, err := nn.LossByName(s.Compile.Loss)
	if err != nil {
		t.Fatal(err)
	}
	return l
}
