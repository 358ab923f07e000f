/**
 * Dynamically quantized int8 linear layers (dlrm's --quantize-mlp-with-bit 8, which runs
 * torch.quantization.quantize_dynamic on every nn.Linear): weights int8, one symmetric
 * scale per tensor as quantize_dynamic's default observer chooses it; inputs uint8 with a
 * scale and zero point chosen per sample at run time; int32-exact accumulation, float32 out.
 */

/** A linear layer y = x W^T + b with W [out, in] quantized to int8. */
export interface Int8Linear {
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly relu: boolean;
  /** Codes of W, row-major [out, in]: W[o, k] ~ q[o, k] * scale. */
  readonly q: Int8Array;
  /** The per-tensor weight scale, max |W| / 127.5 (MinMaxObserver, qint8, per_tensor_symmetric). */
  readonly scale: number;
  /** Sum over k of q[o, k], for the input zero point's correction. */
  readonly rowSums: Int32Array;
  readonly bias: Float32Array;
}

/** float32's machine epsilon: MinMaxObserver's smallest scale. */
const F32_EPS = 2 ** -23;

/** The nearest integer, ties to even (torch's round / nearbyint). */
function rint(v: number): number {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Quantizes W [out, in] and keeps b [out]; `relu` is applied after the bias. */
export function quantizeLinear(
  weight: Float32Array,
  bias: Float32Array,
  outFeatures: number,
  inFeatures: number,
  relu: boolean,
): Int8Linear {
  if (weight.length !== outFeatures * inFeatures || bias.length !== outFeatures)
    throw new RangeError(`linear: expected ${outFeatures}x${inFeatures} weights and ${outFeatures} biases`);
  let amax = 0;
  for (const w of weight) amax = Math.max(amax, Math.abs(w));
  const scale = Math.max(Math.fround(amax / 127.5), F32_EPS);
  const q = new Int8Array(weight.length);
  const rowSums = new Int32Array(outFeatures);
  for (let o = 0; o < outFeatures; o++) {
    let sum = 0;
    for (let k = 0; k < inFeatures; k++) {
      const v = Math.max(-128, Math.min(127, rint(weight[o * inFeatures + k]! / scale)));
      q[o * inFeatures + k] = v;
      sum += v;
    }
    rowSums[o] = sum;
  }
  return { inFeatures, outFeatures, relu, q, scale, rowSums, bias: Float32Array.from(bias) };
}

/**
 * y [B, out] = dequantized (x_q W_q^T) + b, per sample b: the input row quantized to uint8
 * over [min(x, 0), max(x, 0)] (scale s_x = range / 255, zero point z = round(-min / s_x)),
 * acc_o = sum_k (q_k - z) q[o, k] in exact integers, y_o = acc_o s_x s_w + b_o, then ReLU.
 * `xq` is scratch of at least `in` bytes.
 */
export function int8LinearForward(
  l: Int8Linear,
  x: Float32Array,
  batch: number,
  y: Float32Array,
  xq: Uint8Array,
): void {
  const { inFeatures: n, outFeatures: m, q, rowSums, bias } = l;
  for (let b = 0; b < batch; b++) {
    let lo = 0;
    let hi = 0;
    for (let k = 0; k < n; k++) {
      const v = x[b * n + k]!;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    const sx = hi - lo === 0 ? 1 : Math.fround((hi - lo) / 255);
    const zero = Math.max(0, Math.min(255, rint(-lo / sx)));
    for (let k = 0; k < n; k++) xq[k] = Math.max(0, Math.min(255, rint(x[b * n + k]! / sx) + zero));
    const s = sx * l.scale;
    const put = (o: number, acc: number): void => {
      const v = (acc - zero * rowSums[o]!) * s + bias[o]!;
      y[b * m + o] = l.relu && v < 0 ? 0 : v;
    };
    let o = 0;
    // Four outputs per pass over the input codes (each code loaded once for four rows of W).
    for (; o + 4 <= m; o += 4) {
      let a0 = 0;
      let a1 = 0;
      let a2 = 0;
      let a3 = 0;
      const w0 = o * n;
      for (let k = 0; k < n; k++) {
        const v = xq[k]!;
        a0 += v * q[w0 + k]!;
        a1 += v * q[w0 + n + k]!;
        a2 += v * q[w0 + 2 * n + k]!;
        a3 += v * q[w0 + 3 * n + k]!;
      }
      put(o, a0);
      put(o + 1, a1);
      put(o + 2, a2);
      put(o + 3, a3);
    }
    for (; o < m; o++) {
      let acc = 0;
      const w = o * n;
      for (let k = 0; k < n; k++) acc += xq[k]! * q[w + k]!;
      put(o, acc);
    }
  }
}

/** A float32 linear layer (the layers left unquantized). */
export interface Fp32Linear {
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly relu: boolean;
  readonly weight: Float32Array;
  readonly bias: Float32Array | undefined;
}

/** y [B, out] = x W^T (+ b), then ReLU when `relu`; sums in double. */
export function fp32LinearForward(l: Fp32Linear, x: Float32Array, batch: number, y: Float32Array): void {
  const { inFeatures: n, outFeatures: m, weight, bias } = l;
  const put = (i: number, acc: number): void => {
    y[i] = l.relu && acc < 0 ? 0 : acc;
  };
  for (let b = 0; b < batch; b++) {
    const xb = b * n;
    let o = 0;
    for (; o + 4 <= m; o += 4) {
      let a0 = bias === undefined ? 0 : bias[o]!;
      let a1 = bias === undefined ? 0 : bias[o + 1]!;
      let a2 = bias === undefined ? 0 : bias[o + 2]!;
      let a3 = bias === undefined ? 0 : bias[o + 3]!;
      const w0 = o * n;
      for (let k = 0; k < n; k++) {
        const v = x[xb + k]!;
        a0 += v * weight[w0 + k]!;
        a1 += v * weight[w0 + n + k]!;
        a2 += v * weight[w0 + 2 * n + k]!;
        a3 += v * weight[w0 + 3 * n + k]!;
      }
      put(b * m + o, a0);
      put(b * m + o + 1, a1);
      put(b * m + o + 2, a2);
      put(b * m + o + 3, a3);
    }
    for (; o < m; o++) {
      let acc = bias === undefined ? 0 : bias[o]!;
      const w = o * n;
      for (let k = 0; k < n; k++) acc += x[xb + k]! * weight[w + k]!;
      put(b * m + o, acc);
    }
  }
}
