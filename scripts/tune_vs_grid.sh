#!/usr/bin/env bash
# The issue's proof, on MNIST --limit LIMIT, 3 epochs: 16 ASHA trials
# (learning rate log-uniform 1e-5..10, batch 16/32/64/128, pruning by
# diagnosis) against a 16-point grid (lr 1e-5, 1e-3, 1e-1, 10 x the four
# batch sizes) trained plainly to the end. Prints both results and the
# epochs each spent. Usage: scripts/tune_vs_grid.sh [WORKDIR] [LIMIT] [SAMPLER] [nogrid]
# (SAMPLER: tune's --sampler, lhs, random or tpe; default or "": tune's
# default; nogrid: the ASHA study only, keeping WORKDIR's grid results:
# the grid trains with --stop-on none, so the diagnosis does not change it)
set -euo pipefail
work=${1:-$(mktemp -d)}
limit=${2:-6000}
sampler=()
[ -n "${3:-}" ] && sampler=(--sampler "$3")
bin=$work/cnnscope
go build -o "$bin" ./cmd/cnnscope
cat >"$work/space.yaml" <<'YAML'
compile.learning_rate: {loguniform: [1e-5, 10]}
fit.batch_size: {choice: [16, 32, 64, 128]}
YAML
rm -rf "${work:?}/asha"
"$bin" tune --space "$work/space.yaml" --data mnist --limit "$limit" --epochs 3 --trials 16 \
  --algorithm asha --seed 1 --threads 1 "${sampler[@]}" --out "$work/asha" | grep -v '^trial [0-9]*:'
[ "${4:-}" = nogrid ] && exit 0
rm -rf "${work:?}/grid"
mkdir -p "$work/grid"
echo "lr,batch,exit,epochs,best_val_loss,best_val_accuracy" >"$work/grid.csv"
for lr in 1e-5 1e-3 1e-1 10; do
  for b in 16 32 64 128; do
    d=$work/grid/lr$lr-b$b
    code=0
    "$bin" train --data mnist --limit "$limit" --epochs 3 --batch "$b" --lr "$lr" --seed 1 \
      --threads 1 --out "$d" >"$d.log" 2>&1 || code=$?
    awk -F, -v lr="$lr" -v b="$b" -v code="$code" '
      NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
      { n++; v = $col["val_loss"] + 0; if (best == "" || v < best) { best = v; acc = $col["val_accuracy"] } }
      END { printf "%s,%s,%s,%d,%s,%s\n", lr, b, code, n, best, acc }' "$d/history.csv" >>"$work/grid.csv" ||
      echo "$lr,$b,$code,0,," >>"$work/grid.csv"
  done
done
echo "== grid (16 runs, 3 epochs each, no pruning)"
column -ts, "$work/grid.csv"
awk -F, 'NR > 1 { e += $4 } END { print "grid epochs:", e }' "$work/grid.csv"
