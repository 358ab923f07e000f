/**
 * The bags of physical embedding tables from a batch's logical bags (host side, before the
 * unique-row preprocessing): a QR table's quotient and remainder pieces look up floor(i/c)
 * and i mod c; a piece with no source gets empty bags (pooling to zeros, never updated).
 * The logical input is validated first, so an index is refused against its logical table.
 */
import { validateSparseInput, type HostSparseInput } from "../data/sparse-batch.js";

/** Where a physical piece's bags come from: logical table `table`, index i looked up as row `row(i)`. */
export interface PieceSource {
  table: number;
  row: (i: number) => number;
}

/**
 * Bags of `pieces` (P*B, piece-major) from `input` (T*B logical bags, table-major): piece p's
 * bag b is logical bag (pieces[p].table, b) with every index i replaced by row(i), or empty
 * when pieces[p] is undefined.
 */
export function remapBags(
  input: HostSparseInput,
  logicalRows: readonly number[],
  batchSize: number,
  pieces: readonly (PieceSource | undefined)[],
): HostSparseInput {
  validateSparseInput(input, logicalRows, batchSize);
  const B = batchSize;
  let nnz = 0;
  for (const p of pieces) if (p !== undefined) nnz += input.offsets[(p.table + 1) * B]! - input.offsets[p.table * B]!;
  const indices = new Int32Array(nnz);
  const offsets = new Int32Array(pieces.length * B + 1);
  let at = 0;
  pieces.forEach((p, k) => {
    for (let b = 0; b < B; b++) {
      offsets[k * B + b] = at;
      if (p === undefined) continue;
      const end = input.offsets[p.table * B + b + 1]!;
      for (let i = input.offsets[p.table * B + b]!; i < end; i++) indices[at++] = p.row(input.indices[i]!);
    }
  });
  offsets[pieces.length * B] = at;
  return { indices, offsets };
}
