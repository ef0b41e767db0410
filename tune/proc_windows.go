package tune

import "os"

// Windows has no SIGSTOP: a waiting trial keeps training (its later
// epochs are taken in only after the decision, so results are the same).
func pause(p *os.Process) bool { return false }

func cont(p *os.Process) {}

// terminate kills the child (no SIGTERM on Windows); resume continues
// it from its last checkpoint.
func terminate(p *os.Process) { p.Kill() }

// Lock is a no-op on Windows.
func Lock(dir string) (release func(), err error) { return func() {}, nil }
