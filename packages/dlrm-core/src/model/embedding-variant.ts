/**
 * facebookresearch/dlrm's compressed embeddings as data: quotient-remainder tables
 * (`--qr-flag`, tricks/qr_embedding_bag.py) and mixed-dimension tables (`--md-flag`,
 * tricks/md_embedding_bag.py with md_solver). Says which physical tables each logical table
 * becomes, with their dlrm state_dict names, shapes and initial distributions; the model
 * layers in qr-embedding.ts and md-embedding.ts run them.
 */

/** How QR combines a bag's quotient and remainder embeddings (`--qr-operation`). */
export type QrOperation = "mult" | "add" | "concat";

/**
 * Quotient-remainder: a table of n > `threshold` rows becomes weight_q (ceil(n/c) x D) and
 * weight_r (c x D), c = `collisions`; index i looks up row floor(i/c) of weight_q and i mod c
 * of weight_r, each bag sum-pooled, then combined: q * r, q + r, or cat(q, r) (2D wide).
 */
export interface QrVariant {
  kind: "qr";
  threshold: number;
  operation: QrOperation;
  collisions: number;
}

/**
 * Mixed dimension: md_solver gives table t a width d_t (dlrm's alpha power rule with
 * alpha = `temperature`, the smallest table D wide, rounded to a power of two when
 * `roundDims`); a table of n > `threshold` rows becomes embs (n x d_t) and, when d_t < D,
 * proj, a bias-free Linear d_t -> D (weight D x d_t): e = proj(sum of embs rows).
 */
export interface MdVariant {
  kind: "md";
  threshold: number;
  temperature: number;
  roundDims: boolean;
}

export type EmbeddingVariant = QrVariant | MdVariant;

/** What a logical table becomes: dlrm's plain EmbeddingBag, a QR pair, or an MD table (with a projection when narrower than D). */
export type TableLayout =
  | { kind: "plain"; rows: number }
  | { kind: "qr"; rows: number; quotientRows: number; collisions: number }
  | { kind: "md"; rows: number; width: number; projected: boolean };

/** Round half to even, as torch.round. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * dlrm's md_solver with d0 = D: sorted by rows n_0 <= n_1 <= .., d_i = D (n_0 / n_i)^alpha
 * (float32 as torch), the smallest table D, every other at least 1, rounded half to even,
 * then 2^round(log2 d) when `roundDims`. Returns the widths in table order.
 */
export function mdDims(tableRows: readonly number[], alpha: number, dim: number, roundDims: boolean): number[] {
  const f = Math.fround;
  const order = tableRows.map((n, t) => [n, t] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const lamb = f(dim * f(Math.pow(order[0]![0], alpha)));
  const out = new Array<number>(tableRows.length);
  order.forEach(([n, t], i) => {
    let d = i === 0 ? dim : f(lamb * f(Math.pow(n, -alpha)));
    if (i > 0 && d < 1) d = 1;
    d = roundHalfEven(d);
    if (roundDims) d = 2 ** roundHalfEven(f(Math.log2(d)));
    out[t] = d;
  });
  return out;
}

/** Each logical table's layout under `variant` (every table plain without one). */
export function tableLayouts(tableRows: readonly number[], dim: number, variant?: EmbeddingVariant): TableLayout[] {
  if (variant === undefined) return tableRows.map((rows) => ({ kind: "plain", rows }));
  if (variant.kind === "qr") {
    const c = variant.collisions;
    return tableRows.map((rows) =>
      rows > variant.threshold
        ? { kind: "qr", rows, quotientRows: Math.ceil(rows / c), collisions: c }
        : { kind: "plain", rows },
    );
  }
  const dims = mdDims(tableRows, variant.temperature, dim, variant.roundDims);
  return tableRows.map((rows, t) =>
    rows > variant.threshold
      ? { kind: "md", rows, width: dims[t]!, projected: dims[t]! < dim }
      : { kind: "plain", rows },
  );
}

/** Width of each pooled embedding the interaction sees: 2D for QR concat, else D. */
export function pooledWidth(dim: number, variant?: EmbeddingVariant): number {
  return variant?.kind === "qr" && variant.operation === "concat" ? 2 * dim : dim;
}

/** One physical embedding parameter: its state_dict name, shape, and uniform bounds of its initial values. */
export interface PhysicalTableSpec {
  table: number;
  name: string;
  shape: [number, number];
  /** "table": a sparse embedding table; "proj": an MD projection (a dense weight). */
  role: "table" | "proj";
  bound: [number, number];
}

/**
 * The physical parameters of every logical table, in dlrm's state_dict order: emb_l.<t>.weight
 * (plain, uniform +-sqrt(1/n)); emb_l.<t>.weight_q and weight_r (QR, uniform(sqrt(1/n), 1) as
 * dlrm's QREmbeddingBag); emb_l.<t>.embs.weight (MD, uniform +-sqrt(1/n)) then
 * emb_l.<t>.proj.weight (D x d_t, uniform +-sqrt(6/(d_t + D)), xavier uniform).
 */
export function physicalTableSpecs(
  tableRows: readonly number[],
  dim: number,
  variant?: EmbeddingVariant,
): PhysicalTableSpec[] {
  const out: PhysicalTableSpec[] = [];
  tableLayouts(tableRows, dim, variant).forEach((l, t) => {
    const s = Math.sqrt(1 / l.rows);
    const p = `emb_l.${t}`;
    if (l.kind === "plain")
      out.push({ table: t, name: `${p}.weight`, shape: [l.rows, dim], role: "table", bound: [-s, s] });
    else if (l.kind === "qr") {
      out.push({ table: t, name: `${p}.weight_q`, shape: [l.quotientRows, dim], role: "table", bound: [s, 1] });
      out.push({ table: t, name: `${p}.weight_r`, shape: [l.collisions, dim], role: "table", bound: [s, 1] });
    } else {
      out.push({ table: t, name: `${p}.embs.weight`, shape: [l.rows, l.width], role: "table", bound: [-s, s] });
      const b = Math.sqrt(6 / (l.width + dim));
      if (l.projected)
        out.push({ table: t, name: `${p}.proj.weight`, shape: [dim, l.width], role: "proj", bound: [-b, b] });
    }
  });
  return out;
}
