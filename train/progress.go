package train

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// Progress prints training progress as Keras' verbose=1 does: on a
// terminal a bar per epoch, redrawn a few times a second, with ETA,
// samples/s and the running loss and accuracy; elsewhere (CI, pipes) one
// plain line per epoch.
type Progress struct {
	Nop
	W        io.Writer
	Terminal bool // redraw a bar in place; false: one line per epoch

	start, last time.Time
	epochs      int
}

// NewProgress prints to w; terminal selects the live bar.
func NewProgress(w io.Writer, terminal bool) *Progress {
	return &Progress{W: w, Terminal: terminal}
}

func (p *Progress) TrainBegin(s *State) error {
	p.epochs = s.Options.Epochs
	return nil
}

func (p *Progress) EpochBegin(s *State, epoch int) error {
	p.start, p.last = time.Now(), time.Time{}
	if p.Terminal {
		fmt.Fprintf(p.W, "Epoch %d/%d\n", epoch+1, p.epochs)
	}
	return nil
}

func (p *Progress) BatchEnd(s *State, b *StepInfo) error {
	if !p.Terminal {
		return nil
	}
	now := time.Now()
	if now.Sub(p.last) < 150*time.Millisecond && b.Step+1 < s.StepsPerEpoch {
		return nil
	}
	p.last = now
	el := now.Sub(p.start)
	done := b.Step + 1
	rate := float64(b.Samples) / el.Seconds()
	eta := time.Duration(float64(el) / float64(done) * float64(s.StepsPerEpoch-done))
	fmt.Fprintf(p.W, "\r%s %s - ETA %s - %.0f samples/s - loss: %.4f - accuracy: %.4f\x1b[K",
		counter(done, s.StepsPerEpoch), bar(done, s.StepsPerEpoch, 30), eta.Round(time.Second), rate, b.EpochLoss, b.EpochAccuracy)
	return nil
}

func (p *Progress) EpochEnd(s *State, epoch int, logs Logs) error {
	el := time.Since(p.start)
	steps := s.StepsPerEpoch
	per := el / time.Duration(max(steps, 1))
	if p.Terminal {
		fmt.Fprintf(p.W, "\r%s %s - %s %s/step - %s\x1b[K\n", counter(steps, steps), bar(steps, steps, 30),
			el.Round(time.Second), per.Round(time.Microsecond), logs)
		return nil
	}
	fmt.Fprintln(p.W, epochLine(epoch, p.epochs, steps, el, logs))
	return nil
}

// epochLine is the plain line of an epoch: "Epoch 2/5 - 11 steps - 1.2s
// (109.1ms/step) - loss: ...". An epoch under a second shows its
// milliseconds ("31ms", not "0s" beside "2.807ms/step"), and one step is
// "1 step".
func epochLine(epoch, epochs, steps int, el time.Duration, logs Logs) string {
	per := el / time.Duration(max(steps, 1))
	unit := "steps"
	if steps == 1 {
		unit = "step"
	}
	took := el.Round(100 * time.Millisecond)
	if el < time.Second {
		took = el.Round(time.Millisecond)
	}
	return fmt.Sprintf("Epoch %d/%d - %d %s - %s (%s/step) - %s", epoch+1, epochs, steps, unit,
		took, per.Round(time.Microsecond), logs)
}

func counter(done, total int) string {
	w := len(fmt.Sprint(total))
	return fmt.Sprintf("%*d/%d", w, done, total)
}

// bar draws Keras' [=====>....] bar.
func bar(done, total, width int) string {
	if total <= 0 {
		return "[" + strings.Repeat(".", width) + "]"
	}
	fill := done * width / total
	if fill >= width {
		return "[" + strings.Repeat("=", width) + "]"
	}
	return "[" + strings.Repeat("=", fill) + ">" + strings.Repeat(".", width-fill-1) + "]"
}
