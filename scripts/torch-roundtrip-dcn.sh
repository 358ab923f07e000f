#!/usr/bin/env bash
# PyTorch loads a DLRMv2 (dcn, multi-hot) checkpoint written by `dlrm train --save-model`:
# trains the torch-parity-dcnv2-multihot fixture's 20 steps from its initial weights on the
# gaudi backend (host CPU), then scripts/torch-roundtrip.py loads the file strictly into
# PyTorch's model and writes bench-results/torch-roundtrip-dcn.json. Needs /usr/bin/python3 with torch.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
fixture=fixtures/torch-parity-dcnv2-multihot
train=(node apps/cli/bin/dlrm.js train --arch-interaction-op dcn --dcn-num-layers 3 --dcn-low-rank-dim 32
  --arch-sparse-feature-size 16 --arch-mlp-bot 13-64-16 --arch-mlp-top 64-32-1
  --data-generation dataset --raw-data-file fixtures/criteo/kaggle-train-first10k.tsv --max-ind-range 1000
  --multi-hot-sizes 3,2,1,2,6,1,1,1,1,6,3,6,1,6,6,5,1,1,1,6,6,6,6,3,1,1 --mini-batch-size 64 --num-batches 20
  --learning-rate 0.01 --optimizer adagrad --loss-function bce --backend gaudi
  --load-model "$fixture/init.safetensors" --save-model "$tmp/dcn-final.safetensors")
"${train[@]}" >/dev/null
/usr/bin/python3 scripts/torch-roundtrip.py "$tmp/dcn-final.safetensors" "$fixture" --json "$tmp/rt.json"
node -e '
const fs = require("node:fs");
const r = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
r.script = "bash scripts/torch-roundtrip-dcn.sh";
r.train_command = process.argv[2].replace(process.argv[3], "<tmp>");
r.device = "host CPU (the gaudi backend native C++ path)";
fs.writeFileSync("bench-results/torch-roundtrip-dcn.json", JSON.stringify(r, null, 2) + "\n");
' "$tmp/rt.json" "${train[*]:1}" "$tmp"
cat bench-results/torch-roundtrip-dcn.json
