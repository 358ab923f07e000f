/**
 * `WebGpuBackend`: the contract on WebGPU through Dawn. Owns one device, the tensor
 * registry (a GPUBuffer per tensor, or row-range chunks for one over the binding limit), the pipeline and bind-group caches and the recorder;
 * memory calls live here and each op delegates to its family file under kernels/. Eager
 * mode submits after every op; lazy mode records until markStep/read/free/sync and submits
 * one command buffer. Every op runs core's `validateOp` first; a fault in the sparse data is
 * thrown at the next read or sync (faults.ts). `dispose()` destroys the device and drops every reference.
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
  type ExecutionMode,
  type FusedOps,
  type SpecifiedOp,
  type Tensor,
} from "@dlrm/core";
import type { GpuContext } from "./context.js";
import { acquireDevice, type DeviceLimits } from "./device.js";
import { FaultBuffer } from "./faults.js";
import { roundToBf16 } from "./kernels/bf16.js";
import * as elementwise from "./kernels/elementwise.js";
import * as sigmoid from "./kernels/sigmoid.js";
import * as bags from "./kernels/embedding-bags.js";
import { fill } from "./kernels/fill.js";
import { gemm, linearForward, type GemmVariant } from "./kernels/gemm.js";
import * as interaction from "./kernels/interaction.js";
import * as loss from "./kernels/loss.js";
import * as optimizers from "./kernels/optimizers.js";
import * as sparse from "./kernels/sparse-optimizers.js";
import { PipelineCache } from "./pipelines.js";
import { Recorder, type RecorderStats } from "./recorder.js";
import { TensorRegistry, bufferBytes } from "./tensors.js";

/**
 * GEMM kernel on CPU Vulkan drivers and on GPUs: the faster one on each in the webgpu-gemm
 * bench (figures, files and command in this package's README, "Benchmarks").
 */
const SOFTWARE_GEMM: GemmVariant = "blocked";
const HARDWARE_GEMM: GemmVariant = "tiled";

/** Options of `WebGpuBackend.create` beyond the mode. */
export interface WebGpuOptions {
  /**
   * Test hook: split any tensor larger than this many bytes into row-range chunks (as if the
   * device's binding limit were this small), so tests cover splitting without huge tables.
   */
  readonly maxChunkBytes?: number;
}

type Args<K extends keyof BackendOps> = Parameters<BackendOps[K]>[0];
type FusedArgs<K extends keyof FusedOps> = Parameters<NonNullable<FusedOps[K]>>[0];

export class WebGpuBackend implements Backend {
  readonly info: BackendInfo;
  private ctx: GpuContext | undefined;
  private deviceError: string | undefined;

  private constructor(
    ctx: GpuContext,
    description: string,
    readonly mode: ExecutionMode,
    private readonly maxChunkBytes: number | undefined,
  ) {
    this.ctx = ctx;
    this.info = Object.freeze({
      name: "webgpu",
      device: description,
      deterministic: true,
      precisions: Object.freeze(["fp32", "bf16"] as const),
    });
    ctx.device.onuncapturederror = (e: GPUUncapturedErrorEvent) => {
      this.deviceError ??= e.error.message;
    };
  }

  /** Acquires a device and builds an eager or lazy backend on it. */
  static async create(mode: ExecutionMode, options: WebGpuOptions = {}): Promise<WebGpuBackend> {
    const forced = options.maxChunkBytes;
    if (forced !== undefined && !(Number.isInteger(forced) && forced >= 16))
      throw new RangeError(`WebGpuBackend.create: maxChunkBytes must be an integer >= 16, got ${forced}`);
    const { device, description, limits, software } = await acquireDevice();
    const pipelines = new PipelineCache(device);
    const rec = new Recorder(
      device,
      pipelines,
      mode,
      limits.minUniformBufferOffsetAlignment,
      limits.maxComputeWorkgroupsPerDimension,
    );
    const gemmVariant = software ? SOFTWARE_GEMM : HARDWARE_GEMM;
    const faults = new FaultBuffer(device);
    return new WebGpuBackend(
      { device, limits, tensors: new TensorRegistry(), pipelines, rec, faults, gemmVariant },
      description,
      mode,
      forced,
    );
  }

  /** Submissions and dispatches so far (lazy mode: one submission per step). */
  get stats(): Readonly<RecorderStats> {
    return this.live("stats").rec.stats;
  }

  /** Pipelines compiled and bind groups cached (tests check the step loop creates none). */
  get cacheSizes(): { pipelines: number; bindGroups: number } {
    const p = this.live("cacheSizes").pipelines;
    return { pipelines: p.compiled, bindGroups: p.bindGroupCount };
  }

  /** The device limits the allocator checks tensors against. */
  get limits(): DeviceLimits {
    return this.live("limits").limits;
  }

  alloc(shape: readonly number[], dtype: DType, label?: string): Tensor {
    const ctx = this.live("alloc");
    const size = checkAlloc(shape, dtype, label);
    const name = label ?? `tensor [${shape.join(", ")}] ${dtype}`;
    const bytes = bufferBytes(size);
    const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
    const { maxStorageBufferBindingSize: bind, maxBufferSize: max } = ctx.limits;
    const limits: [string, number][] = [
      ["maxStorageBufferBindingSize", bind],
      ["maxBufferSize", max],
    ];
    if (this.maxChunkBytes !== undefined) limits.push(["test chunk limit (maxChunkBytes)", this.maxChunkBytes]);
    const [limit, value] = limits.reduce((a, b) => (b[1] < a[1] ? b : a));
    if (bytes <= value) {
      const buffer = ctx.device.createBuffer({ size: bytes, usage, label: name });
      return ctx.tensors.register(shape, dtype, [buffer], 0, size, name);
    }
    const reason = `needs ${bytes} bytes, more than this device's ${limit} of ${value} bytes (${this.info.device})`;
    const rows = shape.length === 0 ? 1 : shape[0]!;
    const rowElems = rows === 0 ? 0 : size / rows;
    const rowsPer = Math.floor((Math.floor(value / 16) * 16) / (rowElems * 4));
    if (rowsPer < 1) {
      throw new RangeError(
        `alloc: ${name} [${shape.join(" x ")}] ${reason}, and one row of ${rowElems * 4} bytes does not fit one buffer; ` +
          `the webgpu backend splits a tensor across buffers only by whole rows: use a smaller row, or another backend`,
      );
    }
    const n = Math.ceil(rows / rowsPer);
    const buffers: GPUBuffer[] = [];
    for (let i = 0; i < n; i++) {
      const elems = Math.min(rowsPer, rows - i * rowsPer) * rowElems;
      buffers.push(ctx.device.createBuffer({ size: bufferBytes(elems), usage, label: `${name} rows ${i * rowsPer}+` }));
    }
    return ctx.tensors.register(shape, dtype, buffers, rowsPer, rowElems, name, reason);
  }

  write(t: Tensor, data: Float32Array | Int32Array, offset = 0): void {
    const ctx = this.live("write");
    const entry = ctx.tensors.get(t, "write", "t");
    checkWrite(t, data, offset);
    const end = offset + data.length;
    for (const c of entry.chunks) {
      const lo = Math.max(offset, c.firstElem);
      const hi = Math.min(end, c.firstElem + c.elems);
      if (lo < hi) ctx.rec.write(c.buffer, (lo - c.firstElem) * 4, data.subarray(lo - offset, hi - offset));
    }
  }

  async read(t: Tensor): Promise<Float32Array | Int32Array> {
    const ctx = this.live("read");
    const entry = ctx.tensors.get(t, "read", "t");
    const out = entry.tensor.dtype === "f32" ? new Float32Array(entry.tensor.size) : new Int32Array(entry.tensor.size);
    const sites = ctx.faults.take();
    const items = entry.chunks.map((c) => ({ buffer: c.buffer, bytes: c.elems * 4 }));
    if (sites !== undefined) items.push({ buffer: ctx.faults.bound.buffer, bytes: ctx.faults.bytes });
    const got = await ctx.rec.readMany(items);
    this.throwDeviceError("read");
    if (sites !== undefined) ctx.faults.throwIf(got.pop()!, sites, (b, data) => ctx.rec.write(b, 0, data));
    entry.chunks.forEach((c, i) =>
      out.set(entry.tensor.dtype === "f32" ? new Float32Array(got[i]!) : new Int32Array(got[i]!), c.firstElem),
    );
    return out;
  }

  /** Submits recorded work that may use t, then releases its buffers. */
  free(t: Tensor): void {
    const ctx = this.live("free");
    const entry = ctx.tensors.get(t, "free", "t");
    ctx.rec.flush();
    ctx.tensors.remove(t, "free");
    for (const c of entry.chunks) {
      ctx.pipelines.forget(c.id);
      c.buffer.destroy();
    }
  }

  markStep(): void {
    this.live("markStep").rec.flush();
  }

  async sync(): Promise<void> {
    const ctx = this.live("sync");
    const sites = ctx.faults.take();
    if (sites === undefined) await ctx.rec.sync();
    else {
      const [data] = await ctx.rec.readMany([{ buffer: ctx.faults.bound.buffer, bytes: ctx.faults.bytes }]);
      await ctx.rec.sync();
      this.throwDeviceError("sync");
      ctx.faults.throwIf(data!, sites, (b, d) => ctx.rec.write(b, 0, d));
    }
    this.throwDeviceError("sync");
  }

  /** Destroys the device (and with it every buffer) and drops every reference. */
  dispose(): void {
    const ctx = this.ctx;
    if (ctx === undefined) return;
    this.ctx = undefined;
    ctx.device.onuncapturederror = null;
    ctx.rec.destroy();
    ctx.faults.destroy();
    ctx.pipelines.clear();
    ctx.tensors.clear();
    ctx.device.destroy();
  }

  gemm(args: Args<"gemm">): void {
    gemm(this.checked("gemm", args), args);
  }
  /** `gemm` with a chosen kernel variant (benchmarks). */
  gemmVariant(args: Args<"gemm">, variant: GemmVariant): void {
    gemm(this.checked("gemm", args), args, variant);
  }
  linearForward(args: FusedArgs<"linearForward">): void {
    linearForward(this.checked("linearForward", args), args);
  }
  /** Test hook: dst[i] = the WGSL bf16 rounding of src[i] for i < size, as bit patterns (see kernels/bf16.ts). */
  roundToBf16(args: { src: Tensor; dst: Tensor; size: number }): void {
    roundToBf16(this.checked("roundToBf16", args), args);
  }
  biasAddForward(args: Args<"biasAddForward">): void {
    elementwise.biasAddForward(this.checked("biasAddForward", args), args);
  }
  biasAddBackward(args: Args<"biasAddBackward">): void {
    elementwise.biasAddBackward(this.checked("biasAddBackward", args), args);
  }
  reluForward(args: Args<"reluForward">): void {
    elementwise.reluForward(this.checked("reluForward", args), args);
  }
  reluBackward(args: Args<"reluBackward">): void {
    elementwise.reluBackward(this.checked("reluBackward", args), args);
  }
  sigmoidForward(args: Args<"sigmoidForward">): void {
    sigmoid.sigmoidForward(this.checked("sigmoidForward", args), args);
  }
  sigmoidBackward(args: Args<"sigmoidBackward">): void {
    sigmoid.sigmoidBackward(this.checked("sigmoidBackward", args), args);
  }
  crossForward(args: Args<"crossForward">): void {
    elementwise.crossForward(this.checked("crossForward", args), args);
  }
  crossBackward(args: Args<"crossBackward">): void {
    elementwise.crossBackward(this.checked("crossBackward", args), args);
  }
  embeddingBagsForward(args: Args<"embeddingBagsForward">): void {
    bags.embeddingBagsForward(this.checked("embeddingBagsForward", args), args);
  }
  embeddingBagsBackward(args: Args<"embeddingBagsBackward">): void {
    bags.embeddingBagsBackward(this.checked("embeddingBagsBackward", args), args);
  }
  interactionForward(args: Args<"interactionForward">): void {
    interaction.interactionForward(this.checked("interactionForward", args), args);
  }
  interactionBackward(args: Args<"interactionBackward">): void {
    interaction.interactionBackward(this.checked("interactionBackward", args), args);
  }
  lossForward(args: Args<"lossForward">): void {
    loss.lossForward(this.checked("lossForward", args), args);
  }
  lossBackward(args: Args<"lossBackward">): void {
    loss.lossBackward(this.checked("lossBackward", args), args);
  }
  sgdStep(args: Args<"sgdStep">): void {
    optimizers.sgdStep(this.checked("sgdStep", args), args);
  }
  adagradStep(args: Args<"adagradStep">): void {
    optimizers.adagradStep(this.checked("adagradStep", args), args);
  }
  fusedAdagradStep(args: FusedArgs<"fusedAdagradStep">): void {
    optimizers.fusedAdagradStep(this.checked("fusedAdagradStep", args), args);
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
  fill(args: Args<"fill">): void {
    fill(this.checked("fill", args), args);
  }

  private live(op: string): GpuContext {
    if (this.ctx === undefined) throw disposedError(op, "webgpu");
    return this.ctx;
  }

  /** The live context, after the contract's argument checks of `op`. */
  private checked(op: SpecifiedOp, args: unknown): GpuContext {
    const ctx = this.live(op);
    validateOp(op, args, ctx.tensors.resolve);
    return ctx;
  }

  private throwDeviceError(op: string): void {
    const error = this.deviceError;
    if (error === undefined) return;
    this.deviceError = undefined;
    throw new Error(`${op}: the GPU device reported an error: ${error}`);
  }
}
