/**
 * Argument rules of the embedding-bag ops and the sparse batch they read (contract in
 * backend.ts, SparseBatchTensors): batchSize B >= 0, dim D >= 1, numTables T >= 0; every
 * table f32 of rows x D; the sparse fields i32 with offsets >= T*B + 1, tableUniqueOffsets
 * >= T + 1, csrOffsets >= Umax + 1 (Umax = uniqueRows.size); dRows >= Umax x D; dPooled and
 * pooled >= B*T*D; the optional rowWeights T f32 tensors of rows_t elements each, and in the
 * backward dRowWeights >= Umax. What the fields hold (offsets non-decreasing, indices in range, ...) is
 * checked where the batch is made and by each kernel: see sparse-faults.ts.
 */
import type { ArgCheck } from "./check.js";

/** The unique-slot fields (uniqueRows, tableUniqueOffsets, and with `csr` the CSR map); returns Umax. */
export function uniqueFields(c: ArgCheck, numTables: number, csr: boolean): number {
  const uMax = c.sparse("uniqueRows", 0).size;
  c.sparse("tableUniqueOffsets", numTables + 1);
  if (csr) {
    c.sparse("csrOffsets", uMax + 1);
    c.sparse("csrBags", 0);
  }
  return uMax;
}

/** The optional `rowWeights` (T f32 tensors, tableRows[t] elements each), when present. */
function rowWeights(c: ArgCheck, tableRows: readonly number[]): void {
  if (c.get("rowWeights") === undefined) return;
  c.list("rowWeights", tableRows.length).forEach((w, i) => {
    const n = `rowWeights[${i}]`;
    const t = c.tensor(n, "f32", 0, w);
    if (t.size !== tableRows[i])
      throw new RangeError(`${c.op}: argument "${n}" has ${t.size} elements, table ${i} has ${tableRows[i]} rows`);
  });
}

export const sparseSpecs = {
  /** tables (T = tables.length), sparse.indices, sparse.offsets >= T*B + 1, pooled >= B*T*D. */
  embeddingBagsForward(c: ArgCheck): void {
    const b = c.dim("batchSize"),
      d = c.dim("dim", 1);
    const rows = c.tables("tables", d);
    const t = rows.length;
    c.sparse("indices", 0);
    c.sparse("offsets", t * b + 1);
    c.f32({ pooled: b * t * d });
    rowWeights(c, rows);
  },

  /**
   * dPooled >= B*T*D, the unique-slot and CSR fields, dRows >= Umax x D; rowWeights, tables
   * (T of rows x D) and dRowWeights >= Umax all three or none.
   */
  embeddingBagsBackward(c: ArgCheck): void {
    const b = c.dim("batchSize"),
      d = c.dim("dim", 1),
      t = c.dim("numTables");
    const uMax = uniqueFields(c, t, true);
    c.f32({ dPooled: b * t * d, dRows: uMax * d });
    const weighted = ["rowWeights", "tables", "dRowWeights"];
    const missing = weighted.filter((n) => c.get(n) === undefined);
    if (missing.length === weighted.length) return;
    if (missing.length > 0)
      throw new TypeError(
        `${c.op}: argument "${missing[0]}" is missing (rowWeights, tables and dRowWeights come together)`,
      );
    rowWeights(c, c.tables("tables", d, t));
    c.f32({ dRowWeights: uMax });
  },
};
