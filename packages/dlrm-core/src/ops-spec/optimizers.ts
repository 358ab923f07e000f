/**
 * Argument rules of the optimizer steps (contract in backend.ts). Dense: size >= 0, param,
 * grad (and acc) f32 >= size; lr and eps finite. Fused Adagrad: params, grads, accs arrays of
 * one length, grads[i] and accs[i] >= params[i].size. Sparse: dim D >= 1, numTables T, T tables
 * of rows x D (accs rows x D element-wise, rows x 1 row-wise), the unique-slot fields, dRows
 * >= Umax x D; the fused backward + step also takes dPooled >= B*T*D and the CSR map.
 */
import type { ArgCheck } from "./check.js";
import { uniqueFields } from "./sparse.js";

/** Accumulators `accs` of T tables with `rows` rows each: f32 >= rows x (rowWise ? 1 : D). */
function accs(c: ArgCheck, rows: readonly number[], dim: number, rowWise: boolean): void {
  c.list("accs", rows.length).forEach((a, i) => c.tensor(`accs[${i}]`, "f32", rows[i]! * (rowWise ? 1 : dim), a));
}

export const optimizerSpecs = {
  /** size; lr; param, grad >= size. */
  sgdStep(c: ArgCheck): void {
    const size = c.dim("size");
    c.finite("lr");
    c.f32({ param: size, grad: size });
  },

  /** size; lr, eps; param, grad, acc >= size. */
  adagradStep(c: ArgCheck): void {
    const size = c.dim("size");
    c.finites("lr", "eps");
    c.f32({ param: size, grad: size, acc: size });
  },

  /** params, grads, accs of one length; grads[i], accs[i] >= params[i].size; lr, eps. */
  fusedAdagradStep(c: ArgCheck): void {
    const params = c.list("params");
    const grads = c.list("grads", params.length, "params.length");
    const list = c.list("accs", params.length, "params.length");
    c.finites("lr", "eps");
    params.forEach((p, i) => {
      const param = c.tensor(`params[${i}]`, "f32", 0, p);
      c.tensor(`grads[${i}]`, "f32", param.size, grads[i]);
      c.tensor(`accs[${i}]`, "f32", param.size, list[i]);
    });
  },

  /** dim, numTables; lr; T tables; uniqueRows, tableUniqueOffsets; dRows. */
  sparseSgdStep(c: ArgCheck): void {
    const d = c.dim("dim", 1),
      t = c.dim("numTables");
    c.finite("lr");
    c.tables("tables", d, t);
    c.f32({ dRows: uniqueFields(c, t, false) * d });
  },

  /** As sparseSgdStep, plus eps, rowWise and T accumulators. */
  sparseAdagradStep(c: ArgCheck): void {
    const d = c.dim("dim", 1),
      t = c.dim("numTables");
    c.finites("lr", "eps");
    const rowWise = c.flag("rowWise");
    accs(c, c.tables("tables", d, t), d, rowWise);
    c.f32({ dRows: uniqueFields(c, t, false) * d });
  },

  /** batchSize; dPooled; tables (and accs when given, with eps and rowWise); the unique and CSR fields; dRows. */
  embeddingBagsBackwardSparseStep(c: ArgCheck): void {
    const b = c.dim("batchSize"),
      d = c.dim("dim", 1),
      t = c.dim("numTables");
    c.finite("lr");
    const rows = c.tables("tables", d, t);
    if (c.get("accs") !== undefined) {
      c.finite("eps");
      accs(c, rows, d, c.flag("rowWise"));
    }
    c.f32({ dPooled: b * t * d, dRows: uniqueFields(c, t, true) * d });
  },
};
