/**
 * DCNv2's low-rank cross network (TorchRec's LowRankCrossNet) as op calls: over x0 [B, N]
 * (cat's output), layer l computes u = x_l V_l^T [B, K] (gemm), y = u W_l^T + b_l [B, N]
 * (gemm and bias add) and x_{l+1} = x0 * y + x_l (crossForward); the top MLP reads x_L.
 * Backward from dX_L: per layer, crossBackward (dY, dX0 accumulated, dX_l = dOut), the bias,
 * W and V gradients (gemms over the batch) and dX_l += dU V_l (gemm, beta 1); dX0 ends as
 * the gradient of cat's output. Parameters in state_dict order: V_kernels, W_kernels, bias.
 */
import type { Backend, Precision, Tensor } from "../backend.js";
import { dcnShape, interactionWidth, type ModelConfig } from "../config.js";

/** One trainable tensor of the network with its gradient and optimizer state. */
export interface DenseParam {
  name: string;
  param: Tensor;
  grad: Tensor;
  acc?: Tensor;
}

interface CrossLayer {
  V: DenseParam;
  W: DenseParam;
  b: DenseParam;
  u: Tensor;
  y: Tensor;
  /** x_{l+1}. */
  out: Tensor;
  /** Gradient of x_{l+1} (the next layer's dX_l, or the top MLP's input gradient). */
  dOut: Tensor;
}

export class CrossNet {
  readonly params: DenseParam[];
  /** x_L: the top MLP's input. */
  readonly output: Tensor;
  /** Its gradient (the top MLP's first dInput). */
  readonly dOutput: Tensor;
  private readonly layers: CrossLayer[] = [];
  private readonly dU: Tensor;
  private readonly dY: Tensor;
  private readonly N: number;
  private readonly K: number;

  /** `x0` [B, N] is cat's output and `dX0` its gradient (written by backward). */
  constructor(
    be: Backend,
    m: ModelConfig,
    private readonly B: number,
    private readonly x0: Tensor,
    private readonly dX0: Tensor,
    adagrad: boolean,
  ) {
    const { layers, rank } = dcnShape(m);
    const N = interactionWidth(m);
    this.N = N;
    this.K = rank;
    const param = (name: string, shape: number[]): DenseParam => ({
      name,
      param: be.alloc(shape, "f32", name),
      grad: be.alloc(shape, "f32", `${name} gradient`),
      ...(adagrad ? { acc: be.alloc(shape, "f32", `${name} (Adagrad state)`) } : {}),
    });
    const p = "inter_arch.crossnet";
    const Vs = Array.from({ length: layers }, (_, l) => param(`${p}.V_kernels.${l}`, [rank, N]));
    const Ws = Array.from({ length: layers }, (_, l) => param(`${p}.W_kernels.${l}`, [N, rank]));
    const bs = Array.from({ length: layers }, (_, l) => param(`${p}.bias.${l}`, [N]));
    this.params = [...Vs, ...Ws, ...bs];
    this.dU = be.alloc([B, rank], "f32", "cross low-rank gradient");
    this.dY = be.alloc([B, N], "f32", "cross product gradient");
    for (let l = 0; l < layers; l++) {
      this.layers.push({
        V: Vs[l]!,
        W: Ws[l]!,
        b: bs[l]!,
        u: be.alloc([B, rank], "f32", `cross layer ${l} low-rank product`),
        y: be.alloc([B, N], "f32", `cross layer ${l} product`),
        out: be.alloc([B, N], "f32", `cross layer ${l} output`),
        dOut: be.alloc([B, N], "f32", `cross layer ${l} output gradient`),
      });
    }
    this.output = this.layers[layers - 1]!.out;
    this.dOutput = this.layers[layers - 1]!.dOut;
  }

  /** Every layer forward, x0 -> x_L. */
  forward(be: Backend, precision: Precision): void {
    const { B, N, K } = this;
    let x = this.x0;
    for (const l of this.layers) {
      be.gemm({
        a: x,
        b: l.V.param,
        c: l.u,
        m: B,
        n: K,
        k: N,
        transA: false,
        transB: true,
        alpha: 1,
        beta: 0,
        precision,
      });
      be.gemm({
        a: l.u,
        b: l.W.param,
        c: l.y,
        m: B,
        n: N,
        k: K,
        transA: false,
        transB: true,
        alpha: 1,
        beta: 0,
        precision,
      });
      be.biasAddForward({ y: l.y, bias: l.b.param, rows: B, cols: N });
      be.crossForward({ x0: this.x0, y: l.y, xl: x, out: l.out, size: B * N });
      x = l.out;
    }
  }

  /** Every layer backward from `dOutput`: parameter gradients, and dX0 = the gradient of cat's output. */
  backward(be: Backend, precision: Precision): void {
    const { B, N, K, dU, dY } = this;
    const L = this.layers.length;
    for (let i = L - 1; i >= 0; i--) {
      const l = this.layers[i]!;
      const xl = i === 0 ? this.x0 : this.layers[i - 1]!.out;
      const dXl = i === 0 ? undefined : this.layers[i - 1]!.dOut;
      be.crossBackward({
        x0: this.x0,
        y: l.y,
        dOut: l.dOut,
        dY,
        dX0: this.dX0,
        ...(dXl === undefined ? {} : { dXl }),
        size: B * N,
        accumulate: i !== L - 1,
      });
      be.biasAddBackward({ dY, dBias: l.b.grad, rows: B, cols: N });
      const g = { alpha: 1, precision } as const;
      be.gemm({ a: dY, b: l.u, c: l.W.grad, m: N, n: K, k: B, transA: true, transB: false, beta: 0, ...g });
      be.gemm({ a: dY, b: l.W.param, c: dU, m: B, n: K, k: N, transA: false, transB: false, beta: 0, ...g });
      be.gemm({ a: dU, b: xl, c: l.V.grad, m: K, n: N, k: B, transA: true, transB: false, beta: 0, ...g });
      be.gemm({
        a: dU,
        b: l.V.param,
        c: dXl ?? this.dX0,
        m: B,
        n: N,
        k: K,
        transA: false,
        transB: false,
        beta: 1,
        ...g,
      });
    }
  }
}
