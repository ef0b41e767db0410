package tune

import (
	"strings"
	"testing"
)

func TestStudyHTML(t *testing.T) {
	s := &Study{Algorithm: "asha", MaxEpochs: 3, Eta: 3, Grace: 1, dir: "studies/x", EpochsSpent: 5}
	s.Trials = []*Trial{
		{ID: 1, Status: Completed, Params: map[string]any{"compile.learning_rate": 0.001, "compile.optimizer": "adam"}, ValLoss: []float64{1, 0.5, 0.25}, ValAccuracy: []float64{0.5, 0.7, 0.9}},
		{ID: 2, Status: Pruned, Reason: "diagnosis: Loss diverges <fast> (epoch 1, step 3)", Params: map[string]any{"compile.learning_rate": 5.0, "compile.optimizer": "sgd"}, ValLoss: []float64{}},
		{ID: 3, Status: Pruned, Reason: "asha: val_loss 2 at epoch 1", Params: map[string]any{"compile.learning_rate": 1e-5, "compile.optimizer": "sgd"}, ValLoss: []float64{2}, ValAccuracy: []float64{0.1}},
	}
	var b strings.Builder
	if err := s.WriteHTML(&b); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, want := range []string{
		`<a href="trials/001/report.html">1</a></td><td class="completed">completed</td><td>3</td><td>0.2500</td><td>0.9000</td>`,
		"Loss diverges &lt;fast&gt;", // escaped
		`id="param0"`, "log10 compile.learning_rate", `id="param1"`, "compile.optimizer (choice index)", `id="curves"`,
		"epochs counting every step (the sum over trials of steps run / steps per epoch) of the 9 of every trial trained to the end; 5 whole epochs (history.csv rows)",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("study.html lacks %q", want)
		}
	}
	// Ranked: completed 1, then pruned 3 (val_loss 2), then pruned 2 (none).
	if i1, i3, i2 := strings.Index(page, `>1</a>`), strings.Index(page, `>3</a>`), strings.Index(page, `>2</a>`); !(i1 < i3 && i3 < i2) {
		t.Errorf("not ranked: %d %d %d", i1, i3, i2)
	}
	own := strings.ReplaceAll(page, `xmlns="http://www.w3.org/2000/svg"`, "")
	for _, bad := range []string{"http://", "https://", "<script src", "<link"} {
		if strings.Contains(own, bad) {
			t.Errorf("study.html is not self-contained: %q", bad)
		}
	}
}
