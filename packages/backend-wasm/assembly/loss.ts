/**
 * Loss forward/backward from logits z (B) and targets y (B). p = sigmoid(z), clamped to
 * [t, 1-t] when the threshold t > 0. bce (loss 0) is computed stably from the logit,
 * log p = -softplus(-z), log(1-p) = -softplus(z), each clamped at -100 as PyTorch does;
 * where p was clamped the logs of the clamped p are used. mse (loss 1) is (p - y)^2.
 */

/** softplus(v) = log(1 + e^v), stable for large |v|. */
function softplus(v: f64): f64 {
  return max<f64>(v, 0) + Math.log1p(Math.exp(-Math.abs(v)));
}

/** sigmoid(z) in float64 without overflow. */
function sigmoid(z: f64): f64 {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

/** The f32 probability of logit z, clamped to [lo, hi] when clamping is on. */
// @ts-ignore: decorator
@inline
function prob(z: f32, clamp: bool, lo: f32, hi: f32): f32 {
  const p = <f32>sigmoid(<f64>z);
  return clamp ? min<f32>(max<f32>(p, lo), hi) : p;
}

/**
 * Overwrite probs (B) = p and accumulate stats (3): stats[0] += sum of per-sample losses,
 * stats[1] += count of round(p) == y (ties to even, as numpy), stats[2] += B.
 */
export function lossForward(logits: usize, targets: usize, probs: usize, stats: usize, batch: i32, loss: i32, threshold: f64): void {
  const clamp = threshold > 0;
  const lo = <f32>threshold;
  const hi = <f32>(1 - threshold);
  let sum: f64 = 0;
  let correct: f64 = 0;
  for (let b = 0; b < batch; b++) {
    const z = load<f32>(logits + <usize>b * 4);
    const y = load<f32>(targets + <usize>b * 4);
    const raw = <f32>sigmoid(<f64>z);
    const p = prob(z, clamp, lo, hi);
    store<f32>(probs + <usize>b * 4, p);
    if (loss == 0) {
      let logP: f64, log1mP: f64;
      if (clamp && (raw < lo || raw > hi)) {
        logP = Math.log(<f64>p);
        log1mP = Math.log(1 - <f64>p);
      } else {
        logP = -softplus(-<f64>z);
        log1mP = -softplus(<f64>z);
      }
      sum += -(<f64>y * max<f64>(logP, -100) + (1 - <f64>y) * max<f64>(log1mP, -100));
    } else {
      const d = <f64>p - <f64>y;
      sum += d * d;
    }
    if (nearest<f32>(p) == y) correct += 1;
  }
  store<f32>(stats, <f32>(<f64>load<f32>(stats) + sum));
  store<f32>(stats, <f32>(<f64>load<f32>(stats, 4) + correct), 4);
  store<f32>(stats, <f32>(<f64>load<f32>(stats, 8) + <f64>batch), 8);
}

/**
 * Overwrite dLogits (B), the gradient of the batch mean: bce (p - y) / B;
 * mse 2 (p - y) p (1 - p) / B; zero where p was clamped.
 */
export function lossBackward(logits: usize, targets: usize, dLogits: usize, batch: i32, loss: i32, threshold: f64): void {
  const clamp = threshold > 0;
  const lo = <f32>threshold;
  const hi = <f32>(1 - threshold);
  const inv: f64 = 1 / <f64>batch;
  for (let b = 0; b < batch; b++) {
    const z = load<f32>(logits + <usize>b * 4);
    const y = <f64>load<f32>(targets + <usize>b * 4);
    const raw = <f32>sigmoid(<f64>z);
    let g: f64 = 0;
    if (!(clamp && (raw < lo || raw > hi))) {
      const p = <f64>raw;
      g = loss == 0 ? (p - y) * inv : 2 * (p - y) * p * (1 - p) * inv;
    }
    store<f32>(dLogits + <usize>b * 4, <f32>g);
  }
}
