/**
 * Sparse optimizer steps on unique rows, one dispatch per table, and the fused
 * `embeddingBagsBackwardSparseStep` (gradient summed through the CSR map and applied in
 * the same invocation, as Habana's custom op). SGD and element-wise Adagrad: an invocation
 * per (slot, column); row-wise Adagrad: an invocation per slot (it needs the row's mean g^2).
 * Each row is touched by one invocation: no atomics, deterministic. A table (or accumulator)
 * split by rows gets one dispatch per row segment lying in one buffer of each; a slot whose row
 * is outside the segment returns, so every unique row is updated by exactly one dispatch.
 * WGSL entry points: sparseSgdStep, sparseAdagradStep, embeddingBagsBackwardSparseStep.
 */
import type { BackendOps, FusedOps, Tensor } from "@dlrm/core";
import { main1d, f32, storage, uniformStruct, type GpuContext } from "../context.js";
import type { Bound } from "../tensors.js";
import { dim, finite, tensorList } from "../tensors.js";
import { CSR_GRAD, bindSparse, bindTable, partsOf, type BoundTable, type TablePart } from "./sparse-common.js";

type Args<K extends keyof BackendOps> = Parameters<BackendOps[K]>[0];
type FusedArgs = Parameters<NonNullable<FusedOps["embeddingBagsBackwardSparseStep"]>>[0];

/** Which update, and where the gradient comes from. */
interface Spec {
  readonly kind: "sgd" | "adagrad" | "rowwise";
  /** true: sum dPooled over the CSR bags (fused); false: read dRows. */
  readonly fused: boolean;
}

/** Binding names in order for a spec. */
function bindingNames(s: Spec): string[] {
  const names = ["table", "rows_u", "tuo", "drows"];
  if (s.kind !== "sgd") names.push("acc");
  if (s.fused) names.push("dpooled", "csr_off", "csr_bags");
  return names;
}

/** The op a spec implements, which names its WGSL entry point. */
function entryPoint(s: Spec): string {
  return s.fused ? "embeddingBagsBackwardSparseStep" : s.kind === "sgd" ? "sparseSgdStep" : "sparseAdagradStep";
}

function wgsl(s: Spec): string {
  const decls = bindingNames(s).map((n, i) => storage(i + 1, n, n === "rows_u" || n === "tuo" || n.startsWith("csr") ? "i32" : "f32")).join("");
  const header = `// sparse step ${JSON.stringify(s)}
${uniformStruct(["b: u32", "d: u32", "nt: u32", "t: u32", "lo: u32", "hi: u32", "tf: u32", "af: u32", "cap: u32", "lr: f32", "eps: f32"])}${decls}${s.fused ? CSR_GRAD : ""}${main1d(entryPoint(s))}`;
  const grad = (j: string): string => (s.fused ? `csr_grad(u, ${j}, p.t)` : `drows[uu * p.d + ${j}]`);
  if (s.kind === "rowwise") {
    const first = s.fused
      ? `    let g = csr_grad(u, j, p.t);\n    drows[uu * p.d + j] = g;\n`
      : `    let g = drows[uu * p.d + j];\n`;
    return `${header}
  if (i >= p.cap) { return; }
  let u = tuo[p.t] + i32(i);
  if (u >= tuo[p.t + 1u]) { return; }
  let uu = u32(u);
  let r = u32(rows_u[u]);
  if (r < p.lo || r >= p.hi) { return; }
  let tr = r - p.tf;
  var sq = 0.0;
  for (var j = 0u; j < p.d; j++) {
${first}    sq += g * g;
  }
  let a = acc[r - p.af] + sq / f32(p.d);
  acc[r - p.af] = a;
  let denom = sqrt(a) + p.eps;
  for (var j = 0u; j < p.d; j++) {
    table[tr * p.d + j] -= p.lr * drows[uu * p.d + j] / denom;
  }
}
`;
  }
  const update = s.kind === "sgd"
    ? `  table[w] -= p.lr * g;\n`
    : `  let aw = (r - p.af) * p.d + j;\n  let a = acc[aw] + g * g;\n  acc[aw] = a;\n  table[w] -= p.lr * g / (sqrt(a) + p.eps);\n`;
  return `${header}
  if (i >= p.cap * p.d) { return; }
  let u = tuo[p.t] + i32(i / p.d);
  let j = i % p.d;
  if (u >= tuo[p.t + 1u]) { return; }
  let uu = u32(u);
  let r = u32(rows_u[u]);
  if (r < p.lo || r >= p.hi) { return; }
  let w = (r - p.tf) * p.d + j;
  let g = ${grad("j")};
${update}}
`;
}

/** Everything one sparse step needs, validated. */
interface StepPlan {
  readonly spec: Spec;
  readonly tables: readonly BoundTable[];
  readonly accs: readonly (readonly TablePart[])[] | undefined;
  readonly rowsU: Bound;
  readonly tuo: Bound;
  readonly dRows: Bound;
  readonly fusedInputs: readonly Bound[];
  readonly uMax: number;
  readonly B: number;
  readonly D: number;
  readonly lr: number;
  readonly eps: number;
}

/** Each table's accumulator as row parts (a row is dim elements, or one for row-wise Adagrad). */
function bindAccs(ctx: GpuContext, op: string, accs: readonly Tensor[] | undefined, tables: readonly BoundTable[], D: number, rowWise: boolean): TablePart[][] {
  const width = rowWise ? 1 : D;
  return tensorList(op, "accs", accs, tables.length).map((a, i) =>
    partsOf(op, `accs[${i}]`, ctx.tensors.chunks(a, op, `accs[${i}]`, "f32", tables[i]!.rows * width), width),
  );
}

/** A row range [lo, hi) lying in one table part and (when there are accumulators) one acc part. */
interface Segment {
  readonly lo: number;
  readonly hi: number;
  readonly table: TablePart;
  readonly acc: TablePart | undefined;
}

/** The table's rows cut at every buffer boundary of the table and of its accumulator. */
function segments(table: BoundTable, acc: readonly TablePart[] | undefined): Segment[] {
  const out: Segment[] = [];
  for (const tp of table.parts) {
    const end = tp.firstRow + tp.rows;
    let lo = tp.firstRow;
    while (lo < end) {
      const ap = acc?.find((p) => p.firstRow <= lo && lo < p.firstRow + p.rows);
      const hi = ap === undefined ? end : Math.min(end, ap.firstRow + ap.rows);
      out.push({ lo, hi, table: tp, acc: ap });
      lo = hi;
    }
  }
  return out;
}

/** Records one dispatch per table (per row segment of a split table). */
function run(ctx: GpuContext, plan: StepPlan): void {
  const { spec, D } = plan;
  const T = plan.tables.length;
  const kernel = ctx.pipelines.kernel(`${entryPoint(spec)}:${spec.kind}`, bindingNames(spec).length, () => wgsl(spec));
  plan.tables.forEach((table, t) => {
    const cap = Math.min(table.rows, plan.uMax);
    for (const seg of segments(table, plan.accs?.[t])) {
      const buffers: Bound[] = [seg.table.bound, plan.rowsU, plan.tuo, plan.dRows];
      if (plan.accs !== undefined) {
        if (seg.acc === undefined) throw new Error(`sparse step: table ${t} rows ${seg.lo}..${seg.hi} have no accumulator buffer`);
        buffers.push(seg.acc.bound);
      }
      buffers.push(...plan.fusedInputs);
      const uniforms = [plan.B, D, T, t, seg.lo, seg.hi, seg.table.firstRow, seg.acc?.firstRow ?? 0, cap, f32(plan.lr), f32(plan.eps)];
      ctx.rec.dispatch1d(kernel, buffers, uniforms, spec.kind === "rowwise" ? cap : cap * D);
    }
  });
  ctx.rec.endOp();
}

/** tables[t][uniqueRows[u], j] -= lr * dRows[u, j] for the slots of table t; in place. */
export function sparseSgdStep(ctx: GpuContext, args: Args<"sparseSgdStep">): void {
  const op = "sparseSgdStep";
  const D = dim(op, "dim", args.dim, 1);
  const T = dim(op, "numTables", args.numTables);
  const lr = finite(op, "lr", args.lr);
  const tables = tensorList(op, "tables", args.tables, T).map((t, i) => bindTable(ctx, op, `tables[${i}]`, t, D));
  const sp = bindSparse(ctx, op, args.sparse, T, 0);
  const dRows = ctx.tensors.bind(args.dRows, op, "dRows", "f32", 0);
  const uMax = Math.min(sp.uMax, Math.floor(args.dRows.size / D));
  run(ctx, { spec: { kind: "sgd", fused: false }, tables, accs: undefined, rowsU: sp.uniqueRows, tuo: sp.tableUniqueOffsets, dRows, fusedInputs: [], uMax, B: 0, D, lr, eps: 0 });
}

/** Sparse Adagrad on the unique rows, element-wise or row-wise (contract formulas); in place. */
export function sparseAdagradStep(ctx: GpuContext, args: Args<"sparseAdagradStep">): void {
  const op = "sparseAdagradStep";
  const D = dim(op, "dim", args.dim, 1);
  const T = dim(op, "numTables", args.numTables);
  const lr = finite(op, "lr", args.lr);
  const eps = finite(op, "eps", args.eps);
  const tables = tensorList(op, "tables", args.tables, T).map((t, i) => bindTable(ctx, op, `tables[${i}]`, t, D));
  const accs = bindAccs(ctx, op, args.accs, tables, D, args.rowWise);
  const sp = bindSparse(ctx, op, args.sparse, T, 0);
  const dRows = ctx.tensors.bind(args.dRows, op, "dRows", "f32", 0);
  const uMax = Math.min(sp.uMax, Math.floor(args.dRows.size / D));
  const kind = args.rowWise ? "rowwise" : "adagrad";
  run(ctx, { spec: { kind, fused: false }, tables, accs, rowsU: sp.uniqueRows, tuo: sp.tableUniqueOffsets, dRows, fusedInputs: [], uMax, B: 0, D, lr, eps });
}

/** Backward through the CSR map and the sparse update in one pass per table; dRows is scratch. */
export function embeddingBagsBackwardSparseStep(ctx: GpuContext, args: FusedArgs): void {
  const op = "embeddingBagsBackwardSparseStep";
  const B = dim(op, "batchSize", args.batchSize);
  const D = dim(op, "dim", args.dim, 1);
  const T = dim(op, "numTables", args.numTables);
  const lr = finite(op, "lr", args.lr);
  const eps = args.accs === undefined ? 0 : finite(op, "eps", args.eps);
  const tables = tensorList(op, "tables", args.tables, T).map((t, i) => bindTable(ctx, op, `tables[${i}]`, t, D));
  const accs = args.accs === undefined ? undefined : bindAccs(ctx, op, args.accs, tables, D, args.rowWise);
  const sp = bindSparse(ctx, op, args.sparse, T, B);
  const dPooled = ctx.tensors.bind(args.dPooled, op, "dPooled", "f32", B * T * D);
  const dRows = ctx.tensors.bind(args.dRows, op, "dRows", "f32", 0);
  const uMax = Math.min(sp.uMax, Math.floor(args.dRows.size / D));
  const kind = accs === undefined ? "sgd" : args.rowWise ? "rowwise" : "adagrad";
  run(ctx, {
    spec: { kind, fused: true }, tables, accs, rowsU: sp.uniqueRows, tuo: sp.tableUniqueOffsets, dRows,
    fusedInputs: [dPooled, sp.csrOffsets, sp.csrBags], uMax, B, D, lr, eps,
  });
}
