#!/usr/bin/env python3
"""MLPerf DLRMv2's synthetic multi-hot lookup tables as torchrec_dlrm's multi_hot.py draws
them (numpy seed 0, per table in order: column 0 the row, then randint or pareto(0.25) cast
to int32 modulo rows), for a few small tables, as JSON: the fixture the TypeScript draws
are checked against (fixtures/multi-hot-ids.json). Usage: multi_hot_ids.py OUT.json"""
import json
import sys

import numpy as np

ROWS = [1000, 2000, 7, 3]
SIZES = [3, 5, 2, 4]


def tables(dist):
    np.random.seed(0)
    out = []
    for rows, k in zip(ROWS, SIZES):
        ids = np.arange(rows)[:, np.newaxis]
        if dist == "uniform":
            extra = np.random.randint(0, rows, size=(rows, k - 1))
        else:
            with np.errstate(invalid="ignore"):
                extra = np.random.pareto(a=0.25, size=(rows, k - 1)).astype(np.int32) % rows
        out.append(np.concatenate((ids, extra), axis=-1).astype(np.int64).reshape(-1).tolist())
    return out


if __name__ == "__main__":
    doc = {"numpy": np.__version__, "rows": ROWS, "sizes": SIZES, "seed": 0}
    doc["uniform"] = tables("uniform")
    doc["pareto"] = tables("pareto")
    with open(sys.argv[1], "w") as f:
        json.dump(doc, f, separators=(",", ":"))
