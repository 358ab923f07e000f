/**
 * Table pieces and whole tables on the host: cutting a rank's piece out of a whole table's
 * values (loading weights, optimizer state or seeded initial values) and writing pieces back
 * into whole tables (gathering a model that is spread over ranks).
 */
import type { TableShard } from "../parallel/shards.js";

/**
 * Piece `s` of a whole tensor of `rows` x `cols` floats, row-major. `cols` is the table's
 * width, or 1 for a row-wise accumulator (whose piece keeps every row's one column). Returns
 * `data` itself when the piece is the whole, a view for a row range, a copy for a column
 * range; `data` already of the piece's size is taken as the piece. Undefined when `data`
 * has neither size.
 */
export function pieceOf(data: Float32Array, rows: number, cols: number, s: TableShard): Float32Array | undefined {
  const c0 = cols === 1 ? 0 : s.colStart;
  const c1 = cols === 1 ? 1 : s.colEnd;
  const w = c1 - c0;
  const pieceSize = (s.rowEnd - s.rowStart) * w;
  if (data.length !== rows * cols) return data.length === pieceSize ? data : undefined;
  if (w === cols) return data.subarray(s.rowStart * cols, s.rowEnd * cols);
  const out = new Float32Array(pieceSize);
  for (let r = s.rowStart, at = 0; r < s.rowEnd; r++, at += w) out.set(data.subarray(r * cols + c0, r * cols + c1), at);
  return out;
}

/** Writes piece `s` (its values `piece`) into `whole` (rows x cols, row-major; cols 1 for a row-wise accumulator). */
export function placePiece(whole: Float32Array, cols: number, s: TableShard, piece: Float32Array): void {
  const c0 = cols === 1 ? 0 : s.colStart;
  const c1 = cols === 1 ? 1 : s.colEnd;
  const w = c1 - c0;
  if (w === cols) {
    whole.set(piece, s.rowStart * cols);
    return;
  }
  for (let r = s.rowStart, at = 0; r < s.rowEnd; r++, at += w) whole.set(piece.subarray(at, at + w), r * cols + c0);
}
