/**
 * Argument rules of the embedding-bag ops and the sparse batch they read (contract in
 * backend.ts, SparseBatchTensors): batchSize B >= 0, dim D >= 1, numTables T >= 0; every
 * table f32 of rows x D; the sparse fields i32 with offsets >= T*B + 1, tableUniqueOffsets
 * >= T + 1, csrOffsets >= Umax + 1 (Umax = uniqueRows.size); dRows >= Umax x D; dPooled and
 * pooled >= B*T*D. What the fields hold (offsets non-decreasing, indices in range, ...) is
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

export const sparseSpecs = {
  /** tables (T = tables.length), sparse.indices, sparse.offsets >= T*B + 1, pooled >= B*T*D. */
  embeddingBagsForward(c: ArgCheck): void {
    const b = c.dim("batchSize"),
      d = c.dim("dim", 1);
    const t = c.tables("tables", d).length;
    c.sparse("indices", 0);
    c.sparse("offsets", t * b + 1);
    c.f32({ pooled: b * t * d });
  },

  /** dPooled >= B*T*D, the unique-slot and CSR fields, dRows >= Umax x D. */
  embeddingBagsBackward(c: ArgCheck): void {
    const b = c.dim("batchSize"),
      d = c.dim("dim", 1),
      t = c.dim("numTables");
    c.f32({ dPooled: b * t * d, dRows: uniqueFields(c, t, true) * d });
  },
};
