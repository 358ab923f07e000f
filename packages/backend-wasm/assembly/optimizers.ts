/**
 * Optimizer steps, in place: dense SGD and Adagrad (torch.optim.Adagrad: acc += g^2;
 * p -= lr * g / (sqrt(acc) + eps)), the fused multi-tensor Adagrad, sparse SGD/Adagrad on
 * unique rows (element-wise or row-wise accumulators), and the fused embedding-bags
 * backward + sparse step, one pass per unique row. Sparse kernels return a status code.
 */
import {
  OK, BAD_TABLE_UNIQUE_OFFSETS, BAD_UNIQUE_ROW, tablePtr, tableRows, tableAcc, at32,
} from "./sparse-checks";
import { gatherUniqueGrad, uniqueRangeOk } from "./embedding-bags";

/** Dense SGD: param[i] -= lr * grad[i]. */
export function sgdStep(param: usize, grad: usize, lr: f32, size: i32): void {
  const vlr = f32x4.splat(lr);
  let i = 0;
  for (; i + 4 <= size; i += 4) {
    const at = param + <usize>i * 4;
    v128.store(at, f32x4.sub(v128.load(at), f32x4.mul(vlr, v128.load(grad + <usize>i * 4))));
  }
  for (; i < size; i++) {
    const at = param + <usize>i * 4;
    store<f32>(at, load<f32>(at) - lr * load<f32>(grad + <usize>i * 4));
  }
}

/** Dense Adagrad: acc[i] += grad[i]^2; param[i] -= lr * grad[i] / (sqrt(acc[i]) + eps). */
export function adagradStep(param: usize, grad: usize, acc: usize, lr: f32, eps: f32, size: i32): void {
  const vlr = f32x4.splat(lr);
  const veps = f32x4.splat(eps);
  let i = 0;
  for (; i + 4 <= size; i += 4) {
    const off = <usize>i * 4;
    const g = v128.load(grad + off);
    const s = f32x4.add(v128.load(acc + off), f32x4.mul(g, g));
    v128.store(acc + off, s);
    const step = f32x4.div(f32x4.mul(vlr, g), f32x4.add(f32x4.sqrt(s), veps));
    v128.store(param + off, f32x4.sub(v128.load(param + off), step));
  }
  for (; i < size; i++) {
    const off = <usize>i * 4;
    const g = load<f32>(grad + off);
    const s = load<f32>(acc + off) + g * g;
    store<f32>(acc + off, s);
    store<f32>(param + off, load<f32>(param + off) - (lr * g) / (sqrt<f32>(s) + eps));
  }
}

/** Bytes per fused-Adagrad descriptor: i32 param, grad, acc pointers and i32 size. */
const FUSED_DESC_BYTES: usize = 16;

/** `adagradStep` on each of `count` tensors described at `desc` (param, grad, acc, size). */
export function fusedAdagradStep(desc: usize, count: i32, lr: f32, eps: f32): void {
  for (let i = 0; i < count; i++) {
    const d = desc + <usize>i * FUSED_DESC_BYTES;
    adagradStep(<usize>load<u32>(d), <usize>load<u32>(d, 4), <usize>load<u32>(d, 8), lr, eps, load<i32>(d, 12));
  }
}

/**
 * Applies gradient g (D) to row r of table t: SGD (mode 0), element-wise Adagrad (mode 1,
 * acc row r of D), or row-wise Adagrad (mode 2, acc[r] += mean_j g[j]^2).
 */
function updateRow(w: usize, acc: usize, r: i32, g: usize, dim: i32, lr: f32, eps: f32, mode: i32): void {
  const row = w + <usize>r * <usize>dim * 4;
  if (mode == 0) {
    sgdStep(row, g, lr, dim);
  } else if (mode == 1) {
    adagradStep(row, g, acc + <usize>r * <usize>dim * 4, lr, eps, dim);
  } else {
    let sq: f32 = 0;
    for (let j = 0; j < dim; j++) {
      const gj = load<f32>(g + <usize>j * 4);
      sq += gj * gj;
    }
    const at = acc + <usize>r * 4;
    const s: f32 = load<f32>(at) + sq / <f32>dim;
    store<f32>(at, s);
    const denom: f32 = sqrt<f32>(s) + eps;
    for (let j = 0; j < dim; j++) {
      const wj = row + <usize>j * 4;
      store<f32>(wj, load<f32>(wj) - (lr * load<f32>(g + <usize>j * 4)) / denom);
    }
  }
}

/**
 * Sparse step on unique rows, in place: for each table t and unique slot u of t,
 * row uniqueRows[u] of table t is updated with g = dRows[u] (mode as `updateRow`).
 */
export function sparseStep(
  tables: usize, numTables: i32, uniqueRows: usize, tableUniqueOffsets: usize, uniqueMax: i32,
  dRows: usize, lr: f32, eps: f32, dim: i32, mode: i32,
): i32 {
  for (let t = 0; t < numTables; t++) {
    if (!uniqueRangeOk(tableUniqueOffsets, t, uniqueMax)) return BAD_TABLE_UNIQUE_OFFSETS;
    const rows = tableRows(tables, t);
    const hi = at32(tableUniqueOffsets, t + 1);
    for (let u = at32(tableUniqueOffsets, t); u < hi; u++) {
      const r = at32(uniqueRows, u);
      if (r < 0 || r >= rows) return BAD_UNIQUE_ROW;
      updateRow(tablePtr(tables, t), tableAcc(tables, t), r, dRows + <usize>u * <usize>dim * 4, dim, lr, eps, mode);
    }
  }
  return OK;
}

/** Sparse SGD: tables[t][uniqueRows[u], j] -= lr * dRows[u, j]. */
export function sparseSgdStep(
  tables: usize, numTables: i32, uniqueRows: usize, tableUniqueOffsets: usize, uniqueMax: i32,
  dRows: usize, lr: f32, dim: i32,
): i32 {
  return sparseStep(tables, numTables, uniqueRows, tableUniqueOffsets, uniqueMax, dRows, lr, 0, dim, 0);
}

/** Sparse Adagrad, element-wise (rowWise = 0) or row-wise (rowWise != 0), on unique rows. */
export function sparseAdagradStep(
  tables: usize, numTables: i32, uniqueRows: usize, tableUniqueOffsets: usize, uniqueMax: i32,
  dRows: usize, lr: f32, eps: f32, dim: i32, rowWise: i32,
): i32 {
  return sparseStep(tables, numTables, uniqueRows, tableUniqueOffsets, uniqueMax, dRows, lr, eps, dim, rowWise != 0 ? 2 : 1);
}

/**
 * Embedding-bags backward fused with the sparse step, one pass per unique row u of table t:
 * g = sum over bags b in csr(u) of dPooled[b, t*D ..] (into dRows[u], scratch), then the
 * row uniqueRows[u] is updated (mode 0 SGD, 1 element-wise Adagrad, 2 row-wise Adagrad).
 */
export function embeddingBagsBackwardSparseStep(
  dPooled: usize, tables: usize, numTables: i32, uniqueRows: usize, tableUniqueOffsets: usize, uniqueMax: i32,
  csrOffsets: usize, csrBags: usize, nnzMax: i32, dRows: usize,
  lr: f32, eps: f32, batch: i32, dim: i32, mode: i32,
): i32 {
  for (let t = 0; t < numTables; t++) {
    if (!uniqueRangeOk(tableUniqueOffsets, t, uniqueMax)) return BAD_TABLE_UNIQUE_OFFSETS;
    const rows = tableRows(tables, t);
    const hi = at32(tableUniqueOffsets, t + 1);
    for (let u = at32(tableUniqueOffsets, t); u < hi; u++) {
      const r = at32(uniqueRows, u);
      if (r < 0 || r >= rows) return BAD_UNIQUE_ROW;
      const g = dRows + <usize>u * <usize>dim * 4;
      const status = gatherUniqueGrad(g, dPooled, t, u, csrOffsets, csrBags, nnzMax, batch, dim, numTables);
      if (status != OK) return status;
      updateRow(tablePtr(tables, t), tableAcc(tables, t), r, g, dim, lr, eps, mode);
    }
  }
  return OK;
}
