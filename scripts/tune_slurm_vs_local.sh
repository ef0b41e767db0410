#!/usr/bin/env bash
# The same small study (MNIST --limit 200, 3 epochs, 6 trials, asha,
# seed 3) run with --executor local and --executor slurm, the Slurm
# tuner SIGKILLed once after KILL_AFTER seconds and resumed (it follows
# its tasks again); compares trials.csv without its timing columns.
# Needs a Slurm (scripts/slurm-localhost.sh start).
# Usage: scripts/tune_slurm_vs_local.sh [WORKDIR] [KILL_AFTER] [GRACE]
# GRACE: tune's --grace (default: tune's, 1 epoch; 1/3 adds a rung inside epoch 1).
set -euo pipefail
work=${1:-$(mktemp -d)}
kill_after=${2:-8}
grace=()
[ -n "${3:-}" ] && grace=(--grace "$3")
work=$(cd "$work" && pwd) # the Slurm tasks need absolute paths
bin=$work/cnnscope
go build -o "$bin" ./cmd/cnnscope
cat >"$work/space.yaml" <<'YAML'
compile.learning_rate: {loguniform: [1e-4, 10]}
fit.batch_size: {choice: [16, 32]}
YAML
args=(tune --space "$work/space.yaml" --data mnist --limit 200 --epochs 3 --trials 6
  --algorithm asha --seed 3 --threads 1 --parallel 2 "${grace[@]}")
rm -rf "$work/local" "$work/slurm"
echo "== local"
"$bin" "${args[@]}" --out "$work/local" | grep -v '^trial [0-9]*:'
echo "== slurm"
"$bin" "${args[@]}" --executor slurm --out "$work/slurm" >"$work/slurm.log" &
pid=$!
sleep "$kill_after"
if kill -KILL "$pid" 2>/dev/null; then
  wait "$pid" 2>/dev/null || true
  echo "SIGKILLed the slurm tuner after ${kill_after}s; squeue then:"
  squeue -h -r -o '%i %T' --name="$(sed -n 's/.*"slurm_job_name": "\(.*\)".*/\1/p' "$work/slurm/study.json")"
  "$bin" tune --resume "$work/slurm" >>"$work/slurm.log"
else
  wait "$pid"
  echo "the slurm study ended before the kill"
fi
grep -E 'submitted|follows' "$work/slurm.log"
# trials.csv without its timing columns
strip() { /usr/bin/python3 "$(dirname "$0")/trials_untimed.py" "$1"; }
if diff <(strip "$work/local/trials.csv") <(strip "$work/slurm/trials.csv"); then
  echo "slurm = local: same trials.csv (without timing columns)"
else
  echo "trials.csv differs"; exit 1
fi
cat "$work/slurm/trials.csv"
