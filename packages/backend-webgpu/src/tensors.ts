/**
 * The tensor registry and argument checks: each tensor owns one GPUBuffer (usage storage,
 * copy source and destination, padded to 16 bytes so vec4 views bind), or, when it is larger
 * than one buffer may be, several buffers holding whole row ranges (chunks). Its `resolve` is
 * the resolver of core's `validateOp`; after validation an op binds its tensors here, and a
 * split tensor given to an op that takes only one buffer throws naming the op and the argument.
 */
import { TensorTable, type DType, type Tensor } from "@dlrm/core";

/** One buffer of a tensor: rows [firstRow, firstRow + rows) of dim 0, elements [firstElem, firstElem + elems). */
export interface Chunk {
  /** Bind-group cache id: the tensor id for the first chunk, a negative id for the others. */
  readonly id: number;
  readonly buffer: GPUBuffer;
  readonly firstRow: number;
  readonly rows: number;
  readonly firstElem: number;
  readonly elems: number;
}

/** A live tensor and its buffers (one chunk unless it is split by rows). */
export interface Entry {
  readonly tensor: Tensor;
  readonly chunks: readonly Chunk[];
  readonly label: string;
  /** Why the tensor is split (which limit it exceeds), for the ops that refuse split tensors. */
  readonly splitReason: string | undefined;
}

/** A buffer as the bind-group cache sees it: the buffer plus a stable id. */
export interface Bound {
  readonly id: number;
  readonly buffer: GPUBuffer;
}

/** Bytes of the buffer backing `size` elements: at least 16, a multiple of 16. */
export function bufferBytes(size: number): number {
  return Math.max(16, Math.ceil((size * 4) / 16) * 16);
}

/** Tensor handles with their GPU buffers. */
export class TensorRegistry extends TensorTable<Entry> {
  private nextChunkId = -1;

  /**
   * Registers a fresh tensor backed by `buffers`, the i-th holding `rowsPer` rows of
   * `rowElems` elements (the last one the rest); `splitReason` is set when there are several.
   */
  register(
    shape: readonly number[],
    dtype: DType,
    buffers: readonly GPUBuffer[],
    rowsPer: number,
    rowElems: number,
    label: string,
    splitReason?: string,
  ): Tensor {
    return this.add(shape, dtype, (tensor) => {
      const totalRows = shape.length === 0 ? 1 : shape[0]!;
      const chunks = buffers.map((buffer, i): Chunk => {
        if (buffers.length === 1)
          return { id: tensor.id, buffer, firstRow: 0, rows: totalRows, firstElem: 0, elems: tensor.size };
        const firstRow = i * rowsPer;
        const rows = Math.min(rowsPer, totalRows - firstRow);
        return {
          id: i === 0 ? tensor.id : this.nextChunkId--,
          buffer,
          firstRow,
          rows,
          firstElem: firstRow * rowElems,
          elems: rows * rowElems,
        };
      });
      return { tensor, chunks, label, splitReason: buffers.length > 1 ? splitReason : undefined };
    });
  }

  /** A validated tensor in one buffer, as a bindable buffer. */
  bind(t: Tensor | undefined, op: string, arg: string): Bound {
    const entry = this.get(t, op, arg);
    const chunk = entry.chunks[0]!;
    if (entry.chunks.length > 1) {
      throw new RangeError(
        `${op}: argument '${arg}' (${entry.label}) ${entry.splitReason ?? "is split"}; it is split across ${entry.chunks.length} buffers ` +
          `by rows, which only the embedding-table ops (embeddingBagsForward, sparse steps) and write/read/fill/free take`,
      );
    }
    return { id: chunk.id, buffer: chunk.buffer };
  }

  /** Several validated tensor arguments of `args`, by name, each in one buffer. */
  bindArgs<N extends string[]>(op: string, args: object, ...names: N): { [K in keyof N]: Bound } {
    return names.map((n) => this.bind((args as Record<string, Tensor>)[n], op, n)) as { [K in keyof N]: Bound };
  }

  /** A validated tensor as its chunks (one or more). */
  chunks(t: Tensor | undefined, op: string, arg: string): readonly Chunk[] {
    return this.get(t, op, arg).chunks;
  }
}
