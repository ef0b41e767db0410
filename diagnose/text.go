package diagnose

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// WriteFinding prints one finding as a compact block: a headline, then up
// to maxLines evidence lines, causes and fixes (0: all of them).
func WriteFinding(w io.Writer, f Finding, maxLines int) {
	fmt.Fprintf(w, "%s %s [%s%s]\n", marker(f.Severity), f.Title, f.ID, where(f))
	limit := func(xs []string) []string {
		if maxLines > 0 && len(xs) > maxLines {
			return xs[:maxLines]
		}
		return xs
	}
	var evs []string
	for _, e := range f.Evidence {
		evs = append(evs, e.Text)
	}
	list(w, "evidence", limit(evs), false)
	list(w, "causes", limit(f.Causes), true)
	list(w, "fix", limit(f.Fixes), true)
}

func marker(s Severity) string {
	switch s {
	case Critical:
		return "!! CRITICAL"
	case Warning:
		return "!  WARNING "
	}
	return "-  INFO    "
}

func where(f Finding) string {
	var parts []string
	if f.Epoch > 0 {
		parts = append(parts, fmt.Sprintf("epoch %d", f.Epoch))
	}
	if f.Step > 0 {
		parts = append(parts, fmt.Sprintf("step %d", f.Step))
	}
	if f.Layer != "" {
		parts = append(parts, f.Layer)
	}
	if len(parts) == 0 {
		return ""
	}
	return ", " + strings.Join(parts, ", ")
}

func list(w io.Writer, label string, xs []string, numbered bool) {
	for i, x := range xs {
		head := ""
		if i == 0 {
			head = label + ":"
		}
		if numbered && len(xs) > 1 {
			x = fmt.Sprintf("%d. %s", i+1, x)
		}
		fmt.Fprintf(w, "     %-9s %s\n", head, x)
	}
}

// VerdictLine is the one-line answer: "Verdict: not learning — ...".
func (d *Diagnosis) VerdictLine() string {
	return fmt.Sprintf("Verdict: %s — %s", d.Verdict, d.Summary)
}

// WriteSummary prints the verdict and one line per finding, and the most
// promising fix of the top finding (what `train` prints at its end).
func (d *Diagnosis) WriteSummary(w io.Writer) {
	fmt.Fprintln(w, d.VerdictLine())
	for _, f := range d.Findings {
		fmt.Fprintf(w, "  %-8s %s [%s%s]\n", f.Severity, f.Title, f.ID, where(f))
	}
	if len(d.Findings) > 0 && d.Findings[0].Severity != Info && len(d.Findings[0].Fixes) > 0 {
		fmt.Fprintf(w, "  Fix first: %s\n", d.Findings[0].Fixes[0])
	}
	if len(d.Earlier) > 0 {
		var ids []string
		for _, f := range d.Earlier {
			ids = append(ids, fmt.Sprintf("%s (step %d)", f.ID, f.Detected))
		}
		fmt.Fprintf(w, "  Raised during the run but no longer holding: %s\n", strings.Join(ids, ", "))
	}
}

// WriteText prints the full diagnosis: verdict, every finding in full,
// what could not be checked, and the measured overhead.
func (d *Diagnosis) WriteText(w io.Writer) {
	fmt.Fprintln(w, d.VerdictLine())
	fmt.Fprintf(w, "Analyzed %d epoch(s), %d step(s).\n", d.Epochs, d.Steps)
	for _, f := range d.Findings {
		fmt.Fprintln(w)
		WriteFinding(w, f, 0)
	}
	if len(d.Earlier) > 0 {
		fmt.Fprintln(w, "\nRaised during the run, no longer holding at its end:")
		for _, f := range d.Earlier {
			fmt.Fprintf(w, "  %-8s %s [%s, detected at step %d]\n", f.Severity, f.Title, f.ID, f.Detected)
		}
	}
	if len(d.Unavailable) > 0 {
		fmt.Fprintln(w, "\nNot checked:")
		for _, u := range d.Unavailable {
			fmt.Fprintf(w, "  - %s\n", u)
		}
	}
	if d.OverheadFraction > 0 {
		fmt.Fprintf(w, "\nMonitoring cost %.2f%% of training time.\n", 100*d.OverheadFraction)
	}
}

// WriteJSON writes the diagnosis as diagnosis.json holds it.
func (d *Diagnosis) WriteJSON(w io.Writer) error {
	b, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// lossChange says how a loss moved from a to b: "1.9% better" or "1.9%
// worse" (a loss that rose).
func lossChange(a, b float64) string {
	if b > a {
		return pct((b-a)/a) + " worse"
	}
	return pct((a-b)/a) + " better"
}
