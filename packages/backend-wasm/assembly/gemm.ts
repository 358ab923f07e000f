/**
 * Register-blocked SGEMM for row-major matrices (the `gemm` and `linearForward` kernels).
 * C[i0:i1, j0:j1] = alpha * op(A) * op(B) + beta * C, blocked GotoBLAS/BLIS style:
 * panels of B (KC x NC) and A (MC x KC) are packed with the transposes folded into the
 * packing, then a 4 x 8 micro-kernel keeps a block of C in eight f32x4 accumulators.
 * Callers give each thread a disjoint output range; the K reduction is never split.
 * bf16 (mixed precision): each packed panel is rounded to bf16 in place after packing, so
 * the micro-kernel multiplies bf16 operands and accumulates in f32.
 */
import { roundPanelBf16 } from "./bf16";
import { sigmoidOf } from "./sigmoid";

/** linearForward's activation codes (the contract's "none", "relu", "sigmoid"). */
const ACT_NONE: i32 = 0;
const ACT_RELU: i32 = 1;
const ACT_SIGMOID: i32 = 2;

/** One output element's activation: identity, ReLU (f32 max: NaN stays NaN) or `sigmoidOf`. */
// @ts-ignore: decorator
@inline
function activate(v: f32, act: i32): f32 {
  if (act == ACT_RELU) return max<f32>(v, 0);
  if (act == ACT_SIGMOID) return sigmoidOf(v);
  return v;
}

/** Micro-tile rows (one broadcast A element per row). */
const MR: i32 = 4;
/** Micro-tile columns (two f32x4 vectors). */
const NR: i32 = 8;
/** K block: one A micro-panel (MR x KC) and one B micro-panel (KC x NR) stay in L1. */
const KC: i32 = 256;
/** M block: the packed A block (MC x KC floats, 128 KiB) stays in L2. */
const MC: i32 = 128;
/** N block: the packed B panel (KC x NC floats, 512 KiB) stays in L2/L3. */
const NC: i32 = 512;

const PACK_A_BYTES: usize = <usize>(MC * KC * 4);
const PACK_B_BYTES: usize = <usize>(KC * NC * 4);
const EDGE_BYTES: usize = <usize>(MR * NR * 4);

/** Bytes of per-thread scratch `gemm` needs: packed A block, packed B panel, edge tile. */
export function gemmScratchBytes(): i32 {
  return <i32>(PACK_A_BYTES + PACK_B_BYTES + EDGE_BYTES);
}

/**
 * Packs rows [i, i + mc) x k-range [pc, pc + kc) of op(A) into MR-row micro-panels:
 * dst[(panel * kc + p) * MR + r] = op(A)[i + panel*MR + r, pc + p], zero past row `mEnd`.
 * op(A)[i, k] = transA ? a[k * m + i] : a[i * lda + k] (A stored K x M when transposed).
 */
function packA(dst: usize, a: usize, m: i32, k: i32, transA: bool, i: i32, mc: i32, pc: i32, kc: i32): void {
  for (let ip = 0; ip < mc; ip += MR) {
    const rows = min(MR, mc - ip);
    const panel = dst + <usize>(ip * kc) * 4;
    const row0 = i + ip;
    if (transA) {
      for (let p = 0; p < kc; p++) {
        const src = a + (<usize>(pc + p) * <usize>m + <usize>row0) * 4;
        const out = panel + <usize>(p * MR) * 4;
        if (rows == MR) {
          v128.store(out, v128.load(src));
        } else {
          for (let r = 0; r < MR; r++) store<f32>(out + <usize>r * 4, r < rows ? load<f32>(src + <usize>r * 4) : 0);
        }
      }
    } else {
      for (let r = 0; r < MR; r++) {
        const out = panel + <usize>r * 4;
        if (r < rows) {
          const src = a + (<usize>(row0 + r) * <usize>k + <usize>pc) * 4;
          for (let p = 0; p < kc; p++) store<f32>(out + <usize>(p * MR) * 4, load<f32>(src + <usize>p * 4));
        } else {
          for (let p = 0; p < kc; p++) store<f32>(out + <usize>(p * MR) * 4, 0);
        }
      }
    }
  }
}

/**
 * Packs k-range [pc, pc + kc) x columns [j, j + nc) of op(B) into NR-column micro-panels:
 * dst[(panel * kc + p) * NR + c] = op(B)[pc + p, j + panel*NR + c], zero past the last column.
 * op(B)[k, j] = transB ? b[j * k + k'] : b[k * n + j] (B stored N x K when transposed).
 */
function packB(dst: usize, b: usize, n: i32, k: i32, transB: bool, j: i32, nc: i32, pc: i32, kc: i32): void {
  for (let jp = 0; jp < nc; jp += NR) {
    const cols = min(NR, nc - jp);
    const panel = dst + <usize>(jp * kc) * 4;
    const col0 = j + jp;
    if (transB) {
      for (let c = 0; c < NR; c++) {
        const out = panel + <usize>c * 4;
        if (c < cols) {
          const src = b + (<usize>(col0 + c) * <usize>k + <usize>pc) * 4;
          for (let p = 0; p < kc; p++) store<f32>(out + <usize>(p * NR) * 4, load<f32>(src + <usize>p * 4));
        } else {
          for (let p = 0; p < kc; p++) store<f32>(out + <usize>(p * NR) * 4, 0);
        }
      }
    } else {
      for (let p = 0; p < kc; p++) {
        const src = b + (<usize>(pc + p) * <usize>n + <usize>col0) * 4;
        const out = panel + <usize>(p * NR) * 4;
        if (cols == NR) {
          v128.store(out, v128.load(src));
          v128.store(out, v128.load(src, 16), 16);
        } else {
          for (let c = 0; c < NR; c++) store<f32>(out + <usize>c * 4, c < cols ? load<f32>(src + <usize>c * 4) : 0);
        }
      }
    }
  }
}

/**
 * Writes one row of 8 accumulated values to C: v = alpha * acc + beta * C (C not read when
 * beta = 0), then, on the last K block, + bias[col] and the activation (`act`: ACT_NONE, ACT_RELU or
 * ACT_SIGMOID). Vector path for full rows; the sigmoid is scalar (`sigmoidOf`).
 */
// @ts-ignore: decorator
@inline
function storeRow(cRow: usize, lo: v128, hi: v128, alpha: f32, beta: f32, bias: usize, act: i32): void {
  const va = f32x4.splat(alpha);
  let x = f32x4.mul(lo, va);
  let y = f32x4.mul(hi, va);
  if (beta != 0) {
    const vb = f32x4.splat(beta);
    x = f32x4.add(x, f32x4.mul(v128.load(cRow), vb));
    y = f32x4.add(y, f32x4.mul(v128.load(cRow, 16), vb));
  }
  if (bias != 0) {
    x = f32x4.add(x, v128.load(bias));
    y = f32x4.add(y, v128.load(bias, 16));
  }
  if (act == ACT_RELU) {
    const z = f32x4.splat(0);
    x = f32x4.max(x, z);
    y = f32x4.max(y, z);
  }
  v128.store(cRow, x);
  v128.store(cRow, y, 16);
  if (act == ACT_SIGMOID) {
    for (let q = 0; q < 8; q++) store<f32>(cRow + <usize>q * 4, sigmoidOf(load<f32>(cRow + <usize>q * 4)));
  }
}

/** Scalar twin of `storeRow` for edge tiles: the same f32 operations in the same order. */
function storeEdge(c: usize, ldc: usize, edge: usize, rows: i32, cols: i32, alpha: f32, beta: f32, bias: usize, act: i32): void {
  for (let r = 0; r < rows; r++) {
    const cRow = c + <usize>r * ldc;
    for (let q = 0; q < cols; q++) {
      const at = cRow + <usize>q * 4;
      let v: f32 = load<f32>(edge + <usize>(r * NR + q) * 4) * alpha;
      if (beta != 0) v = v + load<f32>(at) * beta;
      if (bias != 0) v = v + load<f32>(bias + <usize>q * 4);
      v = activate(v, act);
      store<f32>(at, v);
    }
  }
}

/**
 * The 4 x 8 micro-kernel: acc = sum over p < kc of pa[p, 0..3]^T * pb[p, 0..7] in eight
 * f32x4 registers, then stores a rows x cols corner of it to C (ldc in bytes).
 */
function microKernel(
  pa: usize, pb: usize, kc: i32, c: usize, ldc: usize, rows: i32, cols: i32,
  alpha: f32, beta: f32, bias: usize, act: i32, edge: usize,
): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  const end = pb + <usize>(kc * NR) * 4;
  while (pb < end) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    let a = v128.load32_splat(pa);
    c00 = f32x4.add(c00, f32x4.mul(a, b0));
    c01 = f32x4.add(c01, f32x4.mul(a, b1));
    a = v128.load32_splat(pa, 4);
    c10 = f32x4.add(c10, f32x4.mul(a, b0));
    c11 = f32x4.add(c11, f32x4.mul(a, b1));
    a = v128.load32_splat(pa, 8);
    c20 = f32x4.add(c20, f32x4.mul(a, b0));
    c21 = f32x4.add(c21, f32x4.mul(a, b1));
    a = v128.load32_splat(pa, 12);
    c30 = f32x4.add(c30, f32x4.mul(a, b0));
    c31 = f32x4.add(c31, f32x4.mul(a, b1));
    pa += 16;
    pb += 32;
  }
  if (rows == MR && cols == NR) {
    storeRow(c, c00, c01, alpha, beta, bias, act);
    storeRow(c + ldc, c10, c11, alpha, beta, bias, act);
    storeRow(c + 2 * ldc, c20, c21, alpha, beta, bias, act);
    storeRow(c + 3 * ldc, c30, c31, alpha, beta, bias, act);
  } else {
    v128.store(edge, c00); v128.store(edge, c01, 16);
    v128.store(edge, c10, 32); v128.store(edge, c11, 48);
    v128.store(edge, c20, 64); v128.store(edge, c21, 80);
    v128.store(edge, c30, 96); v128.store(edge, c31, 112);
    storeEdge(c, ldc, edge, rows, cols, alpha, beta, bias, act);
  }
}

/** C[i0:i1, j0:j1] = beta * C (zero when beta = 0, ignoring what C held), + bias, the activation. */
function scaleOnly(c: usize, n: i32, i0: i32, i1: i32, j0: i32, j1: i32, beta: f32, bias: usize, act: i32): void {
  for (let i = i0; i < i1; i++) {
    const row = c + <usize>i * <usize>n * 4;
    for (let j = j0; j < j1; j++) {
      const at = row + <usize>j * 4;
      let v: f32 = beta != 0 ? load<f32>(at) * beta : 0;
      if (bias != 0) v = v + load<f32>(bias + <usize>j * 4);
      v = activate(v, act);
      store<f32>(at, v);
    }
  }
}

/** The blocked driver shared by `gemm` and `linearForward` (bias = 0 means no bias). */
function gemmRange(
  a: usize, b: usize, c: usize, m: i32, n: i32, k: i32, transA: bool, transB: bool,
  alpha: f32, beta: f32, bias: usize, act: i32, i0: i32, i1: i32, j0: i32, j1: i32, scratch: usize, bf16: bool,
): void {
  if (i0 >= i1 || j0 >= j1) return;
  if (k == 0 || alpha == 0) {
    scaleOnly(c, n, i0, i1, j0, j1, beta, bias, act);
    return;
  }
  const pA = scratch;
  const pB = scratch + PACK_A_BYTES;
  const edge = pB + PACK_B_BYTES;
  const ldc = <usize>n * 4;
  for (let jc = j0; jc < j1; jc += NC) {
    const nc = min(NC, j1 - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = min(KC, k - pc);
      const first = pc == 0;
      const last = pc + kc == k;
      const betaBlock: f32 = first ? beta : 1;
      const biasBlock: usize = last ? bias : 0;
      const actBlock = last ? act : ACT_NONE;
      packB(pB, b, n, k, transB, jc, nc, pc, kc);
      if (bf16) roundPanelBf16(pB, ((nc + NR - 1) / NR) * NR * kc);
      for (let ic = i0; ic < i1; ic += MC) {
        const mc = min(MC, i1 - ic);
        packA(pA, a, m, k, transA, ic, mc, pc, kc);
        if (bf16) roundPanelBf16(pA, ((mc + MR - 1) / MR) * MR * kc);
        for (let jr = 0; jr < nc; jr += NR) {
          const cols = min(NR, nc - jr);
          const pb = pB + <usize>(jr * kc) * 4;
          const biasTile: usize = biasBlock != 0 ? biasBlock + <usize>(jc + jr) * 4 : 0;
          for (let ir = 0; ir < mc; ir += MR) {
            const rows = min(MR, mc - ir);
            const cTile = c + <usize>(ic + ir) * ldc + <usize>(jc + jr) * 4;
            microKernel(pA + <usize>(ir * kc) * 4, pb, kc, cTile, ldc, rows, cols, alpha, betaBlock, biasTile, actBlock, edge);
          }
        }
      }
    }
  }
}

/**
 * General matrix product on the output block rows [i0, i1) x columns [j0, j1):
 * C (M x N) = alpha * op(A) * op(B) + beta * C; op(A) is A (M x K) or A stored K x M when
 * transA; op(B) is B (K x N) or B stored N x K when transB. beta = 0 overwrites C.
 * `scratch` holds `gemmScratchBytes()` bytes private to the calling thread. bf16 != 0 rounds
 * op(A) and op(B) to bf16 (in the packed panels), accumulating in f32.
 */
export function gemm(
  a: usize, b: usize, c: usize, m: i32, n: i32, k: i32, transA: i32, transB: i32,
  alpha: f32, beta: f32, i0: i32, i1: i32, j0: i32, j1: i32, scratch: usize, bf16: i32,
): void {
  gemmRange(a, b, c, m, n, k, transA != 0, transB != 0, alpha, beta, 0, ACT_NONE, i0, i1, j0, j1, scratch, bf16 != 0);
}

/**
 * Linear layer on output rows [i0, i1) x columns [j0, j1), overwrite:
 * y (B x N) = act(x (B x K) * W^T + bias), W stored N x K; act: none (0), ReLU (1) or sigmoid (2).
 * The bias and activation are the epilogue of the GEMM's last K block. bf16 != 0 rounds x and W.
 */
export function linearForward(
  x: usize, w: usize, bias: usize, y: usize, batch: i32, inFeatures: i32, outFeatures: i32, act: i32,
  i0: i32, i1: i32, j0: i32, j1: i32, scratch: usize, bf16: i32,
): void {
  gemmRange(x, w, y, batch, outFeatures, inFeatures, false, true, 1, 0, bias, act, i0, i1, j0, j1, scratch, bf16 != 0);
}
