/**
 * The command recorder: the only place that encodes and submits. Dispatches go into one
 * open compute pass of one command encoder; eager mode submits after every op, lazy mode
 * at `flush()` (markStep, read, free, sync), so a whole training step is one submission.
 * Host writes go straight to the queue when nothing is recorded yet, otherwise through a
 * reused upload buffer and a recorded copy, so they land in program order either way.
 */
import type { ExecutionMode } from "@dlrm/core";
import type { Bound } from "./tensors.js";
import type { Kernel, PipelineCache } from "./pipelines.js";
import { UniformArena, type UniformValue } from "./uniforms.js";

/** Bytes of one upload chunk (larger writes get a chunk of their own size). */
const UPLOAD_CHUNK = 4 << 20;
/** Threads per workgroup of every 1-D kernel. */
export const WORKGROUP = 256;

/** Counters a test or benchmark reads. */
export interface RecorderStats {
  /** queue.submit calls so far. */
  submissions: number;
  /** Dispatches recorded so far. */
  dispatches: number;
}

interface UploadChunk {
  readonly buffer: GPUBuffer;
  readonly size: number;
}

export class Recorder {
  readonly stats: RecorderStats = { submissions: 0, dispatches: 0 };
  private encoder: GPUCommandEncoder | undefined;
  private pass: GPUComputePassEncoder | undefined;
  private readonly uniforms: UniformArena;
  private readonly uploads: UploadChunk[] = [];
  private uploadChunk = 0;
  private uploadCursor = 0;
  private readonly readbacks: GPUBuffer[] = [];

  constructor(
    private readonly device: GPUDevice,
    private readonly pipelines: PipelineCache,
    readonly mode: ExecutionMode,
    uniformAlignment: number,
    private readonly maxGroups: number,
  ) {
    this.uniforms = new UniformArena(device, uniformAlignment);
  }

  /** Workgroup counts (x, y) covering `groups` workgroups within the per-dimension limit. */
  grid(groups: number): [number, number] {
    if (groups <= this.maxGroups) return [Math.max(groups, 1), 1];
    const y = Math.ceil(groups / this.maxGroups);
    return [Math.ceil(groups / y), y];
  }

  /** Records one dispatch of `kernel` over (x, y, z) workgroups. Nothing is recorded for an empty grid. */
  dispatch(
    kernel: Kernel,
    buffers: readonly Bound[],
    uniforms: readonly UniformValue[],
    x: number,
    y = 1,
    z = 1,
  ): void {
    if (x === 0 || y === 0 || z === 0) return;
    if (buffers.length !== kernel.storageCount)
      throw new Error(`${kernel.key}: ${buffers.length} buffers for ${kernel.storageCount} bindings`);
    const slot = this.uniforms.push(uniforms);
    const group = this.pipelines.bindGroup(kernel, slot.chunk, this.uniforms.chunk(slot.chunk), buffers);
    const pass = this.openPass();
    pass.setPipeline(kernel.pipeline);
    pass.setBindGroup(0, group, [slot.offset]);
    pass.dispatchWorkgroups(x, y, z);
    this.stats.dispatches++;
  }

  /** Records a 1-D dispatch of `threads` invocations (WORKGROUP per group, 2-D grid when large). */
  dispatch1d(kernel: Kernel, buffers: readonly Bound[], uniforms: readonly UniformValue[], threads: number): void {
    if (threads === 0) return;
    const [x, y] = this.grid(Math.ceil(threads / WORKGROUP));
    this.dispatch(kernel, buffers, uniforms, x, y);
  }

  /** Copies host data into `buffer` at `byteOffset`, ordered after everything recorded so far. */
  write(buffer: GPUBuffer, byteOffset: number, data: Float32Array | Int32Array): void {
    if (data.byteLength === 0) return;
    if (this.encoder === undefined) {
      this.device.queue.writeBuffer(buffer, byteOffset, data.buffer, data.byteOffset, data.byteLength);
      return;
    }
    const bytes = data.byteLength;
    let chunk = this.uploads[this.uploadChunk];
    if (chunk !== undefined && this.uploadCursor + bytes > chunk.size) {
      this.uploadChunk++;
      this.uploadCursor = 0;
      chunk = this.uploads[this.uploadChunk];
    }
    while (chunk !== undefined && bytes > chunk.size) {
      this.uploadChunk++;
      chunk = this.uploads[this.uploadChunk];
    }
    if (chunk === undefined) {
      const size = Math.max(UPLOAD_CHUNK, Math.ceil(bytes / 16) * 16);
      chunk = {
        buffer: this.device.createBuffer({
          size,
          usage: GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
          label: "upload",
        }),
        size,
      };
      this.uploads.splice(this.uploadChunk, 0, chunk);
    }
    this.device.queue.writeBuffer(chunk.buffer, this.uploadCursor, data.buffer, data.byteOffset, bytes);
    this.closePass();
    this.encoder.copyBufferToBuffer(chunk.buffer, this.uploadCursor, buffer, byteOffset, bytes);
    this.uploadCursor += Math.ceil(bytes / 16) * 16;
  }

  /** Records a buffer-to-buffer copy. */
  copy(src: GPUBuffer, srcOffset: number, dst: GPUBuffer, dstOffset: number, bytes: number): void {
    if (bytes === 0) return;
    this.closePass();
    this.openEncoder().copyBufferToBuffer(src, srcOffset, dst, dstOffset, bytes);
  }

  /** End of one op: eager mode submits it. */
  endOp(): void {
    if (this.mode === "eager") this.flush();
  }

  /** Whether anything is recorded and not yet submitted. */
  get pending(): boolean {
    return this.encoder !== undefined;
  }

  /** Submits everything recorded (one command buffer); no-op when nothing is. */
  flush(): void {
    if (this.encoder === undefined) return;
    this.closePass();
    const commands = this.encoder.finish();
    this.encoder = undefined;
    this.uniforms.flush(this.device.queue);
    this.device.queue.submit([commands]);
    this.stats.submissions++;
    this.uploadChunk = 0;
    this.uploadCursor = 0;
  }

  /** Copies `bytes` of `buffer` back to the host, after all recorded work (one submission). */
  async read(buffer: GPUBuffer, bytes: number): Promise<ArrayBuffer> {
    return (await this.readMany([{ buffer, bytes }]))[0]!;
  }

  /** Copies several buffers back to the host, after all recorded work, in one submission. */
  async readMany(items: readonly { buffer: GPUBuffer; bytes: number }[]): Promise<ArrayBuffer[]> {
    const staged = items.map(({ buffer, bytes }) => {
      const size = Math.max(16, Math.ceil(bytes / 16) * 16);
      const i = this.readbacks.findIndex((b) => b.size >= size);
      const staging =
        i >= 0
          ? this.readbacks.splice(i, 1)[0]!
          : this.device.createBuffer({
              size,
              usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
              label: "readback",
            });
      this.copy(buffer, 0, staging, 0, size);
      return { staging, size, bytes };
    });
    this.flush();
    return Promise.all(
      staged.map(async ({ staging, size, bytes }) => {
        try {
          await staging.mapAsync(GPUMapMode.READ, 0, size);
          const out = staging.getMappedRange(0, size).slice(0, bytes);
          staging.unmap();
          this.readbacks.push(staging);
          return out;
        } catch (e) {
          staging.destroy();
          throw e;
        }
      }),
    );
  }

  /** Resolves when all submitted work is done. */
  async sync(): Promise<void> {
    this.flush();
    await this.device.queue.onSubmittedWorkDone();
  }

  /** Destroys the recorder's own buffers and drops the open encoder. */
  destroy(): void {
    this.pass = undefined;
    this.encoder = undefined;
    this.uniforms.destroy();
    for (const u of this.uploads) u.buffer.destroy();
    for (const r of this.readbacks) r.destroy();
    this.uploads.length = 0;
    this.readbacks.length = 0;
  }

  private openEncoder(): GPUCommandEncoder {
    this.encoder ??= this.device.createCommandEncoder();
    return this.encoder;
  }

  private openPass(): GPUComputePassEncoder {
    this.pass ??= this.openEncoder().beginComputePass();
    return this.pass;
  }

  private closePass(): void {
    if (this.pass !== undefined) {
      this.pass.end();
      this.pass = undefined;
    }
  }
}
