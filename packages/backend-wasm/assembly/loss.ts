/**
 * Loss forward/backward from logits z (B) and targets y (B). p = sigmoid(z), clamped to
 * [t, 1-t] when the threshold t > 0. bce (loss 0) is computed stably from the logit,
 * log p = -softplus(-z), log(1-p) = -softplus(z), each clamped at -100 as PyTorch does;
 * with clamping on, the logs of the clamped p are used. mse (loss 1) is (p - y)^2.
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

/**
 * Overwrite probs (B) = p and accumulate stats (3): stats[0] += sum of per-sample losses,
 * stats[1] += count of round(p) == y (p the stored f32, ties to even, so 0.5 counts as 0),
 * stats[2] += B. p, the clamp test and the loss are computed in float64 from the logit.
 */
export function lossForward(logits: usize, targets: usize, probs: usize, stats: usize, batch: i32, loss: i32, threshold: f64): void {
  const clamp = threshold > 0;
  let sum: f64 = 0;
  let correct: f64 = 0;
  for (let b = 0; b < batch; b++) {
    const z = <f64>load<f32>(logits + <usize>b * 4);
    const y = <f64>load<f32>(targets + <usize>b * 4);
    const s = sigmoid(z);
    const p = clamp ? min<f64>(max<f64>(s, threshold), 1 - threshold) : s;
    const stored = <f32>p;
    store<f32>(probs + <usize>b * 4, stored);
    if (loss == 0) {
      const logP = clamp ? Math.log(p) : -softplus(-z);
      const log1mP = clamp ? Math.log(1 - p) : -softplus(z);
      sum += -(y * max<f64>(logP, -100) + (1 - y) * max<f64>(log1mP, -100));
    } else {
      sum += (p - y) * (p - y);
    }
    if (<f64>nearest<f32>(stored) == y) correct += 1;
  }
  store<f32>(stats, <f32>(<f64>load<f32>(stats) + sum));
  store<f32>(stats, <f32>(<f64>load<f32>(stats, 4) + correct), 4);
  store<f32>(stats, <f32>(<f64>load<f32>(stats, 8) + <f64>batch), 8);
}

/**
 * Overwrite dLogits (B), the gradient of the batch mean, from the float64 sigmoid (so bce
 * stays logit-stable where the f32 p saturates): bce (p - y) / M; mse 2 (p - y) p (1 - p) / M
 * (M = meanOver, the mean's denominator: B, or the global batch on one rank of several);
 * zero where p was clamped (sigmoid(z) < t or > 1 - t).
 */
export function lossBackward(logits: usize, targets: usize, dLogits: usize, batch: i32, meanOver: i32, loss: i32, threshold: f64): void {
  const clamp = threshold > 0;
  const inv: f64 = <f64>meanOver;
  for (let b = 0; b < batch; b++) {
    const z = <f64>load<f32>(logits + <usize>b * 4);
    const y = <f64>load<f32>(targets + <usize>b * 4);
    const p = sigmoid(z);
    let g: f64 = 0;
    if (!(clamp && (p < threshold || p > 1 - threshold))) {
      g = loss == 0 ? (p - y) / inv : (2 * (p - y) * p * (1 - p)) / inv;
    }
    store<f32>(dLogits + <usize>b * 4, <f32>g);
  }
}
