#!/usr/bin/env bash
# SIGKILL a real `cnnscope tune` study KILLS times at random moments,
# resume it, and compare its trials.csv (without its timing columns: seconds, steps, epochs_trained) with
# an uninterrupted study of the same seed. Kill i comes 2-7 s (at
# random) after (i-1)*TRIALS/KILLS trials have ended, so the kills are
# spread over the study. Usage:
#   scripts/tune_kill_resume.sh [WORKDIR] [KILLS] [TRIALS] [GRACE]
# GRACE: tune's --grace (default: tune's, 1 epoch; 1/3 adds a rung inside epoch 1).
# Small by default (MNIST --limit 200, 3 epochs, 6 trials): minutes on 2 cores.
set -euo pipefail
work=${1:-$(mktemp -d)}
kills=${2:-3}
trials=${3:-6}
grace=()
[ -n "${4:-}" ] && grace=(--grace "$4")
bin=$work/cnnscope
go build -o "$bin" ./cmd/cnnscope
cat >"$work/space.yaml" <<'YAML'
compile.learning_rate: {choice: [0.0003, 0.001, 0.003, 5.0]}
fit.batch_size: {choice: [16, 32]}
YAML
args=(tune --space "$work/space.yaml" --data mnist --limit 200 --epochs 3 --trials "$trials"
  --algorithm asha --seed 5 --threads 1 "${grace[@]}")
rm -rf "$work/whole" "$work/killed"
"$bin" "${args[@]}" --out "$work/whole" >"$work/whole.log"
"$bin" "${args[@]}" --out "$work/killed" >"$work/killed.log" &
pid=$!
done_kills=0
ended() {
  local n
  n=$(grep -Ec '"status": "(completed|pruned|failed)"' "$work/killed/study.json" 2>/dev/null || true)
  echo "${n:-0}"
}
for i in $(seq "$kills"); do
  while [ "$(ended)" -lt $(((i - 1) * trials / kills)) ] && kill -0 "$pid" 2>/dev/null; do sleep 0.2; done
  sleep "$(awk -v s="$RANDOM" 'BEGIN{srand(s); printf "%.1f", 2 + rand()*5}')"
  if ! kill -0 "$pid" 2>/dev/null; then break; fi
  kill -KILL "$pid"; wait "$pid" 2>/dev/null || true
  done_kills=$i
  echo "kill $i: $(grep -c '"status": "running"' "$work/killed/study.json") running, $(ended) ended"
  "$bin" tune --resume "$work/killed" >>"$work/killed.log" &
  pid=$!
done
wait "$pid"
# trials.csv without its timing columns
strip() { /usr/bin/python3 "$(dirname "$0")/trials_untimed.py" "$1"; }
if diff <(strip "$work/whole/trials.csv") <(strip "$work/killed/trials.csv"); then
  echo "same trials.csv (without timing columns) after $done_kills kills (of $kills asked; fewer: the study ended first)"
else
  echo "trials.csv differs"; exit 1
fi
cat "$work/whole/trials.csv"
