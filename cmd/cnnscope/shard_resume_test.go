package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/cnnscope/cnnscope/modelfile"
)

// At --threads 3 a training step runs one shard of the batch per thread
// (resnet-20 as a Graph, vgg-small as a Sequential with BatchNormalization
// and Dropout), the shards meeting at barriers: the same seed gives the
// same history and weights run after run, and a run killed with SIGKILL
// after a checkpoint and resumed without --threads (run.json keeps the
// run's 3) ends with the weights of the uninterrupted one. GOMAXPROCS 3
// shards on any machine and is not this 2-core one's default, which
// resume would otherwise take; batch 24 is the smallest a Sequential
// shards at three threads (8 samples a shard), a Graph shards from 4.
func TestShardedTrainingRepeatsAndResumes(t *testing.T) {
	if testing.Short() {
		t.Skip("trains four small runs per model")
	}
	data := rgbFolder(t, 3, 20)
	for _, model := range []string{"resnet-20", "vgg-small"} {
		t.Run(model, func(t *testing.T) {
			base := t.TempDir()
			args := []string{"train", "--data", data, "--model", model, "--epochs", "4", "--batch", "24",
				"--seed", "3", "--threads", "3", "--val-split", "0.2"}
			var runs [2]string
			for i := range runs {
				runs[i] = filepath.Join(base, string(rune('a'+i)))
				if code, _, errs := runCLI(append(args, "--out", runs[i])...); code != 0 {
					t.Fatalf("train: exit %d\n%s", code, errs)
				}
			}
			sameRunFiles(t, runs[0], runs[1], "second run")

			killed := filepath.Join(base, "killed")
			killAfterCheckpoint(t, append(args, "--out", killed), 0)
			if code, _, errs := runCLI("resume", killed); code != 0 {
				t.Fatalf("resume: exit %d\n%s", code, errs)
			}
			sameRunFiles(t, runs[0], killed, "killed and resumed run")
		})
	}
}

// sameRunFiles fails unless run b's history and weights (the run id
// aside) are run a's bit for bit.
func sameRunFiles(t *testing.T, a, b, what string) {
	t.Helper()
	ha, errA := os.ReadFile(filepath.Join(a, "history.csv"))
	hb, errB := os.ReadFile(filepath.Join(b, "history.csv"))
	if errA != nil || errB != nil || !bytes.Equal(ha, hb) {
		t.Errorf("%s: history.csv differs (%v, %v):\n%s\n%s", what, errA, errB, ha, hb)
	}
	wa := modelWithoutRunID(t, filepath.Join(a, modelfile.WeightsFile))
	wb := modelWithoutRunID(t, filepath.Join(b, modelfile.WeightsFile))
	if !bytes.Equal(wa, wb) {
		t.Errorf("%s: weights differ from the first run's", what)
	}
}
