#!/usr/bin/python3
"""PyTorch round trip of our safetensors weights, run by hand where torch exists.

Builds shared/tools/torch_dlrm_ref.py's DLRM for a parity fixture's arguments, loads OURS
(written by `dlrm train --save-model`) with load_state_dict(strict=True), checks names,
shapes and dtypes, and prints the largest difference from the fixture's final weights.
OURS may be a training checkpoint (its optimizer state is checked against the parameters).
usage: /usr/bin/python3 scripts/torch-roundtrip.py OURS.safetensors fixtures/torch-parity-kaggle [--json OUT] [--load-only]
(--json OUT writes what was checked, for bench-results/; --load-only: OURS was trained on
other data than the fixture's, so only the strict load, names, shapes and dtypes are checked).
"""
import json, os, struct, sys
import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tools", "torch"))
import torch_dlrm_ref as ref  # noqa: E402


def load(path):
    raw = open(path, "rb").read()
    n = struct.unpack("<Q", raw[:8])[0]
    header, data = json.loads(raw[8:8 + n]), raw[8 + n:]
    return {k: torch.tensor(np.frombuffer(data[v["data_offsets"][0]:v["data_offsets"][1]], dtype="<f4").reshape(v["shape"]).copy())
            for k, v in header.items() if k != "__metadata__"}


def main():
    ours, fixture = sys.argv[1], sys.argv[2]
    args = json.load(open(os.path.join(fixture, "losses.json")))["args"]
    # Fixtures made before the tool grew a flag lack its key: the tool's defaults fill them.
    defaults = dict(itself=False, table_rows=None, qr_flag=False, qr_threshold=200, qr_operation="mult",
                    qr_collisions=4, md_flag=False, md_threshold=200, md_temperature=0.3, md_round_dims=False,
                    weighted_pooling=None, activation_function='relu')
    ns = type("Args", (), {**defaults, **args})
    model = ref.DLRM(ns, 26)
    tensors = load(ours)
    # A training checkpoint also holds optimizer.<param>.sum (torch Adagrad's state name).
    weights = {k: v for k, v in tensors.items() if not k.startswith("optimizer.")}
    sums = {k[len("optimizer."):-len(".sum")]: v for k, v in tensors.items() if k.startswith("optimizer.")}
    for name, acc in sums.items():
        assert name in weights and acc.shape[0] == weights[name].shape[0], name
    if sums:
        print(f"{len(sums)} Adagrad accumulators (optimizer.<param>.sum) match their parameters")
    loaded = model.load_state_dict(weights, strict=True)
    print(loaded)
    for name, value in model.state_dict().items():
        assert value.dtype == torch.float32 and list(value.shape) == list(weights[name].shape), name
    worst = None
    if "--load-only" in sys.argv:
        print("names, shapes and dtypes match")
    else:
        final = load(os.path.join(fixture, "final.safetensors"))
        worst = max(float((weights[k] - final[k]).abs().max()) for k in final)
        print("names, shapes and dtypes match; max |ours - PyTorch final| =", worst)
    if "--json" in sys.argv:
        out = sys.argv[sys.argv.index("--json") + 1]
        result = {
            "what": "a dlrm train --save-model file loaded by PyTorch's load_state_dict(strict=True) into tools/torch/torch_dlrm_ref.py's model",
            "ours": os.path.basename(ours), "fixture": os.path.relpath(fixture, os.path.join(HERE, "..")),
            "strict_load": str(loaded), "tensors": len(weights), "adagrad_accumulators": len(sums),
            "max_abs_diff_from_pytorch_final": worst, "torch": torch.__version__,
        }
        with open(out, "w") as f:
            json.dump(result, f, indent=2)
            f.write("\n")


if __name__ == "__main__":
    main()
