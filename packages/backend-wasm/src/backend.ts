/**
 * `WasmBackend`: the contract on WebAssembly SIMD. Owns one shared linear memory (through
 * the arena), the tensor registry, and the GEMM worker pool; memory calls live here and each
 * op delegates to its family file (ops-dense, ops-sparse, ops-interaction). Eager only:
 * the factory wraps it with core's `withLazyMode` for lazy mode.
 */
import type { Backend, BackendInfo, BackendOps, DType, FusedOps, Tensor } from "@dlrm/core";
import { Arena } from "./arena.js";
import { OpContext } from "./context.js";
import { GemmPool } from "./gemm-pool.js";
import { createMemory, instantiate, loadModule } from "./loader.js";
import * as dense from "./ops-dense.js";
import * as interaction from "./ops-interaction.js";
import * as sparse from "./ops-sparse.js";
import { Registry, count } from "./registry.js";

type Args<K extends keyof BackendOps> = Parameters<BackendOps[K]>[0];
type FusedArgs<K extends keyof FusedOps> = Parameters<NonNullable<FusedOps[K]>>[0];

/** Pages the memory starts with (16 MiB: GEMM scratch and small models fit without growing). */
const INITIAL_PAGES = 256;

export class WasmBackend implements Backend {
  readonly mode = "eager" as const;
  readonly info: BackendInfo;
  private disposed = false;

  private constructor(private readonly ctx: OpContext, threads: number) {
    this.info = Object.freeze({
      name: "wasm",
      device: `host CPU via WebAssembly SIMD, ${threads} thread${threads === 1 ? "" : "s"}`,
      deterministic: true,
      precisions: Object.freeze(["fp32"] as const),
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
    return this.ctx.arena.liveBytes;
  }

  /** Current size of the linear memory in bytes. */
  get memoryCapacity(): number {
    return this.ctx.arena.capacity;
  }

  alloc(shape: readonly number[], dtype: DType, label?: string): Tensor {
    this.live("alloc");
    if (dtype !== "f32" && dtype !== "i32") throw new TypeError(`alloc: unknown dtype '${String(dtype)}'`);
    for (const d of shape) {
      if (!Number.isInteger(d) || d < 0) throw new RangeError(`alloc: shape [${shape.join(", ")}] must hold non-negative integers`);
    }
    const name = label ?? `tensor [${shape.join(", ")}] ${dtype}`;
    const size = shape.reduce((p, d) => p * d, 1);
    if (size > 2 ** 30) throw new RangeError(`alloc: cannot allocate ${name}: ${size} elements exceed 4 GiB of linear memory`);
    count("alloc", size);
    const offset = this.ctx.arena.alloc(size * 4, name);
    return this.ctx.registry.add(shape, dtype, offset);
  }

  write(t: Tensor, data: Float32Array | Int32Array, offset = 0): void {
    this.live("write");
    const entry = this.ctx.registry.get(t, "write", "t");
    const want = entry.tensor.dtype === "f32" ? Float32Array : Int32Array;
    if (!(data instanceof want)) throw new TypeError(`write: tensor ${t.id} is ${entry.tensor.dtype}; pass a ${want.name}`);
    if (!Number.isInteger(offset) || offset < 0 || offset + data.length > entry.tensor.size) {
      throw new RangeError(`write: ${data.length} elements at offset ${offset} do not fit tensor ${t.id} of ${entry.tensor.size}`);
    }
    const view = entry.tensor.dtype === "f32" ? this.ctx.arena.f32 : this.ctx.arena.i32;
    view.set(data, entry.offset / 4 + offset);
  }

  async read(t: Tensor): Promise<Float32Array | Int32Array> {
    this.live("read");
    const entry = this.ctx.registry.get(t, "read", "t");
    const start = entry.offset / 4;
    const view = entry.tensor.dtype === "f32" ? this.ctx.arena.f32 : this.ctx.arena.i32;
    return view.slice(start, start + entry.tensor.size);
  }

  free(t: Tensor): void {
    this.live("free");
    const entry = this.ctx.registry.remove(t, "free", "t");
    this.ctx.arena.free(entry.offset);
  }

  markStep(): void {
    this.live("markStep");
  }

  async sync(): Promise<void> {
    this.live("sync");
  }

  /** Terminates the workers and drops the memory; every later call throws. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.ctx.pool.dispose();
    this.ctx.registry.clear();
  }

  gemm(args: Args<"gemm">): void { this.live("gemm"); dense.gemm(this.ctx, args); }
  /** Benchmark baseline: the naive SIMD GEMM on one thread, same arguments as `gemm`. */
  gemmNaive(args: Args<"gemm">): void { this.live("gemmNaive"); dense.gemmNaive(this.ctx, args); }
  linearForward(args: FusedArgs<"linearForward">): void { this.live("linearForward"); dense.linearForward(this.ctx, args); }
  biasAddForward(args: Args<"biasAddForward">): void { this.live("biasAddForward"); dense.biasAddForward(this.ctx, args); }
  biasAddBackward(args: Args<"biasAddBackward">): void { this.live("biasAddBackward"); dense.biasAddBackward(this.ctx, args); }
  reluForward(args: Args<"reluForward">): void { this.live("reluForward"); dense.reluForward(this.ctx, args); }
  reluBackward(args: Args<"reluBackward">): void { this.live("reluBackward"); dense.reluBackward(this.ctx, args); }
  fill(args: Args<"fill">): void { this.live("fill"); dense.fill(this.ctx, args); }
  lossForward(args: Args<"lossForward">): void { this.live("lossForward"); dense.lossForward(this.ctx, args); }
  lossBackward(args: Args<"lossBackward">): void { this.live("lossBackward"); dense.lossBackward(this.ctx, args); }
  sgdStep(args: Args<"sgdStep">): void { this.live("sgdStep"); dense.sgdStep(this.ctx, args); }
  adagradStep(args: Args<"adagradStep">): void { this.live("adagradStep"); dense.adagradStep(this.ctx, args); }
  fusedAdagradStep(args: FusedArgs<"fusedAdagradStep">): void { this.live("fusedAdagradStep"); dense.fusedAdagradStep(this.ctx, args); }
  interactionForward(args: Args<"interactionForward">): void { this.live("interactionForward"); interaction.interactionForward(this.ctx, args); }
  interactionBackward(args: Args<"interactionBackward">): void { this.live("interactionBackward"); interaction.interactionBackward(this.ctx, args); }
  embeddingBagsForward(args: Args<"embeddingBagsForward">): void { this.live("embeddingBagsForward"); sparse.embeddingBagsForward(this.ctx, args); }
  embeddingBagsBackward(args: Args<"embeddingBagsBackward">): void { this.live("embeddingBagsBackward"); sparse.embeddingBagsBackward(this.ctx, args); }
  sparseSgdStep(args: Args<"sparseSgdStep">): void { this.live("sparseSgdStep"); sparse.sparseSgdStep(this.ctx, args); }
  sparseAdagradStep(args: Args<"sparseAdagradStep">): void { this.live("sparseAdagradStep"); sparse.sparseAdagradStep(this.ctx, args); }
  embeddingBagsBackwardSparseStep(args: FusedArgs<"embeddingBagsBackwardSparseStep">): void {
    this.live("embeddingBagsBackwardSparseStep");
    sparse.embeddingBagsBackwardSparseStep(this.ctx, args);
  }

  private live(op: string): void {
    if (this.disposed) throw new Error(`${op}: the wasm backend was disposed`);
  }
}
