#!/usr/bin/python3
"""PyTorch's test AUC after one pass over a raw Criteo Kaggle-format file, for comparing
`dlrm train`'s test AUC on the same rows.

The model, init and multi-hot bags are torch_dlrm_ref.py's (dlrm / TorchRec semantics);
the splits are dlrm's Kaggle days: the file is cut into 7 days of floor(n/7) lines (the
first n mod 7 one longer), training reads every day but the last in file order in
consecutive batches (a partial last batch is dropped), and the test split is the last
day's first half. Prints one JSON line: auc, log loss, rows, per-window losses.

usage: torch_dlrm_auc.py TSV [torch_dlrm_ref.py's model flags: --bot --top --dim --rows
       --op --dcn-layers --dcn-rank --multi-hot --batch --lr --opt --seed] [--out FILE]
"""
import json, os, sys
import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_dlrm_ref as ref  # noqa: E402

DAYS = 7


def split_rows(n):
    per, extras = divmod(n, DAYS)
    days = [per + (1 if d < extras else 0) for d in range(DAYS)]
    last_start = n - days[-1]
    return (0, last_start), (last_start, last_start + days[-1] // 2)


def exact_auc(p, y):
    """ROC AUC with tied scores counted half (the Mann-Whitney statistic)."""
    order = np.argsort(p, kind='mergesort')
    ps, ys = p[order], y[order]
    ranks = np.empty(len(ps))
    i = 0
    while i < len(ps):
        j = i
        while j + 1 < len(ps) and ps[j + 1] == ps[i]:
            j += 1
        ranks[i:j + 1] = (i + j) / 2 + 1
        i = j + 1
    pos = ys == 1
    n1, n0 = pos.sum(), (~pos).sum()
    return float((ranks[pos].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def bags(C, sl, tabs, sizes):
    T = C.shape[1]
    if tabs is None:
        n = sl.stop - sl.start
        return [torch.tensor(C[sl, k]) for k in range(T)], [torch.arange(n) for _ in range(T)]
    n = sl.stop - sl.start
    idx = [torch.from_numpy(tabs[k][C[sl, k]].reshape(-1)) for k in range(T)]
    return idx, [torch.arange(n) * sizes[k] for k in range(T)]


def main():
    out = None
    argv = sys.argv[1:]
    if '--out' in argv:
        i = argv.index('--out')
        out = argv[i + 1]
        argv = argv[:i] + argv[i + 2:]
    sys.argv = [sys.argv[0], argv[0], os.devnull] + argv[1:]
    a = ref.parse_args()
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    X, C, y = ref.read_criteo(a.tsv, 1 << 62, a.rows)
    (tr0, tr1), (te0, te1) = split_rows(len(y))
    T = C.shape[1]
    tabs, sizes = None, None
    if a.multi_hot is not None:
        sizes = ref.multi_hot_sizes(a.multi_hot, T)
        tabs = ref.multi_hot_tables(sizes, a.rows, a.multi_hot_seed)
    model = ref.DLRM(a, T)
    opt = (torch.optim.Adagrad if a.opt == 'adagrad' else torch.optim.SGD)(model.parameters(), lr=a.lr)
    lossf = torch.nn.BCELoss()
    losses = []
    for s in range((tr1 - tr0) // a.batch):
        sl = slice(tr0 + s * a.batch, tr0 + (s + 1) * a.batch)
        idx, offs = bags(C, sl, tabs, sizes)
        loss = lossf(model(torch.tensor(X[sl]), idx, offs), torch.tensor(y[sl]).view(-1, 1))
        opt.zero_grad(); loss.backward(); opt.step()
        losses.append(float(loss))
    with torch.no_grad():
        sl = slice(te0, te1)
        idx, offs = bags(C, sl, tabs, sizes)
        p = model(torch.tensor(X[sl]), idx, offs).view(-1).numpy().astype(np.float64)
    yt = y[te0:te1].astype(np.float64)
    pc = np.clip(p, 1e-7, 1 - 1e-7)
    res = {
        'auc': exact_auc(p, yt),
        'log_loss': float(-np.mean(yt * np.log(pc) + (1 - yt) * np.log(1 - pc))),
        'accuracy': float(np.mean(np.round(p) == yt)),
        'train_rows': [tr0, tr1], 'test_rows': [te0, te1], 'steps': len(losses),
        'mean_train_loss': float(np.mean(losses)), 'torch': torch.__version__,
    }
    line = json.dumps(res)
    print(line)
    if out:
        with open(out, 'w') as f:
            f.write(line + '\n')


if __name__ == '__main__':
    main()
