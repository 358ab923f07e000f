"""PyTorch's row-wise embedding prepacking (FBGEMM's fused 8-bit and 4-bit formats) of a
seeded float32 table, written as JSON: the table, and the bytes that
torch.ops.quantized.embedding_bag_byte_prepack and embedding_bag_4bit_prepack make of it.
The TypeScript quantizer (apps/cli/src/quantize/rowwise.ts) must give the same bytes.

Usage: /usr/bin/python3 tools/torch/rowwise_prepack.py OUT.json [--rows 48 --dim 16 --seed 7]
"""
import argparse
import json

import numpy as np
import torch


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("--rows", type=int, default=48)
    p.add_argument("--dim", type=int, default=16)
    p.add_argument("--seed", type=int, default=7)
    a = p.parse_args()
    rng = np.random.RandomState(a.seed)
    w = rng.uniform(-0.3, 0.3, size=(a.rows, a.dim)).astype(np.float32)
    # Edge rows: constant, one outlier, tiny values, large values, exact ties on the grid.
    w[0, :] = 0.25
    w[1, :] = 0.0
    w[1, 3] = 5.0
    w[2, :] *= 1e-6
    w[3, :] *= 1e3
    w[4, :] = np.arange(a.dim, dtype=np.float32) / 2.0
    t = torch.from_numpy(w)
    b8 = torch.ops.quantized.embedding_bag_byte_prepack(t).numpy()
    b4 = torch.ops.quantized.embedding_bag_4bit_prepack(t).numpy()
    out = {
        "torch": torch.__version__,
        "rows": a.rows,
        "dim": a.dim,
        "seed": a.seed,
        "weights": [float(x) for x in w.reshape(-1)],
        "byte_prepack_hex": b8.tobytes().hex(),
        "nbit4_prepack_hex": b4.tobytes().hex(),
    }
    with open(a.out, "w") as f:
        json.dump(out, f)
        f.write("\n")


if __name__ == "__main__":
    main()
