package train

import (
	"encoding/json"
	"io"

	"github.com/cnnscope/cnnscope/internal/atomicfile"
)

// EvaluationSummary is one split's entry of evaluation.json: the final
// model's loss and accuracy, per-class precision/recall/F1 and the
// confusion matrix (rows: true class, columns: predicted).
type EvaluationSummary struct {
	Samples      int            `json:"samples"`
	Loss         JSONFloat      `json:"loss"` // "NaN" for a diverged model
	Accuracy     float64        `json:"accuracy"`
	TopK         int            `json:"top_k,omitempty"`
	TopKAccuracy float64        `json:"top_k_accuracy,omitempty"`
	MacroF1      float64        `json:"macro_f1"`
	Classes      []string       `json:"classes"`
	PerClass     []ClassMetrics `json:"per_class"`
	Confusion    [][]int        `json:"confusion"`
}

// Summarize turns an evaluation into its evaluation.json entry.
func (r *EvalResult) Summarize() *EvaluationSummary {
	if r == nil {
		return nil
	}
	return &EvaluationSummary{Samples: r.Samples, Loss: JSONFloat(r.Loss), Accuracy: r.Accuracy, TopK: r.TopK, TopKAccuracy: r.TopKAccuracy,
		MacroF1: r.Confusion.MacroF1(), Classes: r.Confusion.Classes, PerClass: r.Confusion.PerClass(), Confusion: r.Confusion.Counts}
}

// EvaluationFileContent is evaluation.json.
type EvaluationFileContent struct {
	RunID      string             `json:"run_id,omitempty"`
	Validation *EvaluationSummary `json:"validation"`
	Test       *EvaluationSummary `json:"test"`
}

// WriteEvaluation writes evaluation.json with the run's id and the
// validation and test summaries (either may be absent), atomically.
func WriteEvaluation(path, runID string, val, test *EvalResult) error {
	b, err := json.MarshalIndent(EvaluationFileContent{RunID: runID, Validation: val.Summarize(), Test: test.Summarize()}, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(path, func(w io.Writer) error {
		_, err := w.Write(append(b, '\n'))
		return err
	}, 0o644)
}
