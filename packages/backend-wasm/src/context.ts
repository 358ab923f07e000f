/**
 * What every op implementation needs: the kernels, the arena, the tensor registry, the
 * GEMM thread pool, and a reusable descriptor buffer for per-table or per-tensor lists
 * (written through the arena's i32 view, read by the kernels).
 */
import type { Arena } from "./arena.js";
import type { GemmPool } from "./gemm-pool.js";
import type { Kernels } from "./kernels.js";
import type { Registry } from "./registry.js";

export class OpContext {
  private descOffset = 0;
  private descBytes = 0;

  constructor(
    readonly kernels: Kernels,
    readonly arena: Arena,
    readonly registry: Registry,
    readonly pool: GemmPool,
  ) {}

  /**
   * Writes `words` (i32 values; byte offsets >= 2^31 wrap, as wasm32 reads them back as u32)
   * into the descriptor buffer and returns its offset. Valid until the next call.
   */
  descriptors(words: readonly number[]): number {
    const bytes = Math.max(words.length * 4, 64);
    if (bytes > this.descBytes) {
      if (this.descBytes > 0) this.arena.free(this.descOffset);
      this.descOffset = this.arena.alloc(bytes * 2, "descriptor buffer");
      this.descBytes = bytes * 2;
    }
    const base = this.descOffset / 4;
    const view = this.arena.i32;
    for (let i = 0; i < words.length; i++) view[base + i] = words[i]! | 0;
    return this.descOffset;
  }
}
