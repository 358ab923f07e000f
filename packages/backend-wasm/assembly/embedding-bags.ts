/**
 * Embedding bags (mode sum) for all T tables in one call, and the gradient per unique row
 * driven by the host-built CSR inverse map (deterministic, no atomics). Layouts are those
 * of `SparseBatchTensors` in core's backend.ts; tables come as descriptors (sparse-checks.ts).
 * Each kernel returns a status code; every device-side index is range-checked before use.
 */
import { OK, BAD_OFFSETS, BAD_INDEX, BAD_TABLE_UNIQUE_OFFSETS, BAD_CSR_OFFSETS, BAD_CSR_BAGS, BAD_UNIQUE_ROW, tablePtr, tableRows, tableAcc, at32, zeroRow, addRow, addScaledRow, scaleRow, dotRow } from "./sparse-checks";

/**
 * Overwrite pooled (B x T*D): pooled[b, t*D + j] = sum over i in bag (t, b) of
 * w_t[indices[i]] * table_t[indices[i], j]; bag (t, b) = indices[offsets[t*B+b] .. offsets[t*B+b+1]).
 * weighted != 0: w_t is the row-weight vector in descriptor t's third word; else w_t = 1.
 */
export function embeddingBagsForward(
  tables: usize, numTables: i32, indices: usize, nnzMax: i32, offsets: usize, pooled: usize, batch: i32, dim: i32,
  weighted: i32,
): i32 {
  if (at32(offsets, 0) != 0) return BAD_OFFSETS;
  for (let t = 0; t < numTables; t++) {
    const w = tablePtr(tables, t);
    const rows = tableRows(tables, t);
    const rw = tableAcc(tables, t);
    for (let b = 0; b < batch; b++) {
      const lo = at32(offsets, t * batch + b);
      const hi = at32(offsets, t * batch + b + 1);
      if (lo < 0 || hi < lo || hi > nnzMax) return BAD_OFFSETS;
      const out = pooled + (<usize>b * <usize>numTables + <usize>t) * <usize>dim * 4;
      zeroRow(out, dim);
      for (let i = lo; i < hi; i++) {
        const r = at32(indices, i);
        if (r < 0 || r >= rows) return BAD_INDEX;
        if (weighted != 0) addScaledRow(out, w + <usize>r * <usize>dim * 4, load<f32>(rw + <usize>r * 4), dim);
        else addRow(out, w + <usize>r * <usize>dim * 4, dim);
      }
    }
  }
  return OK;
}

/**
 * Sums the gradient of unique slot u of table t into out (D):
 * out[j] = sum over e in csrOffsets[u] .. csrOffsets[u+1] of dPooled[csrBags[e], t*D + j].
 */
export function gatherUniqueGrad(
  out: usize, dPooled: usize, t: i32, u: i32, csrOffsets: usize, csrBags: usize, nnzMax: i32,
  batch: i32, dim: i32, numTables: i32,
): i32 {
  const lo = at32(csrOffsets, u);
  const hi = at32(csrOffsets, u + 1);
  if (lo < 0 || hi < lo || hi > nnzMax) return BAD_CSR_OFFSETS;
  zeroRow(out, dim);
  for (let e = lo; e < hi; e++) {
    const b = at32(csrBags, e);
    if (b < 0 || b >= batch) return BAD_CSR_BAGS;
    addRow(out, dPooled + (<usize>b * <usize>numTables + <usize>t) * <usize>dim * 4, dim);
  }
  return OK;
}

/** Checks table t's unique slot range [tuo[t], tuo[t+1]) lies within [0, Umax] (and tuo[0] = 0). */
export function uniqueRangeOk(tableUniqueOffsets: usize, t: i32, uniqueMax: i32): bool {
  const lo = at32(tableUniqueOffsets, t);
  const hi = at32(tableUniqueOffsets, t + 1);
  return (t > 0 || lo == 0) && lo >= 0 && hi >= lo && hi <= uniqueMax;
}

/**
 * Overwrite dRows (Umax x D) for u < U: G[u, j] = sum over bags b in csr(u) of
 * dPooled[b, t(u)*D + j]; dRows[u] = G[u], or with row weights (tables != 0: descriptors of
 * the tables with their row-weight vectors in the third word) dRows[u] = w_t[r] G[u] and
 * dRowWeights[u] = G[u] . table_t[r], r = uniqueRows[u]. Rows u >= U are left untouched.
 */
export function embeddingBagsBackward(
  dPooled: usize, tableUniqueOffsets: usize, uniqueMax: i32, csrOffsets: usize, csrBags: usize, nnzMax: i32,
  dRows: usize, batch: i32, dim: i32, numTables: i32, tables: usize, uniqueRows: usize, dRowWeights: usize,
): i32 {
  for (let t = 0; t < numTables; t++) {
    if (!uniqueRangeOk(tableUniqueOffsets, t, uniqueMax)) return BAD_TABLE_UNIQUE_OFFSETS;
    const hi = at32(tableUniqueOffsets, t + 1);
    for (let u = at32(tableUniqueOffsets, t); u < hi; u++) {
      const out = dRows + <usize>u * <usize>dim * 4;
      const status = gatherUniqueGrad(out, dPooled, t, u, csrOffsets, csrBags, nnzMax, batch, dim, numTables);
      if (status != OK) return status;
      if (tables == 0) continue;
      const r = at32(uniqueRows, u);
      if (r < 0 || r >= tableRows(tables, t)) return BAD_UNIQUE_ROW;
      store<f32>(dRowWeights + <usize>u * 4, dotRow(out, tablePtr(tables, t) + <usize>r * <usize>dim * 4, dim));
      scaleRow(out, load<f32>(tableAcc(tables, t) + <usize>r * 4), dim);
    }
  }
  return OK;
}
