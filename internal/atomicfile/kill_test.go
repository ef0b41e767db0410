package atomicfile

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// The kill tests re-run this test binary as a child that calls
// WriteFile (TestHelperProcess) and kill it with SIGKILL. The variables
// below tell the child what to do; they are set only by these tests.
const (
	helperEnv = "ATOMICFILE_TEST_HELPER" // "slow" or "fast"
	pathEnv   = "ATOMICFILE_TEST_PATH"
	chunk     = 1 << 20
)

// TestHelperProcess is the child process, not a test of its own.
func TestHelperProcess(t *testing.T) {
	mode := os.Getenv(helperEnv)
	if mode == "" {
		t.Skip("helper process for the kill tests")
	}
	path := os.Getenv(pathEnv)
	data := bytes.Repeat([]byte("N"), chunk)
	err := WriteFile(path, func(w io.Writer) error {
		switch mode {
		case "slow":
			// Write 4 MiB, tell the parent, then keep writing
			// slowly until killed (or give up after a while).
			for i := range 4 {
				if _, err := w.Write(data); err != nil {
					return err
				}
				if i == 3 {
					fmt.Println("writing")
				}
			}
			for range 200 {
				time.Sleep(10 * time.Millisecond)
				if _, err := w.Write(data[:4096]); err != nil {
					return err
				}
			}
		case "fast":
			for range 8 {
				if _, err := w.Write(data); err != nil {
					return err
				}
			}
		}
		return nil
	}, 0o644)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(0)
}

func helper(t *testing.T, mode, path string) *exec.Cmd {
	t.Helper()
	if runtime.GOOS == "js" || runtime.GOOS == "wasip1" {
		t.Skip("no subprocesses here")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
	cmd.Env = append(os.Environ(), helperEnv+"="+mode, pathEnv+"="+path)
	return cmd
}

const oldContent = "the old, complete file\n"

// TestKillMidWrite kills a child with SIGKILL while it is in the middle
// of writing a large file: the old file must be intact.
func TestKillMidWrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "model.safetensors")
	if err := os.WriteFile(path, []byte(oldContent), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := helper(t, "slow", path)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	started := make(chan bool, 1)
	go func() {
		s := bufio.NewScanner(stdout)
		started <- s.Scan() && s.Text() == "writing"
		io.Copy(io.Discard, stdout)
	}()
	select {
	case ok := <-started:
		if !ok {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatal("the child did not start writing")
		}
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatal("the child did not start writing within 30s")
	}

	// The temporary file holds megabytes now: we are mid-write.
	tmps, _ := filepath.Glob(filepath.Join(dir, ".model.safetensors.tmp-*"))
	if len(tmps) != 1 {
		t.Fatalf("temporary files %v, want one", tmps)
	}
	if st, err := os.Stat(tmps[0]); err != nil || st.Size() < 3*chunk {
		t.Fatalf("temporary file: %v, %v; want several MiB written", st, err)
	}

	if err := cmd.Process.Kill(); err != nil { // SIGKILL
		t.Fatal(err)
	}
	if err := cmd.Wait(); err == nil {
		t.Fatal("the child exited cleanly; it was meant to be killed mid-write")
	}
	if got := readString(t, path); got != oldContent {
		t.Fatalf("after the kill the file holds %d bytes, want the old content", len(got))
	}
	// The next write succeeds regardless of the leftover.
	if err := WriteFile(path, writeString("new"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := readString(t, path); got != "new" {
		t.Errorf("content %q, want new", got)
	}
}

// TestKillAtRandomMoments kills children at random moments of a whole
// WriteFile: each time the file is the old or the new one, whole.
func TestKillAtRandomMoments(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f")
	r := rand.New(rand.NewPCG(7, 7))
	newContent := strings.Repeat("N", 8*chunk)
	var sawOld, sawNew int
	for i := range 8 {
		if err := os.WriteFile(path, []byte(oldContent), 0o644); err != nil {
			t.Fatal(err)
		}
		cmd := helper(t, "fast", path)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(r.IntN(60)) * time.Millisecond)
		cmd.Process.Kill()
		cmd.Wait()
		switch got := readString(t, path); got {
		case oldContent:
			sawOld++
		case newContent:
			sawNew++
		default:
			t.Fatalf("kill %d left %d bytes that are neither the old nor the new file", i, len(got))
		}
	}
	t.Logf("old file %d times, new file %d times", sawOld, sawNew)
}
