/**
 * Sparse optimizer steps on unique rows, one dispatch per table, and the fused
 * `embeddingBagsBackwardSparseStep` (gradient summed through the CSR map and applied in
 * the same invocation, as Habana's custom op). SGD and element-wise Adagrad: an invocation
 * per (slot, column); row-wise Adagrad: an invocation per slot (it needs the row's mean g^2).
 * Each row is touched by one invocation: no atomics, deterministic. A table (or accumulator)
 * split by rows gets one dispatch per row segment lying in one buffer of each; a slot whose row
 * is outside the segment returns, so every unique row is updated by exactly one dispatch.
 * Bad unique offsets, rows or CSR entries are refused through the fault buffer (faults.ts): a
 * table's dispatch covers min(rows, Umax) slots, and its invocation 0 checks that no slot past
 * them holds a row outside the table (distinct rows of a table never number more than its rows).
 * WGSL entry points: sparseSgdStep, sparseAdagradStep, embeddingBagsBackwardSparseStep.
 */
import type { BackendOps, FusedOps, Tensor } from "@dlrm/core";
import { main1d, f32, storage, uniformStruct, type GpuContext } from "../context.js";
import { FAULT_WGSL } from "../faults.js";
import type { Bound } from "../tensors.js";
import {
  CHECK_TUO,
  CSR_GRAD,
  bindSparse,
  bindTable,
  faultSite,
  partsOf,
  uniqueFaultDetail,
  type BoundSparse,
  type BoundTable,
  type TablePart,
} from "./sparse-common.js";

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
  const names = bindingNames(s);
  const decls =
    names
      .map((n, i) => storage(i + 1, n, n === "rows_u" || n === "tuo" || n.startsWith("csr") ? "i32" : "f32"))
      .join("") + FAULT_WGSL(names.length + 1);
  const fields = [
    "b: u32",
    "d: u32",
    "nt: u32",
    "t: u32",
    "lo: u32",
    "hi: u32",
    "tf: u32",
    "af: u32",
    "cap: u32",
    "lr: f32",
    "eps: f32",
    "rows: u32",
    "umax: u32",
    "ncsr: u32",
    "seq: u32",
  ];
  const header = `// sparse step ${JSON.stringify(s)}
${uniformStruct(fields)}${decls}${s.fused ? CSR_GRAD : ""}${CHECK_TUO}${CHECK_SLOTS}${main1d(entryPoint(s))}
  if (i == 0u) { check_tuo(); check_slots(); }`;
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
  if (rows_u[u] < 0 || u32(rows_u[u]) >= p.rows) { fault(2u, uu); return; }
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
  const update =
    s.kind === "sgd"
      ? `  table[w] -= p.lr * g;\n`
      : `  let aw = (r - p.af) * p.d + j;\n  let a = acc[aw] + g * g;\n  acc[aw] = a;\n  table[w] -= p.lr * g / (sqrt(a) + p.eps);\n`;
  return `${header}
  if (i >= p.cap * p.d) { return; }
  let u = tuo[p.t] + i32(i / p.d);
  let j = i % p.d;
  if (u >= tuo[p.t + 1u]) { return; }
  let uu = u32(u);
  if (rows_u[u] < 0 || u32(rows_u[u]) >= p.rows) { if (j == 0u) { fault(2u, uu); } return; }
  let r = u32(rows_u[u]);
  if (r < p.lo || r >= p.hi) { return; }
  let w = (r - p.tf) * p.d + j;
  let g = ${grad("j")};
${update}}
`;
}

/** WGSL: the slots of table p.t past the dispatch (p.cap of them) must hold rows of the table. */
const CHECK_SLOTS = `fn check_slots() {
  for (var u = tuo[p.t] + i32(p.cap); u < tuo[p.t + 1u] && u < i32(p.umax); u++) {
    if (rows_u[u] < 0 || u32(rows_u[u]) >= p.rows) { fault(2u, u32(u)); }
  }
}
`;

/** Everything one sparse step needs, validated. */
interface StepPlan {
  readonly op: string;
  readonly spec: Spec;
  readonly tables: readonly BoundTable[];
  readonly accs: readonly (readonly TablePart[])[] | undefined;
  readonly sp: BoundSparse;
  readonly ncsr: number;
  readonly dRows: Bound;
  readonly fusedInputs: readonly Bound[];
  readonly B: number;
  readonly D: number;
  readonly lr: number;
  readonly eps: number;
}

/** Each table's accumulator as row parts (a row is dim elements, or one for row-wise Adagrad). */
function bindAccs(ctx: GpuContext, op: string, accs: readonly Tensor[], D: number, rowWise: boolean): TablePart[][] {
  const width = rowWise ? 1 : D;
  return accs.map((a, i) => partsOf(op, `accs[${i}]`, ctx.tensors.chunks(a, op, `accs[${i}]`), width));
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
  const { spec, D, sp } = plan;
  const T = plan.tables.length;
  const seq = faultSite(ctx, {
    op: plan.op,
    rows: plan.tables.map((t) => t.rows),
    capacity: sp.uMax,
    batchSize: plan.B,
  });
  const kernel = ctx.pipelines.kernel(`${entryPoint(spec)}:${spec.kind}`, bindingNames(spec).length + 1, () =>
    wgsl(spec),
  );
  plan.tables.forEach((table, t) => {
    const cap = Math.min(table.rows, sp.uMax);
    for (const seg of segments(table, plan.accs?.[t])) {
      const buffers: Bound[] = [seg.table.bound, sp.uniqueRows, sp.tableUniqueOffsets, plan.dRows];
      if (plan.accs !== undefined) {
        if (seg.acc === undefined)
          throw new Error(`sparse step: table ${t} rows ${seg.lo}..${seg.hi} have no accumulator buffer`);
        buffers.push(seg.acc.bound);
      }
      buffers.push(...plan.fusedInputs, ctx.faults.bound);
      const uniforms = [
        plan.B,
        D,
        T,
        t,
        seg.lo,
        seg.hi,
        seg.table.firstRow,
        seg.acc?.firstRow ?? 0,
        cap,
        f32(plan.lr),
        f32(plan.eps),
        table.rows,
        sp.uMax,
        plan.ncsr,
        seq,
      ];
      ctx.rec.dispatch1d(kernel, buffers, uniforms, Math.max(1, spec.kind === "rowwise" ? cap : cap * D));
    }
  });
  uniqueFaultDetail(ctx, sp, plan.B, T, plan.ncsr, spec.fused, seq);
  ctx.rec.endOp();
}

/** tables[t][uniqueRows[u], j] -= lr * dRows[u, j] for the slots of table t; in place. */
export function sparseSgdStep(ctx: GpuContext, args: Args<"sparseSgdStep">): void {
  const op = "sparseSgdStep";
  const { dim: D, lr } = args;
  const tables = args.tables.map((t, i) => bindTable(ctx, op, `tables[${i}]`, t, D));
  const dRows = ctx.tensors.bind(args.dRows, op, "dRows");
  run(ctx, {
    op,
    spec: { kind: "sgd", fused: false },
    tables,
    accs: undefined,
    sp: bindSparse(ctx, op, args.sparse),
    ncsr: 0,
    dRows,
    fusedInputs: [],
    B: 0,
    D,
    lr,
    eps: 0,
  });
}

/** Sparse Adagrad on the unique rows, element-wise or row-wise (contract formulas); in place. */
export function sparseAdagradStep(ctx: GpuContext, args: Args<"sparseAdagradStep">): void {
  const op = "sparseAdagradStep";
  const { dim: D, lr, eps } = args;
  const tables = args.tables.map((t, i) => bindTable(ctx, op, `tables[${i}]`, t, D));
  const accs = bindAccs(ctx, op, args.accs, D, args.rowWise);
  const dRows = ctx.tensors.bind(args.dRows, op, "dRows");
  const kind = args.rowWise ? "rowwise" : "adagrad";
  run(ctx, {
    op,
    spec: { kind, fused: false },
    tables,
    accs,
    sp: bindSparse(ctx, op, args.sparse),
    ncsr: 0,
    dRows,
    fusedInputs: [],
    B: 0,
    D,
    lr,
    eps,
  });
}

/** Backward through the CSR map and the sparse update in one pass per table; dRows is scratch. */
export function embeddingBagsBackwardSparseStep(ctx: GpuContext, args: FusedArgs): void {
  const op = "embeddingBagsBackwardSparseStep";
  const { batchSize: B, dim: D, lr } = args;
  const eps = args.accs === undefined ? 0 : args.eps;
  const tables = args.tables.map((t, i) => bindTable(ctx, op, `tables[${i}]`, t, D));
  const accs = args.accs === undefined ? undefined : bindAccs(ctx, op, args.accs, D, args.rowWise);
  const sp = bindSparse(ctx, op, args.sparse);
  const [dPooled, dRows] = ctx.tensors.bindArgs(op, args, "dPooled", "dRows");
  const kind = accs === undefined ? "sgd" : args.rowWise ? "rowwise" : "adagrad";
  run(ctx, {
    op,
    spec: { kind, fused: true },
    tables,
    accs,
    sp,
    ncsr: args.sparse.csrBags.size,
    dRows,
    fusedInputs: [dPooled, sp.csrOffsets, sp.csrBags],
    B,
    D,
    lr,
    eps,
  });
}
