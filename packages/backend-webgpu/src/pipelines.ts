/**
 * Pipeline and bind-group caches. A pipeline is compiled once per key (op name plus its
 * specialisation: transposes, tile variant, vec4 alignment, optimizer kind...). Layouts are
 * explicit: binding 0 is the dispatch's uniform slot (dynamic offset), bindings 1..n are
 * read-write storage buffers (so in-place aliasing is legal). Bind groups are cached by the
 * buffers they hold, so a training loop creates none after its first step.
 */
import type { Bound } from "./tensors.js";
import { UNIFORM_WORDS } from "./uniforms.js";

/** A compiled kernel and the number of storage buffers it binds. */
export interface Kernel {
  readonly key: string;
  readonly pipeline: GPUComputePipeline;
  readonly storageCount: number;
}

export class PipelineCache {
  private readonly layouts = new Map<number, { group: GPUBindGroupLayout; pipeline: GPUPipelineLayout }>();
  private readonly pipelines = new Map<string, Kernel>();
  private readonly groups = new Map<string, GPUBindGroup>();
  private readonly groupsByTensor = new Map<number, Set<string>>();
  /** Pipelines compiled so far (tests check the cache is hit). */
  compiled = 0;

  constructor(private readonly device: GPUDevice) {}

  private layout(storageCount: number): { group: GPUBindGroupLayout; pipeline: GPUPipelineLayout } {
    let l = this.layouts.get(storageCount);
    if (l === undefined) {
      const entries: GPUBindGroupLayoutEntry[] = [
        {
          binding: 0,
          visibility: GPUShaderStage.COMPUTE,
          buffer: { type: "uniform", hasDynamicOffset: true, minBindingSize: UNIFORM_WORDS * 4 },
        },
      ];
      for (let i = 1; i <= storageCount; i++)
        entries.push({ binding: i, visibility: GPUShaderStage.COMPUTE, buffer: { type: "storage" } });
      const group = this.device.createBindGroupLayout({ entries, label: `layout ${storageCount}` });
      l = { group, pipeline: this.device.createPipelineLayout({ bindGroupLayouts: [group] }) };
      this.layouts.set(storageCount, l);
    }
    return l;
  }

  /**
   * The pipeline for `key`, compiling `wgsl()` on first use. The key is the WGSL entry
   * point's name (an op's main kernel is named as the op), then optionally ":" and the
   * specialisation: "reluForward:...", "gemm:tiled:nt:44:none".
   */
  kernel(key: string, storageCount: number, wgsl: () => string): Kernel {
    let k = this.pipelines.get(key);
    if (k === undefined) {
      const module = this.device.createShaderModule({ code: wgsl(), label: key });
      const pipeline = this.device.createComputePipeline({
        layout: this.layout(storageCount).pipeline,
        compute: { module, entryPoint: key.split(":")[0]! },
        label: key,
      });
      k = { key, pipeline, storageCount };
      this.pipelines.set(key, k);
      this.compiled++;
    }
    return k;
  }

  /** The bind group holding uniform chunk `uniforms` and `buffers` in order (cached). */
  bindGroup(kernel: Kernel, uniformChunk: number, uniforms: GPUBuffer, buffers: readonly Bound[]): GPUBindGroup {
    const key = `${kernel.storageCount}|${uniformChunk}|${buffers.map((b) => b.id).join(",")}`;
    let g = this.groups.get(key);
    if (g === undefined) {
      const entries: GPUBindGroupEntry[] = [{ binding: 0, resource: { buffer: uniforms, size: UNIFORM_WORDS * 4 } }];
      buffers.forEach((b, i) => entries.push({ binding: i + 1, resource: { buffer: b.buffer } }));
      g = this.device.createBindGroup({ layout: this.layout(kernel.storageCount).group, entries });
      this.groups.set(key, g);
      for (const b of buffers) {
        let set = this.groupsByTensor.get(b.id);
        if (set === undefined) this.groupsByTensor.set(b.id, (set = new Set()));
        set.add(key);
      }
    }
    return g;
  }

  /** Drops every cached bind group that holds tensor `id` (call when it is freed). */
  forget(id: number): void {
    const keys = this.groupsByTensor.get(id);
    if (keys === undefined) return;
    for (const k of keys) this.groups.delete(k);
    this.groupsByTensor.delete(id);
  }

  /** Number of cached bind groups. */
  get bindGroupCount(): number {
    return this.groups.size;
  }

  clear(): void {
    this.pipelines.clear();
    this.groups.clear();
    this.groupsByTensor.clear();
    this.layouts.clear();
  }
}
