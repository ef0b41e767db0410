// Package rundir makes a run directory belong to one run.
//
// Every run has an id (NewID) that the files it writes carry: the
// "# cnnscope run ID" first line of spec.yaml, run.json, the metadata of
// its model files and checkpoints, metrics.jsonl's first line,
// evaluation.json, diagnosis.json and report.html. A directory is claimed
// by one process at a time through run.lock (an flock on Unix, released by
// the kernel when the process dies, so a lock left by a killed process is
// no lock). Create refuses a directory that is not empty; with overwrite
// it builds the new run beside it and swaps the two at once, so that the
// path holds the old run or the new one, never a mix.
//
// run.json records the run's state (training, finished, failed) and the
// settings of the command line that are not in spec.yaml (--stop-on), so
// that resume continues as the run began.
package rundir

// Files of a run directory that this package owns.
const (
	// LockFile holds "pid N" while a process writes the run.
	LockFile = "run.lock"
	// InfoFile is run.json.
	InfoFile = "run.json"
	// SpecFile is spec.yaml; its first line names the run (IDComment).
	SpecFile = "spec.yaml"
)
