/**
 * `gemm` and the fused `linearForward` (gemm + bias + activation in the store epilogue).
 * C (M x N) = alpha * op(A) * op(B) + beta * C, all four transpose cases, beta = 0 ignoring
 * NaN in C. Variants (selectable for benchmarking):
 * - "tiled": 64x64 output block per 16x16 workgroup, 4x4 outputs per invocation held in
 *   registers, 64x16 / 16x64 shared-memory tiles, vec4 global loads where the contiguous
 *   dimension is a multiple of 4 (the default).
 * - "blocked": no shared memory or barriers; each invocation keeps a 4x4 block of C in
 *   registers and reads 4x4 blocks of A and B straight from memory (vec4 where aligned,
 *   transposed in registers). Fastest on CPU Vulkan drivers (lavapipe), where barriers and
 *   shared-memory gathers are expensive. The default variant is the backend's (`GpuContext`).
 * - "naive16": the textbook 16x16 shared-memory tiling, one output per invocation (baseline).
 * Each output sums k = 0..K-1 in order in f32: deterministic. WGSL entry point: gemm.
 * bf16 precision rounds every A and B element to bf16 as it is loaded (a pipeline variant).
 */
import type { Activation, BackendOps, FusedOps } from "@dlrm/core";
import { BF16_WGSL } from "./bf16.js";
import { SIGMOID_WGSL } from "./sigmoid.js";
import { f32, storage, uniformStruct, type GpuContext } from "../context.js";
import type { Bound } from "../tensors.js";

type GemmArgs = Parameters<BackendOps["gemm"]>[0];
type LinearArgs = Parameters<NonNullable<FusedOps["linearForward"]>>[0];

/** GEMM kernel variants. */
export type GemmVariant = "blocked" | "tiled" | "naive16";
export const GEMM_VARIANTS: readonly GemmVariant[] = ["blocked", "tiled", "naive16"];

/** Epilogue after alpha * sum (+ beta * C): none, or + bias[n] then the activation (linear). */
type Epilogue = "none" | `bias-${Activation}`;

/** Everything a GEMM pipeline is specialised on. */
interface Spec {
  readonly variant: GemmVariant;
  readonly transA: boolean;
  readonly transB: boolean;
  /** A / B read as vec4 (the contiguous dimension is a multiple of 4). */
  readonly vecA: boolean;
  readonly vecB: boolean;
  readonly epilogue: Epilogue;
  /** Operands rounded to bf16 on load. */
  readonly bf16: boolean;
}

const UNIFORMS = uniformStruct(["m: u32", "n: u32", "k: u32", "alpha: f32", "beta: f32"]);

/** The store of one output element v at (row, col), with beta and the epilogue. */
function storeExpr(e: Epilogue): string {
  const bias = e === "none" ? "" : "    v = v + bias[col];\n";
  const act = e === "bias-relu" ? "    v = max(v, 0.0);\n" : e === "bias-sigmoid" ? "    v = sigmoid_of(v);\n" : "";
  return `    let idx = row * p.n + col;
    var v = p.alpha * s;
    if (p.beta != 0.0) { v = v + p.beta * c[idx]; }
${bias}${act}    c[idx] = v;
`;
}

function bindings(s: Spec): string {
  const bias = s.epilogue === "none" ? "" : storage(4, "bias", "f32");
  return `${UNIFORMS}${storage(1, "a", s.vecA ? "vec4<f32>" : "f32")}${storage(2, "b", s.vecB ? "vec4<f32>" : "f32")}${storage(3, "c", "f32")}${bias}${s.bf16 ? BF16_WGSL : ""}${s.epilogue === "bias-sigmoid" ? SIGMOID_WGSL : ""}`;
}

/** Wraps a loaded scalar expression in the bf16 rounding when the spec asks for it. */
function rounded(s: Spec, expr: string): string {
  return s.bf16 ? `round_bf16(${expr})` : expr;
}

/**
 * Loads of 4 consecutive elements along the contiguous dimension of A or B into a shared
 * tile, zero outside the matrix. `major`/`minor` are the stored row and column of the first
 * element, `rows`/`cols` the stored shape, `put(q)` the shared-memory index of element q.
 */
function load4(
  name: string,
  vec: boolean,
  major: string,
  minor: string,
  rows: string,
  cols: string,
  tile: string,
  put: (q: number) => string,
  wrap: (expr: string) => string,
): string {
  if (vec) {
    return `    {
      var v = vec4<f32>(0.0);
      if (${major} < ${rows} && ${minor} < ${cols}) { v = ${name}[(${major} * ${cols} + ${minor}) / 4u]; }
${[0, 1, 2, 3].map((q) => `      ${tile}[${put(q)}] = ${wrap(`v[${q}]`)};`).join("\n")}
    }
`;
  }
  return [0, 1, 2, 3]
    .map(
      (q) => `    {
      var v = 0.0;
      if (${major} < ${rows} && ${minor} + ${q}u < ${cols}) { v = ${name}[${major} * ${cols} + ${minor} + ${q}u]; }
      ${tile}[${put(q)}] = ${wrap("v")};
    }
`,
    )
    .join("");
}

/** The register-blocked kernel: 64x64 block, BK = 16, 4x4 outputs per invocation. */
function tiledWgsl(s: Spec): string {
  const wrap = (expr: string): string => rounded(s, expr);
  // A tile ta[kk * 64 + m], B tile tb[kk * 64 + n], for kk < 16 and m, n < 64.
  const loadA = s.transA
    ? `    let ak = tid / 16u; let am = (tid % 16u) * 4u;\n    let gk = k0 + ak; let gm = row0 + am;\n` +
      load4("a", s.vecA, "gk", "gm", "p.k", "p.m", "ta", (q) => `ak * 64u + am + ${q}u`, wrap)
    : `    let am = tid / 4u; let ak = (tid % 4u) * 4u;\n    let gm = row0 + am; let gk = k0 + ak;\n` +
      load4("a", s.vecA, "gm", "gk", "p.m", "p.k", "ta", (q) => `(ak + ${q}u) * 64u + am`, wrap);
  const loadB = s.transB
    ? `    let bn = tid / 4u; let bk = (tid % 4u) * 4u;\n    let gn = col0 + bn; let gk2 = k0 + bk;\n` +
      load4("b", s.vecB, "gn", "gk2", "p.n", "p.k", "tb", (q) => `(bk + ${q}u) * 64u + bn`, wrap)
    : `    let bk = tid / 16u; let bn = (tid % 16u) * 4u;\n    let gk2 = k0 + bk; let gn = col0 + bn;\n` +
      load4("b", s.vecB, "gk2", "gn", "p.k", "p.n", "tb", (q) => `bk * 64u + bn + ${q}u`, wrap);
  return `// gemm tiled ${JSON.stringify(s)}
${bindings(s)}
var<workgroup> ta: array<f32, 1024>;
var<workgroup> tb: array<f32, 1024>;

@compute @workgroup_size(16, 16)
fn gemm(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>, @builtin(local_invocation_index) tid: u32) {
  let row0 = wid.y * 64u;
  let col0 = wid.x * 64u;
  var acc: array<vec4<f32>, 4>;
  for (var k0 = 0u; k0 < p.k; k0 += 16u) {
${loadA}${loadB}    workgroupBarrier();
    for (var kk = 0u; kk < 16u; kk++) {
      let ao = kk * 64u + lid.y * 4u;
      let bo = kk * 64u + lid.x * 4u;
      let bv = vec4<f32>(tb[bo], tb[bo + 1u], tb[bo + 2u], tb[bo + 3u]);
      acc[0] += ta[ao] * bv;
      acc[1] += ta[ao + 1u] * bv;
      acc[2] += ta[ao + 2u] * bv;
      acc[3] += ta[ao + 3u] * bv;
    }
    workgroupBarrier();
  }
  for (var i = 0u; i < 4u; i++) {
    let row = row0 + lid.y * 4u + i;
    if (row >= p.m) { break; }
    for (var q = 0u; q < 4u; q++) {
      let col = col0 + lid.x * 4u + q;
      if (col >= p.n) { break; }
      let s = acc[i][q];
${storeExpr(s.epilogue)}    }
  }
}
`;
}

/**
 * The register-blocked kernel without shared memory: an 8x8 workgroup covers a 32x32 block
 * of C; per step of 4 along k an invocation loads a 4x4 block of op(A) (ar[r] over k) and of
 * op(B) (br[kk] over n) and does 16 vec4 FMAs, k in order.
 */
function blockedWgsl(s: Spec): string {
  // Scalar element of op(A) at (r, k) and of op(B) at (k, c), zero outside.
  const aAt = s.transA ? "a[k * p.m + r]" : "a[r * p.k + k]";
  const bAt = s.transB ? "b[c * p.k + k]" : "b[k * p.n + c]";
  const aScalar = `fn a_at(r: u32, k: u32) -> f32 { if (r < p.m && k < p.k) { return ${s.vecA ? "0.0" : aAt}; } return 0.0; }\n`;
  const bScalar = `fn b_at(k: u32, c: u32) -> f32 { if (c < p.n && k < p.k) { return ${s.vecB ? "0.0" : bAt}; } return 0.0; }\n`;
  // ar[r] = op(A)[r0 + r, k0 .. k0+3]
  let loadA: string;
  if (s.vecA && !s.transA) {
    loadA =
      [0, 1, 2, 3]
        .map(
          (r) =>
            `    var a${r} = vec4<f32>(0.0); if (r0 + ${r}u < p.m && k0 < p.k) { a${r} = a[((r0 + ${r}u) * p.k + k0) / 4u]; }`,
        )
        .join("\n") + "\n    let ar = array<vec4<f32>, 4>(a0, a1, a2, a3);\n";
  } else if (s.vecA && s.transA) {
    loadA =
      [0, 1, 2, 3]
        .map(
          (q) =>
            `    var a${q} = vec4<f32>(0.0); if (r0 < p.m && k0 + ${q}u < p.k) { a${q} = a[((k0 + ${q}u) * p.m + r0) / 4u]; }`,
        )
        .join("\n") +
      "\n    let at = transpose(mat4x4<f32>(a0, a1, a2, a3));\n    let ar = array<vec4<f32>, 4>(at[0], at[1], at[2], at[3]);\n";
  } else {
    loadA =
      "    let ar = array<vec4<f32>, 4>(" +
      [0, 1, 2, 3]
        .map((r) => `vec4<f32>(${[0, 1, 2, 3].map((q) => `a_at(r0 + ${r}u, k0 + ${q}u)`).join(", ")})`)
        .join(", ") +
      ");\n";
  }
  // br[kk] = op(B)[k0 + kk, c0 .. c0+3]
  let loadB: string;
  if (s.vecB && !s.transB) {
    loadB =
      [0, 1, 2, 3]
        .map(
          (q) =>
            `    var b${q} = vec4<f32>(0.0); if (c0 < p.n && k0 + ${q}u < p.k) { b${q} = b[((k0 + ${q}u) * p.n + c0) / 4u]; }`,
        )
        .join("\n") + "\n    let br = array<vec4<f32>, 4>(b0, b1, b2, b3);\n";
  } else if (s.vecB && s.transB) {
    loadB =
      [0, 1, 2, 3]
        .map(
          (c) =>
            `    var b${c} = vec4<f32>(0.0); if (c0 + ${c}u < p.n && k0 < p.k) { b${c} = b[((c0 + ${c}u) * p.k + k0) / 4u]; }`,
        )
        .join("\n") +
      "\n    let bt = transpose(mat4x4<f32>(b0, b1, b2, b3));\n    let br = array<vec4<f32>, 4>(bt[0], bt[1], bt[2], bt[3]);\n";
  } else {
    loadB =
      "    let br = array<vec4<f32>, 4>(" +
      [0, 1, 2, 3]
        .map((q) => `vec4<f32>(${[0, 1, 2, 3].map((c) => `b_at(k0 + ${q}u, c0 + ${c}u)`).join(", ")})`)
        .join(", ") +
      ");\n";
  }
  if (s.bf16) {
    loadA =
      loadA.replace("let ar = ", "let ar_raw = ") +
      "    let ar = array<vec4<f32>, 4>(round_bf16v4(ar_raw[0]), round_bf16v4(ar_raw[1]), round_bf16v4(ar_raw[2]), round_bf16v4(ar_raw[3]));\n";
    loadB =
      loadB.replace("let br = ", "let br_raw = ") +
      "    let br = array<vec4<f32>, 4>(round_bf16v4(br_raw[0]), round_bf16v4(br_raw[1]), round_bf16v4(br_raw[2]), round_bf16v4(br_raw[3]));\n";
  }
  return `// gemm blocked ${JSON.stringify(s)}
${bindings(s)}${aScalar}${bScalar}
@compute @workgroup_size(8, 8)
fn gemm(@builtin(global_invocation_id) gid: vec3<u32>) {
  let r0 = gid.y * 4u;
  let c0 = gid.x * 4u;
  if (r0 >= p.m || c0 >= p.n) { return; }
  var acc = array<vec4<f32>, 4>(vec4<f32>(0.0), vec4<f32>(0.0), vec4<f32>(0.0), vec4<f32>(0.0));
  for (var k0 = 0u; k0 < p.k; k0 += 4u) {
${loadA}${loadB}    for (var r = 0u; r < 4u; r++) {
      var v = acc[r];
      v = fma(vec4<f32>(ar[r].x), br[0], v);
      v = fma(vec4<f32>(ar[r].y), br[1], v);
      v = fma(vec4<f32>(ar[r].z), br[2], v);
      v = fma(vec4<f32>(ar[r].w), br[3], v);
      acc[r] = v;
    }
  }
  for (var i = 0u; i < 4u; i++) {
    let row = r0 + i;
    if (row >= p.m) { break; }
    for (var q = 0u; q < 4u; q++) {
      let col = c0 + q;
      if (col >= p.n) { break; }
      let s = acc[i][q];
${storeExpr(s.epilogue)}    }
  }
}
`;
}

/** The 16x16-tiled baseline: one output per invocation, scalar loads. */
function naiveWgsl(s: Spec): string {
  const aAt = s.transA ? "a[gk * p.m + row]" : "a[row * p.k + gk]";
  const bAt = s.transB ? "b[col * p.k + gk]" : "b[gk * p.n + col]";
  const gkA = "k0 + lid.x";
  const gkB = "k0 + lid.y";
  return `// gemm naive16 ${JSON.stringify(s)}
${bindings(s)}
var<workgroup> ta: array<f32, 256>;
var<workgroup> tb: array<f32, 256>;

@compute @workgroup_size(16, 16)
fn gemm(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let row = gid.y;
  let col = gid.x;
  var s = 0.0;
  for (var k0 = 0u; k0 < p.k; k0 += 16u) {
    {
      let gk = ${gkA};
      var v = 0.0;
      if (row < p.m && gk < p.k) { v = ${rounded(s, aAt)}; }
      ta[lid.y * 16u + lid.x] = v;
    }
    {
      let gk = ${gkB};
      var v = 0.0;
      if (col < p.n && gk < p.k) { v = ${rounded(s, bAt)}; }
      tb[lid.y * 16u + lid.x] = v;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < 16u; kk++) { s += ta[lid.y * 16u + kk] * tb[kk * 16u + lid.x]; }
    workgroupBarrier();
  }
  if (row < p.m && col < p.n) {
${storeExpr(s.epilogue)}  }
}
`;
}

/** Records one GEMM dispatch (validated arguments). */
function dispatchGemm(
  ctx: GpuContext,
  spec: Omit<Spec, "vecA" | "vecB">,
  m: number,
  n: number,
  k: number,
  alpha: number,
  beta: number,
  buffers: Bound[],
): void {
  const vector = spec.variant !== "naive16";
  // Contiguous dimension of A: k (normal) or m (transposed); of B: n (normal) or k (transposed).
  const vecA = vector && (spec.transA ? m : k) % 4 === 0;
  const vecB = vector && (spec.transB ? k : n) % 4 === 0;
  const s: Spec = { ...spec, vecA, vecB };
  const key = `gemm:${s.variant}:${s.transA ? "t" : "n"}${s.transB ? "t" : "n"}:${vecA ? 4 : 1}${vecB ? 4 : 1}:${s.epilogue}${s.bf16 ? ":bf16" : ""}`;
  const make = { blocked: blockedWgsl, tiled: tiledWgsl, naive16: naiveWgsl }[s.variant];
  const kernel = ctx.pipelines.kernel(key, buffers.length, () => make(s));
  const block = { blocked: 32, tiled: 64, naive16: 16 }[s.variant];
  ctx.rec.dispatch(kernel, buffers, [m, n, k, f32(alpha), f32(beta)], Math.ceil(n / block), Math.ceil(m / block));
}

/** C = alpha op(A) op(B) + beta C with the chosen kernel variant. */
export function gemm(ctx: GpuContext, args: GemmArgs, variant: GemmVariant = ctx.gemmVariant): void {
  const op = "gemm";
  const bf16 = args.precision === "bf16";
  const { m, n, k, alpha, beta } = args;
  const [a, b, c] = ctx.tensors.bindArgs(op, args, "a", "b", "c");
  if (m === 0 || n === 0) return;
  dispatchGemm(
    ctx,
    { variant, transA: !!args.transA, transB: !!args.transB, epilogue: "none", bf16 },
    m,
    n,
    k,
    alpha,
    beta,
    [a, b, c],
  );
  ctx.rec.endOp();
}

/** y (B x N) = act(x (B x K) W^T + bias), W (N x K); overwrite. One dispatch. */
export function linearForward(ctx: GpuContext, args: LinearArgs): void {
  const op = "linearForward";
  const bf16 = args.precision === "bf16";
  const { batchSize: bsz, inFeatures: k, outFeatures: n } = args;
  const [x, w, bias, y] = ctx.tensors.bindArgs(op, args, "x", "weight", "bias", "y");
  if (bsz === 0 || n === 0) return;
  dispatchGemm(
    ctx,
    { variant: ctx.gemmVariant, transA: false, transB: true, epilogue: `bias-${args.activation}`, bf16 },
    bsz,
    n,
    k,
    1,
    0,
    [x, w, y, bias],
  );
  ctx.rec.endOp();
}
