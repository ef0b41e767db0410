package train

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
)

// A fit stopped by a context canceled with a cause says the cause, not
// "context canceled" (a stranger's Ctrl-C read "training stopped at epoch 9
// step 95: context canceled").
func TestStoppedRunSaysTheCause(t *testing.T) {
	needMNIST(t)
	dir := t.TempDir()
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	interrupt := &hookCounter{hook: func(s *State) {
		if s.Step == 3 {
			cancel(errors.New("interrupted (SIGINT)"))
		}
	}}
	_, err := Run(ctx, smallSpec(1), RunOptions{Dir: dir, Out: io.Discard, Callbacks: []Callback{interrupt}}, false)
	if !errors.Is(err, ErrStopped) || !strings.Contains(err.Error(), "interrupted (SIGINT)") || strings.Contains(err.Error(), "context canceled") {
		t.Errorf("Run = %v, want ErrStopped saying interrupted (SIGINT)", err)
	}
}
