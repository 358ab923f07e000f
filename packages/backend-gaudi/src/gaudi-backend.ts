/**
 * GaudiBackend: the contract (backend.ts) on the native addon. Tensors are handles to
 * native memory; each op runs core's `validateOp`, maps its Tensor arguments to ids and
 * hands the named arguments to the engine (whose own checks keep a direct native call from
 * ever crashing, and which checks the sparse data as its kernels run). Lazy mode queues a
 * whole step and runs it off the JavaScript thread; `read`/`sync` wait for it.
 */
import {
  TensorTable,
  checkAlloc,
  checkWrite,
  disposedError,
  isTensor,
  validateOp,
  type Backend,
  type BackendInfo,
  type BackendOps,
  type DType,
  type ExecutionMode,
  type FusedOps,
  type Tensor,
  type TensorEntry,
} from "@dlrm/core";
import type { NativeAddon, NativeEngine } from "./native.js";

type Op = keyof BackendOps | keyof FusedOps;
type ArgsOf<K extends Op> = Parameters<NonNullable<Backend[K]>>[0];

/** Submission counters of the lazy queue (one submission per markStep with work). */
export interface GaudiLazyStats {
  readonly submissions: number;
  readonly recordedOps: number;
}

/** The route in force, as the device string says it: ISA level, kernels, GEMM libraries and where each setting came from. */
function routeText(i: ReturnType<NativeAddon["info"]>): string {
  const blas = /OpenBLAS \d+\.\d+\.\d+/.exec(i.blas.replace("OpenBLAS OpenBLAS", "OpenBLAS"))?.[0] ?? "OpenBLAS";
  const isa = `ISA ${i.isa}${i.isaForced ? " (DLRM_CPU_ISA)" : ""}: ${i.avx2 ? "AVX2" : "portable"} kernels`;
  const onednnUse =
    i.gemmLibrary === "onednn" ? "for every GEMM" : i.gemmLibrary === "openblas" ? "unused" : "for the large GEMMs";
  const onednn = i.onednn ? `, ${i.onednn} (${i.onednnIsa}) ${onednnUse}` : "";
  const forced = i.gemmLibrary === "auto" ? "" : ` (DLRM_GEMM_LIBRARY=${i.gemmLibrary})`;
  return `${isa}, ${blas} GEMM with its ${i.blasCore} kernels${i.gemmLibrary === "onednn" ? " unused" : ""}${onednn}${forced}, split in shape-fixed single-threaded tiles`;
}

export class GaudiBackend implements Backend {
  readonly info: BackendInfo;
  private readonly engine: NativeEngine;
  private readonly tensors = new TensorTable<TensorEntry>();
  private disposed = false;

  constructor(
    addon: NativeAddon,
    readonly mode: ExecutionMode,
  ) {
    this.engine = new addon.Engine(mode === "lazy");
    const i = addon.info();
    this.info = {
      name: "gaudi",
      device: `host CPU (native C++, ${i.threads} thread${i.threads === 1 ? "" : "s"} in one OpenMP pool, ${routeText(i)}; no Gaudi device in this build)`,
      deterministic: true,
      precisions: ["fp32", "bf16"],
    };
  }

  /** Lazy-queue counters (tests check one submission per step). */
  get lazyStats(): GaudiLazyStats {
    const s = this.engine.stats();
    return { submissions: s.submissions, recordedOps: s.recordedOps };
  }

  // ---------------------------------------------------------------- memory

  alloc(shape: readonly number[], dtype: DType, label?: string): Tensor {
    this.checkAlive("alloc");
    const size = checkAlloc(shape, dtype, label);
    return this.tensors.add(shape, dtype, (tensor) => ({ tensor }), this.engine.alloc(size, dtype, label ?? "tensor"));
  }

  write(t: Tensor, data: Float32Array | Int32Array, offset = 0): void {
    const id = this.id("write", "t", t);
    checkWrite(t, data, offset);
    this.engine.write(id, data, offset);
  }

  async read(t: Tensor): Promise<Float32Array | Int32Array> {
    const id = this.id("read", "t", t);
    if (this.mode === "lazy") {
      this.engine.markStep();
      while (this.engine.busy()) await this.engine.sync();
      this.id("read", "t", t);
    }
    const out = t.dtype === "f32" ? new Float32Array(t.size) : new Int32Array(t.size);
    this.engine.read(id, out);
    return out;
  }

  free(t: Tensor): void {
    const id = this.id("free", "t", t);
    this.engine.free(id);
    this.tensors.remove(t, "free");
  }

  markStep(): void {
    this.checkAlive("markStep");
    this.engine.markStep();
  }

  async sync(): Promise<void> {
    this.checkAlive("sync");
    this.engine.markStep();
    await this.engine.sync();
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.tensors.clear();
    this.engine.dispose();
  }

  // ---------------------------------------------------------------- argument mapping

  private checkAlive(op: string): void {
    if (this.disposed) throw disposedError(op, "gaudi");
  }

  /** The id of a tensor of this backend, naming `arg` in any error. */
  private id(op: string, arg: string, t: Tensor | undefined): number {
    this.checkAlive(op);
    return this.tensors.get(t, op, arg).tensor.id;
  }

  /** Replaces every Tensor in an op's (validated) arguments (fields, arrays, `sparse`) by its id. */
  private static toNative(args: Record<string, unknown>): Record<string, unknown> {
    const id = (v: unknown): unknown => (isTensor(v) ? v.id : v);
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(args)) {
      if (Array.isArray(value)) out[key] = value.map(id);
      else if (key === "sparse")
        out[key] = Object.fromEntries(Object.entries(value as object).map(([f, v]) => [f, id(v)]));
      else out[key] = id(value);
    }
    return out;
  }

  private call<K extends Op>(op: K, args: ArgsOf<K>): void {
    this.checkAlive(op);
    validateOp(op, args, this.tensors.resolve);
    (this.engine[op] as (a: unknown) => void).call(
      this.engine,
      GaudiBackend.toNative(args as unknown as Record<string, unknown>),
    );
  }

  // ---------------------------------------------------------------- ops (contract in backend.ts)

  gemm(args: ArgsOf<"gemm">): void {
    this.call("gemm", args);
  }
  biasAddForward(args: ArgsOf<"biasAddForward">): void {
    this.call("biasAddForward", args);
  }
  biasAddBackward(args: ArgsOf<"biasAddBackward">): void {
    this.call("biasAddBackward", args);
  }
  reluForward(args: ArgsOf<"reluForward">): void {
    this.call("reluForward", args);
  }
  reluBackward(args: ArgsOf<"reluBackward">): void {
    this.call("reluBackward", args);
  }
  sigmoidForward(args: ArgsOf<"sigmoidForward">): void {
    this.call("sigmoidForward", args);
  }
  sigmoidBackward(args: ArgsOf<"sigmoidBackward">): void {
    this.call("sigmoidBackward", args);
  }
  crossForward(args: ArgsOf<"crossForward">): void {
    this.call("crossForward", args);
  }
  crossBackward(args: ArgsOf<"crossBackward">): void {
    this.call("crossBackward", args);
  }
  embeddingBagsForward(args: ArgsOf<"embeddingBagsForward">): void {
    this.call("embeddingBagsForward", args);
  }
  embeddingBagsBackward(args: ArgsOf<"embeddingBagsBackward">): void {
    this.call("embeddingBagsBackward", args);
  }
  interactionForward(args: ArgsOf<"interactionForward">): void {
    this.call("interactionForward", args);
  }
  interactionBackward(args: ArgsOf<"interactionBackward">): void {
    this.call("interactionBackward", args);
  }
  lossForward(args: ArgsOf<"lossForward">): void {
    this.call("lossForward", args);
  }
  lossBackward(args: ArgsOf<"lossBackward">): void {
    this.call("lossBackward", args);
  }
  sgdStep(args: ArgsOf<"sgdStep">): void {
    this.call("sgdStep", args);
  }
  adagradStep(args: ArgsOf<"adagradStep">): void {
    this.call("adagradStep", args);
  }
  sparseSgdStep(args: ArgsOf<"sparseSgdStep">): void {
    this.call("sparseSgdStep", args);
  }
  sparseAdagradStep(args: ArgsOf<"sparseAdagradStep">): void {
    this.call("sparseAdagradStep", args);
  }
  fill(args: ArgsOf<"fill">): void {
    this.call("fill", args);
  }

  /** Fused: GEMM + bias + activation epilogue, bit-identical to the unfused sequence. */
  linearForward(args: ArgsOf<"linearForward">): void {
    this.call("linearForward", args);
  }
  /** Fused: one parallel Adagrad pass over every MLP tensor. */
  fusedAdagradStep(args: ArgsOf<"fusedAdagradStep">): void {
    this.call("fusedAdagradStep", args);
  }
  /** Fused: embedding-bag backward + sparse Adagrad/SGD per unique row (Habana's custom op). */
  embeddingBagsBackwardSparseStep(args: ArgsOf<"embeddingBagsBackwardSparseStep">): void {
    this.call("embeddingBagsBackwardSparseStep", args);
  }
}
