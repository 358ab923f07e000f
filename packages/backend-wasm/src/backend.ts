/**
 * `WasmBackend`: the contract on WebAssembly SIMD. Owns one shared linear memory (through
 * the arena), the tensor registry, and the GEMM worker pool; memory calls live here and each
 * op runs core's `validateOp` and delegates to its family file (ops-dense, ops-sparse,
 * ops-interaction). Eager only: the factory wraps it with core's `withLazyMode` for lazy mode.
 */
import {
  checkAlloc,
  checkWrite,
  disposedError,
  validateOp,
  type Backend,
  type BackendInfo,
  type BackendOps,
  type DType,
  type FusedOps,
  type SpecifiedOp,
  type Tensor,
  type TensorResolver,
} from "@dlrm/core";
import { Arena } from "./arena.js";
import { OpContext } from "./context.js";
import { GemmPool } from "./gemm-pool.js";
import { createMemory, instantiate, loadModule } from "./loader.js";
import * as dense from "./ops-dense.js";
import * as interaction from "./ops-interaction.js";
import * as sparse from "./ops-sparse.js";
import { Registry } from "./registry.js";

type Args<K extends keyof BackendOps> = Parameters<BackendOps[K]>[0];
type FusedArgs<K extends keyof FusedOps> = Parameters<NonNullable<FusedOps[K]>>[0];

/** Pages the memory starts with (16 MiB: GEMM scratch and small models fit without growing). */
const INITIAL_PAGES = 256;

export class WasmBackend implements Backend {
  readonly mode = "eager" as const;
  readonly info: BackendInfo;
  /** Everything the backend owns; undefined once disposed, so the memory can be collected. */
  private state: OpContext | undefined;

  private constructor(ctx: OpContext, threads: number) {
    this.state = ctx;
    this.info = Object.freeze({
      name: "wasm",
      device: `host CPU via WebAssembly SIMD, ${threads} thread${threads === 1 ? "" : "s"}`,
      deterministic: true,
      precisions: Object.freeze(["fp32", "bf16"] as const),
      memoryLimitBytes: 4 * 2 ** 30,
    });
  }

  /** Instantiates the module on a fresh memory and starts `threads - 1` GEMM workers. */
  static async create(threads: number): Promise<WasmBackend> {
    const module = await loadModule();
    const memory = createMemory(INITIAL_PAGES);
    const kernels = instantiate(module, memory);
    const arena = new Arena(memory, kernels.heapBase() >>> 0);
    const scratchBytes = kernels.gemmScratchBytes();
    const scratch = Array.from({ length: threads }, (_, t) => arena.alloc(scratchBytes, `gemm scratch ${t}`));
    const pool = await GemmPool.start(module, memory, threads, (t) => scratch[t]!);
    return new WasmBackend(new OpContext(kernels, arena, new Registry(), pool), threads);
  }

  /** Bytes of linear memory in use by tensors and scratch (tests and the CLI report it). */
  get memoryInUse(): number {
    return this.use("memoryInUse").arena.liveBytes;
  }

  /** Current size of the linear memory in bytes. */
  get memoryCapacity(): number {
    return this.use("memoryCapacity").arena.capacity;
  }

  alloc(shape: readonly number[], dtype: DType, label?: string): Tensor {
    const ctx = this.use("alloc");
    const size = checkAlloc(shape, dtype, label, 2 ** 30);
    const offset = ctx.arena.alloc(size * 4, label ?? `tensor [${shape.join(", ")}] ${dtype}`);
    return ctx.registry.register(shape, dtype, offset);
  }

  write(t: Tensor, data: Float32Array | Int32Array, offset = 0): void {
    const ctx = this.use("write");
    const entry = ctx.registry.get(t, "write", "t");
    checkWrite(t, data, offset);
    const view = entry.tensor.dtype === "f32" ? ctx.arena.f32 : ctx.arena.i32;
    view.set(data, entry.offset / 4 + offset);
  }

  async read(t: Tensor): Promise<Float32Array | Int32Array> {
    const ctx = this.use("read");
    const entry = ctx.registry.get(t, "read", "t");
    const start = entry.offset / 4;
    const view = entry.tensor.dtype === "f32" ? ctx.arena.f32 : ctx.arena.i32;
    return view.slice(start, start + entry.tensor.size);
  }

  free(t: Tensor): void {
    const ctx = this.use("free");
    const entry = ctx.registry.remove(t, "free", "t");
    ctx.arena.free(entry.offset);
  }

  markStep(): void {
    this.use("markStep");
  }

  async sync(): Promise<void> {
    this.use("sync");
  }

  /** Terminates the workers and drops every reference to the memory; every later call throws. */
  dispose(): void {
    if (this.state === undefined) return;
    this.state.pool.dispose();
    this.state.registry.clear();
    this.state = undefined;
  }

  gemm(args: Args<"gemm">): void {
    dense.gemm(this.checked("gemm", args), args);
  }
  /** Benchmark baseline: the naive SIMD GEMM on one thread, same arguments as `gemm`. */
  gemmNaive(args: Args<"gemm">): void {
    dense.gemmNaive(this.checked("gemm", args), args);
  }
  linearForward(args: FusedArgs<"linearForward">): void {
    dense.linearForward(this.checked("linearForward", args), args);
  }
  /** Test hook: dst[i] = the kernels' bf16 rounding of src[i] for i < size (bit-exact check vs @dlrm/core). */
  roundToBf16(args: { src: Tensor; dst: Tensor; size: number }): void {
    dense.roundToBf16(this.checked("roundToBf16", args), args);
  }
  biasAddForward(args: Args<"biasAddForward">): void {
    dense.biasAddForward(this.checked("biasAddForward", args), args);
  }
  biasAddBackward(args: Args<"biasAddBackward">): void {
    dense.biasAddBackward(this.checked("biasAddBackward", args), args);
  }
  reluForward(args: Args<"reluForward">): void {
    dense.reluForward(this.checked("reluForward", args), args);
  }
  reluBackward(args: Args<"reluBackward">): void {
    dense.reluBackward(this.checked("reluBackward", args), args);
  }
  sigmoidForward(args: Args<"sigmoidForward">): void {
    dense.sigmoidForward(this.checked("sigmoidForward", args), args);
  }
  sigmoidBackward(args: Args<"sigmoidBackward">): void {
    dense.sigmoidBackward(this.checked("sigmoidBackward", args), args);
  }
  crossForward(args: Args<"crossForward">): void {
    dense.crossForward(this.checked("crossForward", args), args);
  }
  crossBackward(args: Args<"crossBackward">): void {
    dense.crossBackward(this.checked("crossBackward", args), args);
  }
  fill(args: Args<"fill">): void {
    dense.fill(this.checked("fill", args), args);
  }
  lossForward(args: Args<"lossForward">): void {
    dense.lossForward(this.checked("lossForward", args), args);
  }
  lossBackward(args: Args<"lossBackward">): void {
    dense.lossBackward(this.checked("lossBackward", args), args);
  }
  sgdStep(args: Args<"sgdStep">): void {
    dense.sgdStep(this.checked("sgdStep", args), args);
  }
  adagradStep(args: Args<"adagradStep">): void {
    dense.adagradStep(this.checked("adagradStep", args), args);
  }
  fusedAdagradStep(args: FusedArgs<"fusedAdagradStep">): void {
    dense.fusedAdagradStep(this.checked("fusedAdagradStep", args), args);
  }
  interactionForward(args: Args<"interactionForward">): void {
    interaction.interactionForward(this.checked("interactionForward", args), args);
  }
  interactionBackward(args: Args<"interactionBackward">): void {
    interaction.interactionBackward(this.checked("interactionBackward", args), args);
  }
  embeddingBagsForward(args: Args<"embeddingBagsForward">): void {
    sparse.embeddingBagsForward(this.checked("embeddingBagsForward", args), args);
  }
  embeddingBagsBackward(args: Args<"embeddingBagsBackward">): void {
    sparse.embeddingBagsBackward(this.checked("embeddingBagsBackward", args), args);
  }
  sparseSgdStep(args: Args<"sparseSgdStep">): void {
    sparse.sparseSgdStep(this.checked("sparseSgdStep", args), args);
  }
  sparseAdagradStep(args: Args<"sparseAdagradStep">): void {
    sparse.sparseAdagradStep(this.checked("sparseAdagradStep", args), args);
  }
  embeddingBagsBackwardSparseStep(args: FusedArgs<"embeddingBagsBackwardSparseStep">): void {
    sparse.embeddingBagsBackwardSparseStep(this.checked("embeddingBagsBackwardSparseStep", args), args);
  }

  /** The tensor resolver of `validateOp` (the lazy wrapper checks arguments as it records). */
  readonly resolve: TensorResolver = (t, op, arg) => this.use(op).registry.get(t, op, arg);

  /** The live state; throws naming `op` once the backend is disposed. */
  private use(op: string): OpContext {
    if (this.state === undefined) throw disposedError(op, "wasm");
    return this.state;
  }

  /** The live state, after the contract's argument checks of `op`. */
  private checked(op: SpecifiedOp, args: unknown): OpContext {
    const ctx = this.use(op);
    validateOp(op, args, ctx.registry.resolve);
    return ctx;
  }
}
