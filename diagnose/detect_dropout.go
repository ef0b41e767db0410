package diagnose

import (
	"fmt"
	"strings"
)

// High-dropout threshold: a Dropout rate above 0.5. Srivastava et al.
// (2014) found 0.5 near-optimal for hidden units and less for inputs; more
// than that starves the next layer, the usual cause of a model that
// underfits with validation accuracy above training accuracy. It also
// explains training images misclassified the same way epoch after epoch
// (label_noise's evidence, read in training mode: issue 10, fourth round:
// Dropout 0.9 on shapes, 9.9% such images at training accuracy 0.30 and
// validation accuracy 0.77, was named label noise).
const dropoutHigh = 0.5

func detectHighDropout(s *Signals) *Finding {
	if s.Model == nil {
		return nil
	}
	var high []string
	worst, rate := "", 0.0
	for i, l := range s.Model.Layers {
		if strings.EqualFold(l.Type, "dropout") && l.Rate > dropoutHigh {
			high = append(high, fmt.Sprintf("model.layers[%d] (%s) rate %.2g", i, l.Name, l.Rate))
			if l.Rate > rate {
				worst, rate = l.Name, l.Rate
			}
		}
	}
	if worst == "" {
		return nil
	}
	f := &Finding{Severity: Warning, Layer: worst}
	f.Title = fmt.Sprintf("Dropout rate %.2g in %s is high", rate, worst)
	f.Evidence = []Evidence{{Text: "Dropout above 0.5: " + strings.Join(high, ", "), Metric: "dropout_rate", Value: rate, Threshold: dropoutHigh, Layer: worst}}
	f.Causes = []string{fmt.Sprintf("%s drops %s of its inputs in every training step", worst, pct(rate))}
	fix, _ := dropoutFix(s)
	f.Fixes = []string{fix}
	return f
}
