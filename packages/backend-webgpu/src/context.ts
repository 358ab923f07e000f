/**
 * What every op family's dispatch code gets: the device, its limits, the tensor registry,
 * the pipeline cache and the recorder, plus the shared WGSL snippets (uniform struct,
 * storage bindings, the 1-D invocation index over a 2-D grid of 256-wide workgroups).
 */
import type { DeviceLimits } from "./device.js";
import type { FaultBuffer } from "./faults.js";
import type { GemmVariant } from "./kernels/gemm.js";
import type { PipelineCache } from "./pipelines.js";
import type { Recorder } from "./recorder.js";
import type { TensorRegistry } from "./tensors.js";

export interface GpuContext {
  readonly device: GPUDevice;
  readonly limits: DeviceLimits;
  readonly tensors: TensorRegistry;
  readonly pipelines: PipelineCache;
  readonly rec: Recorder;
  /** The sparse kernels' error buffer (faults.ts). */
  readonly faults: FaultBuffer;
  /** The GEMM kernel `gemm` and `linearForward` use (see kernels/gemm.ts). */
  readonly gemmVariant: GemmVariant;
}

/** `struct P { a: u32, b: f32, ... }` bound at binding 0 as `p` (fields are 4-byte scalars). */
export function uniformStruct(fields: readonly string[]): string {
  return `struct P { ${fields.join(", ")} }\n@group(0) @binding(0) var<uniform> p: P;\n`;
}

/** A read-write storage array at `binding` (1-based after the uniforms). */
export function storage(binding: number, name: string, element: string): string {
  return `@group(0) @binding(${binding}) var<storage, read_write> ${name}: array<${element}>;\n`;
}

/**
 * Entry point header of a 1-D kernel named `name` (an op's main kernel is named as the op,
 * and its pipeline key starts with that name); the body sees `i`, the global invocation index.
 */
export function main1d(name: string): string {
  return `@compute @workgroup_size(256)
fn ${name}(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.y * nwg.x + wid.x) * 256u + lid;
`;
}

/** f32 value of a uniform field. */
export function f32(v: number): { readonly f: number } {
  return { f: v };
}
