#!/usr/bin/env python3
"""pandas' C parser on a raw Criteo file, timed beside `dlrm bench --preprocess`.

Two measurements of the same file, each the median of --runs after one warm-up:
  read_csv: pd.read_csv(sep="\\t", header=None, engine="c") alone;
  full:     read_csv, then the work dlrm preprocess does: missing dense -> 0, dense
            log(max(x, 0) + 1) as float32, missing categorical -> 0, categorical
            int(hex, 16) % --max-ind-range as int32.
Prints one JSON object: rows, bytes, pandas version, seconds per run and medians.
"""
import argparse, json, os, statistics, time
import numpy as np
import pandas as pd

DENSE = [f"I{i}" for i in range(1, 14)]
SPARSE = [f"C{i}" for i in range(1, 27)]
NAMES = ["label"] + DENSE + SPARSE


def read(path):
    dtypes = {"label": np.int32, **{c: np.float64 for c in DENSE}, **{c: str for c in SPARSE}}
    return pd.read_csv(path, sep="\t", header=None, names=NAMES, dtype=dtypes, engine="c")


def full(path, max_ind_range):
    df = read(path)
    dense = np.log(np.maximum(df[DENSE].fillna(0).to_numpy(), 0) + 1).astype(np.float32)
    cats = np.empty((len(df), len(SPARSE)), dtype=np.int32)
    for j, c in enumerate(SPARSE):
        h = df[c].fillna("0").map(lambda s: int(s, 16)).to_numpy(dtype=np.int64)
        cats[:, j] = h % max_ind_range
    return df["label"].to_numpy(), dense, cats


def timed(fn, runs):
    fn()
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("path")
    p.add_argument("--max-ind-range", type=int, default=10_000_000)
    p.add_argument("--runs", type=int, default=3)
    a = p.parse_args()
    rows = len(read(a.path))
    rc = timed(lambda: read(a.path), a.runs)
    fu = timed(lambda: full(a.path, a.max_ind_range), a.runs)
    print(json.dumps({
        "rows": rows,
        "bytes": os.path.getsize(a.path),
        "pandas": pd.__version__,
        "numpy": np.__version__,
        "readCsvSeconds": rc,
        "fullSeconds": fu,
        "readCsvMedianSeconds": statistics.median(rc),
        "fullMedianSeconds": statistics.median(fu),
    }))


if __name__ == "__main__":
    main()
