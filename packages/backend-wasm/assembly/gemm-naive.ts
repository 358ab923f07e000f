/**
 * The naive SIMD GEMM, kept as the benchmark baseline (`gemmNaive`): no packing, no
 * register blocking, one f32x4 loop over the contiguous dimension. Same contract as `gemm`
 * (C = alpha * op(A) * op(B) + beta * C, beta = 0 overwrites) on the whole of C.
 */

/** op(A)[i, p]: A is M x K, or K x M when transposed. */
// @ts-ignore: decorator
@inline
function aAt(a: usize, m: i32, k: i32, transA: bool, i: i32, p: i32): f32 {
  return transA ? load<f32>(a + (<usize>p * <usize>m + <usize>i) * 4) : load<f32>(a + (<usize>i * <usize>k + <usize>p) * 4);
}

/**
 * Baseline GEMM. Without transB: row i of C += A[i, p] * row p of B, f32x4 over j.
 * With transB: C[i, j] = dot(op(A) row i, B row j), f32x4 over p when A is not transposed.
 */
export function gemmNaive(
  a: usize, b: usize, c: usize, m: i32, n: i32, k: i32, transA: i32, transB: i32, alpha: f32, beta: f32,
): void {
  const ta = transA != 0;
  for (let i = 0; i < m; i++) {
    const cRow = c + <usize>i * <usize>n * 4;
    if (transB == 0) {
      for (let j = 0; j < n; j++) {
        const at = cRow + <usize>j * 4;
        store<f32>(at, beta != 0 ? load<f32>(at) * beta : 0);
      }
      for (let p = 0; p < k; p++) {
        const s: f32 = alpha * aAt(a, m, k, ta, i, p);
        const vs = f32x4.splat(s);
        const bRow = b + <usize>p * <usize>n * 4;
        let j = 0;
        for (; j + 4 <= n; j += 4) {
          const at = cRow + <usize>j * 4;
          v128.store(at, f32x4.add(v128.load(at), f32x4.mul(vs, v128.load(bRow + <usize>j * 4))));
        }
        for (; j < n; j++) {
          const at = cRow + <usize>j * 4;
          store<f32>(at, load<f32>(at) + s * load<f32>(bRow + <usize>j * 4));
        }
      }
    } else {
      for (let j = 0; j < n; j++) {
        const bRow = b + <usize>j * <usize>k * 4;
        let acc = f32x4.splat(0);
        let tail: f32 = 0;
        let p = 0;
        if (!ta) {
          const aRow = a + <usize>i * <usize>k * 4;
          for (; p + 4 <= k; p += 4) acc = f32x4.add(acc, f32x4.mul(v128.load(aRow + <usize>p * 4), v128.load(bRow + <usize>p * 4)));
        }
        for (; p < k; p++) tail += aAt(a, m, k, ta, i, p) * load<f32>(bRow + <usize>p * 4);
        const sum: f32 = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3) + tail;
        const at = cRow + <usize>j * 4;
        store<f32>(at, beta != 0 ? alpha * sum + beta * load<f32>(at) : alpha * sum);
      }
    }
  }
}
