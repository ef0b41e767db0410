#!/usr/bin/env bash
# The same 16 sampled trials (seed 1) on MNIST as three studies: ASHA with
# pruning by diagnosis, ASHA without it (--no-diagnosis-pruning), and
# random (every trial to the last epoch); prints each study's table and
# what it spent. Usage: scripts/tune_study.sh [WORKDIR] [LIMIT] [EPOCHS] [TRIALS]
set -euo pipefail
work=${1:-$(mktemp -d)}
limit=${2:-1000}
epochs=${3:-3}
trials=${4:-16}
bin=$work/cnnscope
go build -o "$bin" ./cmd/cnnscope
cat >"$work/space.yaml" <<'YAML'
compile.learning_rate: {loguniform: [1e-5, 10]}
fit.batch_size: {choice: [16, 32, 64]}
YAML
common=(tune --space "$work/space.yaml" --data mnist --limit "$limit" --epochs "$epochs"
  --trials "$trials" --seed 1 --threads 1)
for study in asha asha-nodiag random; do
  rm -rf "${work:?}/$study"
  case $study in
  asha) extra=(--algorithm asha) ;;
  asha-nodiag) extra=(--algorithm asha --no-diagnosis-pruning) ;;
  random) extra=(--algorithm random) ;;
  esac
  echo "== $study: cnnscope ${common[*]} ${extra[*]} --out $work/$study"
  "$bin" "${common[@]}" "${extra[@]}" --out "$work/$study" | grep -v '^trial [0-9]*:'
done
