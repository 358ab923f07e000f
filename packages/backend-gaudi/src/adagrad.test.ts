/**
 * The dense Adagrad steps (adagradStep, fusedAdagradStep) bit-for-bit against
 * torch.optim.Adagrad's f32 operations, replayed with Math.fround: addcmul_ (acc + g*g),
 * sqrt().add_(eps), addcdiv_ (param + (-lr*g) / std), each rounded to f32.
 */
import { expect, it } from "vitest";
import { gaudiBackendFactory } from "./factory.js";
import { describeNative, rng } from "./test-util.js";

const f = Math.fround;

/** One PyTorch Adagrad step on copies of param and acc, in f32. */
function torchAdagrad(
  param: Float32Array,
  grad: Float32Array,
  acc: Float32Array,
  lr: number,
  eps: number,
): { param: Float32Array; acc: Float32Array } {
  const p = param.slice();
  const a = acc.slice();
  for (let i = 0; i < p.length; i++) {
    const g = grad[i]!;
    a[i] = f(a[i]! + f(g * g));
    const std = f(f(Math.sqrt(a[i]!)) + f(eps));
    p[i] = f(p[i]! + f(f(f(-lr) * g) / std));
  }
  return { param: p, acc: a };
}

function randomF32(n: number, seed: number, scale: number, offset = 0): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => offset + scale * (r() - 0.5));
}

describeNative("gaudi dense Adagrad", () => {
  it("adagradStep and fusedAdagradStep equal PyTorch's f32 Adagrad bit for bit", async () => {
    const be = await gaudiBackendFactory.create();
    try {
      const sizes = [1, 7, 8, 1000, 70001];
      const lr = 0.0123;
      const eps = 1e-10;
      const host = sizes.map((n, i) => ({
        param: randomF32(n, 10 + i, 2),
        grad: randomF32(n, 20 + i, 1e-2),
        acc: randomF32(n, 30 + i, 1e-3, 1e-3),
      }));
      const upload = (d: Float32Array): ReturnType<typeof be.alloc> => {
        const t = be.alloc([d.length], "f32");
        be.write(t, d);
        return t;
      };
      const single = host.map((h) => ({ param: upload(h.param), grad: upload(h.grad), acc: upload(h.acc) }));
      for (const [i, t] of single.entries()) be.adagradStep({ ...t, lr, eps, size: sizes[i]! });
      const fused = host.map((h) => ({ param: upload(h.param), grad: upload(h.grad), acc: upload(h.acc) }));
      be.fusedAdagradStep!({
        params: fused.map((t) => t.param),
        grads: fused.map((t) => t.grad),
        accs: fused.map((t) => t.acc),
        lr,
        eps,
      });
      for (const [i, h] of host.entries()) {
        const want = torchAdagrad(h.param, h.grad, h.acc, lr, eps);
        for (const t of [single[i]!, fused[i]!]) {
          expect(await be.read(t.acc)).toEqual(want.acc);
          expect(await be.read(t.param)).toEqual(want.param);
        }
      }
    } finally {
      be.dispose();
    }
  });
});
