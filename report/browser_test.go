package report

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// browser drives headless Chromium over the DevTools protocol on
// --remote-debugging-pipe: JSON messages separated by NUL bytes, written
// to the browser's fd 3 and read from its fd 4.
type browser struct {
	cmd     *exec.Cmd
	w       *os.File
	msgs    chan cdpMessage
	id      int
	session string
	events  []cdpMessage
}

type cdpMessage struct {
	ID        int             `json:"id"`
	Method    string          `json:"method"`
	Params    json.RawMessage `json:"params"`
	Result    json.RawMessage `json:"result"`
	Error     *struct{ Message string }
	SessionID string `json:"sessionId"`
}

func chromiumPath() string {
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

func startBrowser(t *testing.T) *browser {
	t.Helper()
	bin := chromiumPath()
	if bin == "" {
		t.Skip("chromium is not installed (Debian: apt-get install chromium); the browser check needs it")
	}
	toBrowser, ourW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	ourR, fromBrowser, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--disable-component-update", "--no-first-run", "--disable-sync", "--disable-extensions",
		"--user-data-dir="+t.TempDir(), "--remote-debugging-pipe", "--window-size=1280,2000", "about:blank")
	cmd.ExtraFiles = []*os.File{toBrowser, fromBrowser} // fds 3 and 4
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	toBrowser.Close()
	fromBrowser.Close()
	b := &browser{cmd: cmd, w: ourW, msgs: make(chan cdpMessage, 256)}
	go func() {
		rd := bufio.NewReader(ourR)
		for {
			raw, err := rd.ReadBytes(0)
			if err != nil {
				close(b.msgs)
				return
			}
			var m cdpMessage
			if json.Unmarshal(raw[:len(raw)-1], &m) == nil {
				b.msgs <- m
			}
		}
	}()
	t.Cleanup(func() {
		b.call("", "Browser.close", nil, nil)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		ourW.Close()
		ourR.Close()
	})
	var target struct{ TargetID string }
	if err := b.call("", "Target.createTarget", map[string]any{"url": "about:blank"}, &target); err != nil {
		t.Fatal(err)
	}
	var att struct{ SessionID string }
	if err := b.call("", "Target.attachToTarget", map[string]any{"targetId": target.TargetID, "flatten": true}, &att); err != nil {
		t.Fatal(err)
	}
	b.session = att.SessionID
	for _, domain := range []string{"Runtime", "Log", "Network", "Page"} {
		if err := b.call(b.session, domain+".enable", nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	return b
}

// call sends a command and waits for its answer, keeping the events
// that arrive meanwhile.
func (b *browser) call(session, method string, params, result any) error {
	b.id++
	msg := map[string]any{"id": b.id, "method": method}
	if params != nil {
		msg["params"] = params
	}
	if session != "" {
		msg["sessionId"] = session
	}
	raw, err := json.Marshal(msg)
	if err != nil {
		return err
	}
	if _, err := b.w.Write(append(raw, 0)); err != nil {
		return err
	}
	timeout := time.After(15 * time.Second)
	for {
		select {
		case m, ok := <-b.msgs:
			if !ok {
				return errors.New("chromium closed the pipe")
			}
			if m.ID != b.id {
				if m.Method != "" {
					b.events = append(b.events, m)
				}
				continue
			}
			if m.Error != nil {
				return fmt.Errorf("%s: %s", method, m.Error.Message)
			}
			if result != nil {
				return json.Unmarshal(m.Result, result)
			}
			return nil
		case <-timeout:
			return fmt.Errorf("%s: no answer in 15 s", method)
		}
	}
}

// waitEvent waits for an event of the session.
func (b *browser) waitEvent(method string) error {
	for _, e := range b.events {
		if e.Method == method && e.SessionID == b.session {
			return nil
		}
	}
	timeout := time.After(15 * time.Second)
	for {
		select {
		case m, ok := <-b.msgs:
			if !ok {
				return errors.New("chromium closed the pipe")
			}
			b.events = append(b.events, m)
			if m.Method == method && m.SessionID == b.session {
				return nil
			}
		case <-timeout:
			return fmt.Errorf("no %s in 15 s", method)
		}
	}
}

// open loads a file, waits for it and returns what went wrong on the
// way: console errors, exceptions, error log entries and every request
// that was not for a file: or data: URL.
func (b *browser) open(t *testing.T, path string) []string {
	t.Helper()
	b.events = nil
	abs, err := filepath.Abs(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.call(b.session, "Page.navigate", map[string]any{"url": "file://" + abs}, nil); err != nil {
		t.Fatal(err)
	}
	if err := b.waitEvent("Page.loadEventFired"); err != nil {
		t.Fatal(err)
	}
	b.call(b.session, "Runtime.evaluate", map[string]any{"expression": "1"}, nil) // flush late events
	var problems []string
	for _, e := range b.events {
		var p struct {
			Type             string
			Args             []struct{ Value any }
			Entry            struct{ Level, Text, URL string }
			Request          struct{ URL string }
			ExceptionDetails struct {
				Text string
			}
		}
		json.Unmarshal(e.Params, &p)
		switch e.Method {
		case "Runtime.consoleAPICalled":
			if p.Type == "error" || p.Type == "warning" || p.Type == "assert" {
				problems = append(problems, fmt.Sprintf("console %s: %v", p.Type, p.Args))
			}
		case "Runtime.exceptionThrown":
			problems = append(problems, "exception: "+p.ExceptionDetails.Text)
		case "Log.entryAdded":
			if p.Entry.Level == "error" || p.Entry.Level == "warning" {
				problems = append(problems, fmt.Sprintf("log %s: %s %s", p.Entry.Level, p.Entry.Text, p.Entry.URL))
			}
		case "Network.requestWillBeSent":
			if u := p.Request.URL; !strings.HasPrefix(u, "file:") && !strings.HasPrefix(u, "data:") {
				problems = append(problems, "network request: "+u)
			}
		}
	}
	return problems
}

// eval runs a JavaScript expression and decodes its JSON value.
func (b *browser) eval(t *testing.T, expr string, v any) {
	t.Helper()
	var res struct {
		Result           struct{ Value json.RawMessage }
		ExceptionDetails *struct{ Text string }
	}
	if err := b.call(b.session, "Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true}, &res); err != nil {
		t.Fatal(err)
	}
	if res.ExceptionDetails != nil {
		t.Fatalf("%s: %s", expr, res.ExceptionDetails.Text)
	}
	if err := json.Unmarshal(res.Result.Value, v); err != nil {
		t.Fatalf("%s: %v (%s)", expr, err, res.Result.Value)
	}
}

// pageChecks measures what a reader sees: each chart's rendered size
// and the drawn length of each of its series.
const pageChecks = `(() => {
  const charts = {};
  for (const svg of document.querySelectorAll('svg.chart')) {
    const r = svg.getBoundingClientRect();
    const series = {};
    for (const p of svg.querySelectorAll('path.series, path.event, path.guide')) {
      series[p.dataset.series] = (series[p.dataset.series] || 0) + p.getTotalLength();
    }
    charts[svg.id] = {w: r.width, h: r.height, series: series, cells: svg.querySelectorAll('rect.cell').length};
  }
  const imgs = [...document.querySelectorAll('img')];
  return {title: document.title, charts: charts, images: imgs.length,
    brokenImages: imgs.filter(i => !(i.complete && i.naturalWidth > 0)).length};
})()`

type pageState struct {
	Title  string
	Charts map[string]struct {
		W, H   float64
		Series map[string]float64
		Cells  int
	}
	Images, BrokenImages int
}

// The report opens in a real browser without errors or network
// requests, and its charts are drawn with their series.
func TestReportInBrowser(t *testing.T) {
	dir, _ := tinyRun(t)
	path, err := WriteRun(t.Context(), dir, Inputs{})
	if err != nil {
		t.Fatal(err)
	}
	other := writeRun(t, map[string]string{"history.csv": historyCSV, "spec.yaml": "seed: 7\ndata:\n  source: mnist\n"})
	cmp := filepath.Join(t.TempDir(), "compare.html")
	if err := WriteFile(cmp, func(w io.Writer) error { return Compare(w, []string{dir, other}) }); err != nil {
		t.Fatal(err)
	}
	b := startBrowser(t)
	if problems := b.open(t, path); len(problems) > 0 {
		t.Errorf("report.html: %s", strings.Join(problems, "\n"))
	}
	var s pageState
	b.eval(t, pageChecks, &s)
	if !strings.HasPrefix(s.Title, "cnnscope report") || s.Images != 24+32 || s.BrokenImages != 0 {
		t.Errorf("title %q, %d images (%d broken)", s.Title, s.Images, s.BrokenImages)
	}
	want := map[string][]string{
		"chart-loss":         {TrainSeries, ValSeries, "overfitting from epoch 2", "lr ×0.5"},
		"chart-accuracy":     {TrainSeries, ValSeries},
		"chart-lr":           {"lr"},
		"chart-gradients":    {"conv2d", "conv2d_1", "conv2d_2", "dense", "dense_1"},
		"chart-update-ratio": {"conv2d", "dense_1", "1e-3 guide"},
		"chart-dead":         {"conv2d", "dense"},
		"chart-saturated":    {"dense_1"},
	}
	for id, series := range want {
		c, ok := s.Charts[id]
		if !ok || c.W < 200 || c.H < 100 {
			t.Errorf("%s: not drawn (%+v)", id, c)
			continue
		}
		for _, name := range series {
			if c.Series[name] <= 1 {
				t.Errorf("%s: series %q has drawn length %v", id, name, c.Series[name])
			}
		}
	}
	if c := s.Charts["chart-confusion"]; c.Cells != 100 || c.W < 200 {
		t.Errorf("confusion matrix: %d cells, %v px wide", c.Cells, c.W)
	}

	if problems := b.open(t, cmp); len(problems) > 0 {
		t.Errorf("compare.html: %s", strings.Join(problems, "\n"))
	}
	b.eval(t, pageChecks, &s)
	for _, name := range []string{"tiny validation", "tiny train", filepath.Base(other) + " validation"} {
		if c := s.Charts["chart-compare-loss"]; c.Series[name] <= 1 {
			t.Errorf("comparison: loss series %q has drawn length %v", name, c.Series[name])
		}
	}
}
