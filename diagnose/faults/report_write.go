package faults

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
)

// WriteJSON writes the report as JSON (a share that could not be
// measured as -1).
func (rep *Report) WriteJSON(w io.Writer) error {
	c := *rep
	clean := func(s *Summary) {
		for _, p := range []*float64{&s.Detected, &s.Named, &s.Warned, &s.WarnedEnd, &s.Critical, &s.BeforeTraining, &s.MedianFirstStep,
			&s.MedianOverhead, &s.MaxOverhead, &s.MedianPrecheck, &s.MaxPrecheck} {
			if math.IsNaN(*p) {
				*p = -1
			}
		}
	}
	clean(&c.Summary)
	for _, p := range []**Summary{&c.Later, &c.Dev, &c.HeldOut, &c.Unseen, &c.Fresh, &c.Novel, &c.Fifth, &c.Sixth, &c.Seventh, &c.Eighth, &c.Ninth, &c.Tenth} {
		if *p != nil {
			l := **p
			clean(&l)
			*p = &l
		}
	}
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// WriteMarkdown writes the report as markdown tables: per scenario (the
// dev part, then the held-out part), then the aggregates against the bars.
func (rep *Report) WriteMarkdown(w io.Writer) {
	var dev, held, unseen, fresh, novel, fifth, sixth, seventh, eighth, ninth, tenth []Run
	for _, r := range rep.Runs {
		switch {
		case r.Tenth:
			tenth = append(tenth, r)
		case r.Ninth:
			ninth = append(ninth, r)
		case r.Eighth:
			eighth = append(eighth, r)
		case r.Seventh:
			seventh = append(seventh, r)
		case r.Sixth:
			sixth = append(sixth, r)
		case r.Fifth:
			fifth = append(fifth, r)
		case r.Novel:
			novel = append(novel, r)
		case r.Fresh:
			fresh = append(fresh, r)
		case r.Unseen:
			unseen = append(unseen, r)
		case r.HeldOut:
			held = append(held, r)
		default:
			dev = append(dev, r)
		}
	}
	if len(dev) > 0 {
		writeScenarioTables(w, dev, "Dev part", rep.Seeds)
	}
	if len(held) > 0 {
		writeScenarioTables(w, held, "Held-out part", rep.Seeds)
	}
	if len(unseen) > 0 {
		writeScenarioTables(w, unseen, "Unseen part", rep.Seeds)
	}
	if len(fresh) > 0 {
		writeScenarioTables(w, fresh, "Fresh part", rep.Seeds)
	}
	if len(novel) > 0 {
		writeScenarioTables(w, novel, "Novel part", rep.Seeds)
	}
	if len(fifth) > 0 {
		writeScenarioTables(w, fifth, "Fifth part", rep.Seeds)
	}
	if len(sixth) > 0 {
		writeScenarioTables(w, sixth, "Sixth part", rep.Seeds)
	}
	if len(seventh) > 0 {
		writeScenarioTables(w, seventh, "Seventh part", rep.Seeds)
	}
	if len(eighth) > 0 {
		writeScenarioTables(w, eighth, "Eighth part", rep.Seeds)
	}
	if len(ninth) > 0 {
		writeScenarioTables(w, ninth, "Ninth part", rep.Seeds)
	}
	if len(tenth) > 0 {
		writeScenarioTables(w, tenth, "Tenth part", rep.Seeds)
	}
	rep.writeBars(w)
	if len(rep.Skipped) > 0 {
		fmt.Fprintf(w, "\nSkipped: %s\n", strings.Join(rep.Skipped, "; "))
	}
	if f := rep.Failures(); len(f) > 0 {
		fmt.Fprintf(w, "\n**Short of the bars:** %s\n", strings.Join(f, "; "))
	} else {
		fmt.Fprintln(w, "\nAll bars met.")
	}
	fmt.Fprintf(w, "\n%d runs in %.0f s.\n", len(rep.Runs), rep.Seconds)
}

type scenarioAgg struct {
	r                           Run
	n, det, named, warn, endW   int
	tops, steps, verdicts, accs []string
}

func aggregate(runs []Run) ([]string, map[string]*scenarioAgg) {
	var order []string
	by := map[string]*scenarioAgg{}
	for _, r := range runs {
		a := by[r.Scenario]
		if a == nil {
			a = &scenarioAgg{r: r}
			by[r.Scenario] = a
			order = append(order, r.Scenario)
		}
		a.n++
		a.det += b2i(r.Detected)
		a.named += b2i(r.Named)
		a.warn += b2i(r.Warned)
		a.endW += b2i(r.WarnedEnd)
		top := r.Top
		switch {
		case r.Error != "":
			top = "error: " + r.Error
		case r.Refused != "":
			top = "refused before training"
		case top == "":
			top = "(none)"
		default:
			top += " (" + r.TopSeverity + ")"
		}
		if !slices.Contains(a.tops, top) {
			a.tops = append(a.tops, top)
		}
		v := r.Verdict
		if r.ChanceEffective {
			v += " **at chance**"
		}
		if v != "" && !slices.Contains(a.verdicts, v) {
			a.verdicts = append(a.verdicts, v)
		}
		step := "-"
		if r.FirstStep >= 0 {
			step = fmt.Sprint(r.FirstStep)
		}
		a.steps = append(a.steps, step)
		acc := "-"
		if r.ValSamples > 0 {
			acc = fmt.Sprintf("%.2f", r.ValAccuracy)
			if r.WithinChance {
				acc += "c"
			}
		}
		a.accs = append(a.accs, acc)
	}
	return order, by
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func writeScenarioTables(w io.Writer, runs []Run, title string, seeds int) {
	order, by := aggregate(runs)
	fmt.Fprintf(w, "### %s: injected problems (%d seeds each)\n\n", title, seeds)
	fmt.Fprintln(w, "| scenario | injected problem | data | expected root cause | detected | named first | top finding at the end | verdicts | val accuracy per seed (c: within chance) | steps to first finding |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|---|")
	for _, name := range order {
		a := by[name]
		if a.r.Healthy {
			continue
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %d/%d | %d/%d | %s | %s | %s | %s |\n", mark(name, a.r.Later), a.r.Problem, a.r.Data,
			strings.Join(a.r.Expect, " or "), a.det, a.n, a.named, a.n, strings.Join(a.tops, "; "), strings.Join(a.verdicts, "; "),
			strings.Join(a.accs, ", "), strings.Join(a.steps, ", "))
	}
	fmt.Fprintf(w, "\n### %s: healthy configurations (%d seeds each)\n\n", title, seeds)
	fmt.Fprintln(w, "| scenario | data | runs with any warning (live or at the end) | ending with a warning | top finding at the end | verdicts | val accuracy per seed |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|")
	for _, name := range order {
		a := by[name]
		if !a.r.Healthy {
			continue
		}
		fmt.Fprintf(w, "| %s | %s | %d/%d | %d/%d | %s | %s | %s |\n", mark(name, a.r.Later), a.r.Data, a.warn, a.n, a.endW, a.n,
			strings.Join(a.tops, "; "), strings.Join(a.verdicts, "; "), strings.Join(a.accs, ", "))
	}
	fmt.Fprintln(w)
}

// writeBars writes the aggregates of each part against the bars.
func (rep *Report) writeBars(w io.Writer) {
	type col struct {
		name string
		s    Summary
	}
	var cols []col
	parts := []struct {
		name string
		s    *Summary
	}{{"dev", rep.Dev}, {"held-out", rep.HeldOut}, {"unseen", rep.Unseen}, {"fresh", rep.Fresh}, {"novel", rep.Novel},
		{"fifth", rep.Fifth}, {"sixth", rep.Sixth}, {"seventh", rep.Seventh}, {"eighth", rep.Eighth}, {"ninth", rep.Ninth}, {"tenth", rep.Tenth}}
	for _, p := range parts {
		if p.s != nil {
			cols = append(cols, col{p.name, *p.s})
		}
	}
	if len(cols) == 0 {
		cols = append(cols, col{"all", rep.Summary})
	}
	fmt.Fprintf(w, "### Against the bars\n\n| measure |")
	for _, c := range cols {
		fmt.Fprintf(w, " %s |", c.name)
	}
	fmt.Fprint(w, " bar |\n|---|")
	for range cols {
		fmt.Fprint(w, "---|")
	}
	fmt.Fprintln(w, "---|")
	row := func(what, bar string, cell func(s Summary) string) {
		fmt.Fprintf(w, "| %s |", what)
		for _, c := range cols {
			fmt.Fprintf(w, " %s |", cell(c.s))
		}
		fmt.Fprintf(w, " %s |\n", bar)
	}
	row("detection rate (injected problem raised at warning/critical, or refused before training)", ">= "+pct(BarDetected),
		func(s Summary) string { return fmt.Sprintf("%s of %d", pct(s.Detected), s.FaultRuns) })
	row("right cause first (top finding is the expected one)", ">= "+pct(BarNamed),
		func(s Summary) string { return fmt.Sprintf("%s of %d", pct(s.Named), s.FaultRuns) })
	row("healthy runs ending with a warning", "<= "+pct(BarWarnedEnd),
		func(s Summary) string { return fmt.Sprintf("%s of %d", pct(s.WarnedEnd), s.HealthyRuns) })
	row("healthy runs with any warning (live, even if withdrawn, or at the end)", "<= "+pct(BarWarned),
		func(s Summary) string { return fmt.Sprintf("%s of %d", pct(s.Warned), s.HealthyRuns) })
	row("healthy runs with a critical finding", "<= "+pct(BarCritical),
		func(s Summary) string { return fmt.Sprintf("%s of %d", pct(s.Critical), s.HealthyRuns) })
	row("runs called learning effectively within chance (of runs within chance)", fmt.Sprint(BarChanceEffective),
		func(s Summary) string { return fmt.Sprintf("%d of %d", s.ChanceEffective, s.WithinChance) })
	row("runs that failed (error or panic)", "0", func(s Summary) string { return fmt.Sprint(s.Errors) })
	row("steps to first finding (detected runs)", "", func(s Summary) string {
		return fmt.Sprintf("median %.0f, max %d; %s before step 1", s.MedianFirstStep, s.MaxFirstStep, pct(s.BeforeTraining))
	})
	row("monitoring cost, the monitor's own measure (share of each run's training time)", "", func(s Summary) string {
		return fmt.Sprintf("median %s, max %s", pct(s.MedianOverhead), pct(s.MaxOverhead))
	})
	row("checks before step 1 (share of the whole run)", "", func(s Summary) string {
		return fmt.Sprintf("median %s, max %s (at most %.2f s)", pct(s.MedianPrecheck), pct(s.MaxPrecheck), s.MaxPrecheckSeconds)
	})
	if m := rep.Measured; m != nil {
		fmt.Fprintf(w, "\nMonitoring cost measured: %s with vs without the monitor, %d runs each, alternating: %+.1f%% without the %.2f s of checks before step 1; %+.1f%% with them (median %.2f s vs %.2f s); bar <= %s.\n",
			m.Scenario, m.Reps, 100*m.AfterChecks, median(m.Precheck), 100*m.Fraction, median(m.With), median(m.Without), pct(BarOverhead))
	}
	if l := rep.Later; l != nil {
		fmt.Fprintf(w, "\n† (dev) added after the issue-5 thresholds were set. On their own: detection %s and right cause first %s of %d runs, warnings on %s and critical findings on %s of %d healthy runs.\n",
			pct(l.Detected), pct(l.Named), l.FaultRuns, pct(l.Warned), pct(l.Critical), l.HealthyRuns)
	}
}

// mark flags a scenario added after the thresholds were set.
func mark(name string, later bool) string {
	if later {
		return name + " †"
	}
	return name
}
