#!/usr/bin/env bash
# PyTorch loads QR (mult, add, concat) and MD checkpoints written by `dlrm train --save-model`:
# for each of the fixtures torch-parity-qr-{mult,add,concat} and torch-parity-md, trains a
# model of the fixture's shape, op and flags (its 26 table sizes, random data, 5 steps, gaudi
# on the host CPU), then scripts/torch-roundtrip.py --load-only loads the file strictly into
# tools/torch/torch_dlrm_ref.py's model built from the fixture's arguments. Then
# --weighted-pooling learned (v_W_l.<t>): trains torch-parity-weighted-learned's 15 steps
# from its initial weights on its rows and multi-hot bags (gaudi on the host CPU), loads the
# file strictly and compares it with PyTorch's final weights.
# Results in bench-results/torch-roundtrip-variants.json. Needs /usr/bin/python3 with torch.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
rows=1000-50-300-800-120-2000-40-500-250-90-1500-60-700-150-400-30-1200-80-600-180-900-20-350-100-450-70
common=(--arch-embedding-size "$rows" --arch-mlp-top 16-1 --mini-batch-size 32
  --num-batches 5 --optimizer adagrad --loss-function bce --backend gaudi)
declare -A flags=(
  [qr-mult]="--arch-interaction-op dot --arch-sparse-feature-size 8 --arch-mlp-bot 13-16-8 --qr-flag --qr-threshold 200 --qr-operation mult --qr-collisions 4"
  [qr-add]="--arch-interaction-op cat --arch-sparse-feature-size 8 --arch-mlp-bot 13-16-8 --qr-flag --qr-threshold 200 --qr-operation add --qr-collisions 8"
  [qr-concat]="--arch-interaction-op dot --arch-sparse-feature-size 4 --arch-mlp-bot 13-16-8 --qr-flag --qr-threshold 15 --qr-operation concat --qr-collisions 4"
  [md]="--arch-interaction-op dot --arch-sparse-feature-size 16 --arch-mlp-bot 13-16-16 --md-flag --md-threshold 200 --md-temperature 0.3 --md-round-dims"
)
results=()
for v in qr-mult qr-add qr-concat md; do
  read -r -a extra <<<"${flags[$v]}"
  cmd=(node apps/cli/bin/dlrm.js train "${common[@]}" "${extra[@]}" --save-model "$tmp/$v.safetensors")
  "${cmd[@]}" >/dev/null
  /usr/bin/python3 scripts/torch-roundtrip.py "$tmp/$v.safetensors" "fixtures/torch-parity-$v" --load-only --json "$tmp/$v.json"
  echo "${cmd[*]:1}" | sed "s#$tmp#<tmp>#" >"$tmp/$v.cmd"
  results+=("$v")
done
wl=fixtures/torch-parity-weighted-learned
cmd=(node apps/cli/bin/dlrm.js train --arch-interaction-op dot --arch-sparse-feature-size 8 --arch-mlp-bot 13-16-8
  --arch-mlp-top 16-1 --arch-embedding-size "$(printf '100-%.0s' {1..25})100"
  --data-generation dataset --raw-data-file fixtures/criteo/kaggle-train-first10k.tsv --max-ind-range 100
  --multi-hot-sizes "$(printf '3,%.0s' {1..25})3" --mini-batch-size 32 --num-batches 15 --learning-rate 0.05
  --optimizer adagrad --loss-function bce --backend gaudi --weighted-pooling learned
  --load-model "$wl/init.safetensors" --save-model "$tmp/weighted-learned.safetensors")
"${cmd[@]}" >/dev/null
/usr/bin/python3 scripts/torch-roundtrip.py "$tmp/weighted-learned.safetensors" "$wl" --json "$tmp/weighted-learned.json"
echo "${cmd[*]:1}" | sed "s#$tmp#<tmp>#" >"$tmp/weighted-learned.cmd"
results+=(weighted-learned)
node -e '
const fs = require("node:fs");
const [dir, ...names] = process.argv.slice(1);
const out = {
  script: "bash scripts/torch-roundtrip-variants.sh",
  device: "host CPU (the gaudi backend native C++ path)",
  runs: names.map((n) => ({
    variant: n,
    train_command: fs.readFileSync(`${dir}/${n}.cmd`, "utf8").trim(),
    ...JSON.parse(fs.readFileSync(`${dir}/${n}.json`, "utf8")),
  })),
};
fs.writeFileSync("bench-results/torch-roundtrip-variants.json", JSON.stringify(out, null, 2) + "\n");
' "$tmp" "${results[@]}"
cat bench-results/torch-roundtrip-variants.json
