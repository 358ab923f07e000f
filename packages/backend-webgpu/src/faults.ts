/**
 * How the webgpu kernels refuse bad sparse data: a small error buffer every sparse kernel
 * binds. An invocation that finds a fault records `class << 28 | position` with atomicMin, for
 * the first op (lowest sequence number) that faulted; a one-invocation detail kernel run after
 * the op reads the entry at that position (in the rule order of core's sparse-faults.ts) and
 * stores the fault. `read` and `sync` read the buffer back and throw core's fault error for the
 * op that faulted, so on this backend a data fault surfaces at the next read or sync.
 */
import { SparseFaultCode, sparseFaultError, type SparseFault } from "@dlrm/core";
import type { Bound } from "./tensors.js";

/** "No fault" in every slot. */
const NONE = 0xffffffff;
/** u32 slots: 0 op seq, 1 key, 2 code, 3 value, 4 prev, 5 table, 6 position. */
const SLOTS = 8;

/** What the host remembers of an op that can fault, to complete its message. */
export interface FaultSite {
  readonly op: string;
  /** Rows of each table (Index, UniqueRow). */
  readonly rows?: readonly number[];
  /** Capacity of sparse.indices (OffsetsEnd) or of sparse.uniqueRows (UniqueEnd). */
  readonly capacity?: number;
  /** Bags per table (CsrBag). */
  readonly batchSize?: number;
}

/**
 * WGSL shared by the checking kernels (binding `err`): `fault(key)` records a fault of class
 * `cls` at position `pos` for this op (uniform `p.seq`). Class 0: a start or decrease of an
 * offsets array, 1: its end past a capacity, 2: an entry (index, slot) at `pos`.
 */
export const FAULT_WGSL = (
  binding: number,
): string => `@group(0) @binding(${binding}) var<storage, read_write> err: array<atomic<u32>>;
fn fault(cls: u32, pos: u32) {
  let first = atomicMin(&err[0], p.seq);
  if (first >= p.seq) { atomicMin(&err[1], (cls << 28u) | min(pos, 0x0fffffffu)); }
}
`;

/** WGSL of the detail kernels: `mine()` tells whether this op's fault still wants its detail. */
export const DETAIL_WGSL = `fn mine() -> bool { return atomicLoad(&err[0]) == p.seq && atomicLoad(&err[2]) == 0xffffffffu; }
fn put(code: u32, value: i32, prev: i32, table: u32, pos: u32) {
  atomicStore(&err[3], bitcast<u32>(value)); atomicStore(&err[4], bitcast<u32>(prev));
  atomicStore(&err[5], table); atomicStore(&err[6], pos); atomicStore(&err[2], code);
}
`;

/** The error buffer of one backend and the ops that may have written it since the last check. */
export class FaultBuffer {
  readonly bound: Bound;
  private readonly sites = new Map<number, FaultSite>();
  private seq = 0;

  constructor(device: GPUDevice) {
    const buffer = device.createBuffer({
      size: SLOTS * 4,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
      label: "sparse faults",
    });
    device.queue.writeBuffer(buffer, 0, new Uint32Array(SLOTS).fill(NONE));
    this.bound = { id: Number.MIN_SAFE_INTEGER, buffer };
  }

  /** Registers an op that checks sparse data; returns its sequence number (the kernels' `p.seq`). */
  site(site: FaultSite): number {
    this.seq = this.seq >= NONE - 1 ? 1 : this.seq + 1;
    this.sites.set(this.seq, site);
    return this.seq;
  }

  /**
   * Takes the ops recorded since the last call; `undefined` when none can have faulted. Call it
   * as the readback of the buffer (`bytes`) is recorded, then `throwIf` with what came back.
   */
  take(): ReadonlyMap<number, FaultSite> | undefined {
    if (this.sites.size === 0) return undefined;
    const sites = new Map(this.sites);
    this.sites.clear();
    return sites;
  }

  /** Bytes to read back. */
  readonly bytes = SLOTS * 4;

  /** Throws the first fault in the read-back buffer `data` (and clears the buffer through `write`). */
  throwIf(
    data: ArrayBuffer,
    sites: ReadonlyMap<number, FaultSite>,
    write: (b: GPUBuffer, data: Int32Array) => void,
  ): void {
    const e = new Uint32Array(data);
    if (e[0] === NONE) return;
    write(this.bound.buffer, new Int32Array(SLOTS).fill(-1));
    const site = sites.get(e[0]!) ?? { op: "sparse op" };
    throw sparseFaultError(site.op, FaultBuffer.fault(e, site));
  }

  /** The core fault the slots describe. */
  private static fault(e: Uint32Array, site: FaultSite): SparseFault {
    const i = new Int32Array(e.buffer);
    const code = e[2] as SparseFault["code"];
    const table = e[5]!;
    const base = { code, pos: e[6]!, value: i[3]!, prev: i[4]!, table };
    switch (code) {
      case SparseFaultCode.OffsetsEnd:
      case SparseFaultCode.UniqueEnd:
        return { ...base, limit: site.capacity };
      case SparseFaultCode.Index:
      case SparseFaultCode.UniqueRow:
        return { ...base, limit: site.rows?.[table] };
      case SparseFaultCode.CsrBag:
        return { ...base, limit: site.batchSize };
      default:
        return base;
    }
  }

  destroy(): void {
    this.bound.buffer.destroy();
  }
}
