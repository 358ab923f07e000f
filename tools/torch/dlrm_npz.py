#!/usr/bin/python3
"""A processed .npz as dlrm's data_utils.py writes it (getCriteoAdData + processCriteoAdData +
concatCriteoAdData, Kaggle, sequential): from a raw Criteo TSV, X_int (N, 13) int32 with
missing -> 0 and negatives -> 0, X_cat (N, 26) int32 numbered per column in first-seen order
of int(hex,16) % R (convertDicts; missing -> 0), y (N,) int32 and counts (26,) int32 (each
column's number of values), saved with np.savez_compressed. Only numpy is needed.

usage: dlrm_npz.py TSV OUT.npz --max-ind-range R
"""
import argparse
import numpy as np


def main():
    p = argparse.ArgumentParser()
    p.add_argument('tsv'); p.add_argument('out')
    p.add_argument('--max-ind-range', type=int, required=True)
    a = p.parse_args()
    X_int, X_cat, y = [], [], []
    dicts = [{} for _ in range(26)]
    with open(a.tsv) as f:
        for line in f:
            t = [v if v not in ('', '\n') else '0' for v in line.rstrip('\n').split('\t')]
            y.append(int(t[0]))
            X_int.append([int(v) for v in t[1:14]])
            row = [int(v, 16) % a.max_ind_range for v in t[14:40]]
            for j, x in enumerate(row):
                dicts[j].setdefault(x, len(dicts[j]))
            X_cat.append(row)
    X_int = np.array(X_int, dtype=np.int32)
    X_int[X_int < 0] = 0
    X_cat = np.array([[dicts[j][x] for j, x in enumerate(r)] for r in X_cat], dtype=np.int32)
    counts = np.array([len(d) for d in dicts], dtype=np.int32)
    np.savez_compressed(a.out, X_cat=X_cat, X_int=X_int, y=np.array(y, dtype=np.int32), counts=counts)


if __name__ == '__main__':
    main()
