#!/usr/bin/env bash
# The issue's proof, on MNIST --limit LIMIT, 3 epochs: 16 ASHA trials
# (learning rate log-uniform 1e-5..10, batch 16/32/64/128, pruning by
# diagnosis) against a 16-point grid (lr 1e-5, 1e-3, 1e-1, 10 x the four
# batch sizes) trained plainly to the end. Prints both results, the
# epochs each spent counting every step (sum over runs of steps run /
# steps per epoch) and their ratio.
# Usage: scripts/tune_vs_grid.sh [--grace G] [--sampler S] [--nogrid] [WORKDIR] [LIMIT]
#   --grace G: tune's --grace, ASHA's grace period in epochs (default:
#     tune's, 1 epoch; 1/3 puts the first rung at a third of an epoch)
#   --sampler S: tune's --sampler, lhs, random or tpe (default: tune's)
#   --nogrid: the ASHA study only, keeping WORKDIR's grid results (the
#     grid trains with train's default --stop-on none: the diagnosis
#     does not change it)
set -euo pipefail
tune_flags=()
nogrid=
while [ $# -gt 0 ]; do
  case $1 in
  --grace | --sampler) tune_flags+=("$1" "$2"); shift 2 ;;
  --nogrid) nogrid=1; shift ;;
  *) break ;;
  esac
done
work=${1:-$(mktemp -d)}
limit=${2:-6000}
mkdir -p "$work"
bin=$work/cnnscope
go build -o "$bin" ./cmd/cnnscope
echo "cnnscope $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . || echo +changes); $(date -u); load: $(cut -d' ' -f1-3 /proc/loadavg)"
cat >"$work/space.yaml" <<'YAML'
compile.learning_rate: {loguniform: [1e-5, 10]}
fit.batch_size: {choice: [16, 32, 64, 128]}
YAML
rm -rf "${work:?}/asha"
"$bin" tune --space "$work/space.yaml" --data mnist --limit "$limit" --epochs 3 --trials 16 \
  --algorithm asha --seed 1 --threads 1 "${tune_flags[@]}" --out "$work/asha" | grep -v '^trial [0-9]*:'
# epochs of a run directory counting every step: diagnosis.json's steps
# over its steps per epoch (what tune counts for a trial)
run_epochs() {
  /usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("%.4f" % (d["steps"]/d["facts"]["steps_per_epoch"]))' "$1/diagnosis.json"
}
if [ -z "$nogrid" ]; then
  rm -rf "${work:?}/grid"
  mkdir -p "$work/grid"
  echo "lr,batch,exit,epochs,epochs_trained,best_val_loss,best_val_accuracy" >"$work/grid.csv"
  for lr in 1e-5 1e-3 1e-1 10; do
    for b in 16 32 64 128; do
      d=$work/grid/lr$lr-b$b
      code=0
      "$bin" train --data mnist --limit "$limit" --epochs 3 --batch "$b" --lr "$lr" --seed 1 \
        --threads 1 --out "$d" >"$d.log" 2>&1 || code=$?
      trained=$(run_epochs "$d" 2>/dev/null || echo "")
      awk -F, -v lr="$lr" -v b="$b" -v code="$code" -v tr="$trained" '
        NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
        { n++; v = $col["val_loss"] + 0; if (best == "" || v < best) { best = v; acc = $col["val_accuracy"] } }
        END { printf "%s,%s,%s,%d,%s,%s,%s\n", lr, b, code, n, tr, best, acc }' "$d/history.csv" >>"$work/grid.csv" ||
        echo "$lr,$b,$code,0,$trained,," >>"$work/grid.csv"
    done
  done
fi
echo "== grid (16 runs, 3 epochs each, no pruning)"
column -ts, "$work/grid.csv"
/usr/bin/python3 - "$work/grid.csv" "$work/asha/trials.csv" "$work/grid" <<'PY'
import csv, json, os, sys
grid = list(csv.DictReader(open(sys.argv[1])))
asha = list(csv.DictReader(open(sys.argv[2])))
def trained(r):  # a grid.csv from before its epochs_trained column: from the run's diagnosis.json
    if r.get("epochs_trained"):
        return float(r["epochs_trained"])
    d = json.load(open(os.path.join(sys.argv[3], f"lr{r['lr']}-b{r['batch']}", "diagnosis.json")))
    return d["steps"] / d["facts"]["steps_per_epoch"]
g = sum(trained(r) for r in grid)
a = sum(float(r["epochs_trained"]) for r in asha)
gb = min(grid, key=lambda r: float(r["best_val_loss"] or "inf"))
ab = [r for r in asha if r["status"] == "completed"]
ab = min(ab or asha, key=lambda r: float(r["best_val_loss"] or "inf"))
print(f"grid epochs (steps run / steps per epoch, summed): {g:.2f}")
print(f"ASHA epochs (steps run / steps per epoch, summed): {a:.2f} = {a / g:.4f} of the grid's (bar: <= 1/3 = {g / 3:.2f} epochs)")
d = 100 * (float(ab["best_val_accuracy"]) - float(gb["best_val_accuracy"]))
print(f"best: ASHA trial {ab['trial']} val_loss {float(ab['best_val_loss']):.4f} val_accuracy {float(ab['best_val_accuracy']):.4f}; "
      f"grid lr {gb['lr']} batch {gb['batch']} val_loss {float(gb['best_val_loss']):.4f} val_accuracy {float(gb['best_val_accuracy']):.4f}; "
      f"ASHA - grid = {d:+.2f} points (bar: >= -0.5)")
PY
