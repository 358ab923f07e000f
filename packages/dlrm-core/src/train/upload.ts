/**
 * Moves one host batch into the model's fixed-size device buffers: preprocesses the sparse
 * input (unique rows + CSR inverse map, validated against the table sizes), then writes
 * every buffer at its full size from reusable host staging arrays (the tails are zero).
 */
import type { Backend } from "../backend.js";
import type { Batch } from "../data/batch.js";
import { buildSparseBatch, SparseInputError } from "../data/sparse-batch.js";
import type { DlrmModel } from "../model/dlrm.js";
import { rankBatch } from "../parallel/rank-batch.js";

/** A batch whose values cannot be trained on (non-finite dense value, target outside [0, 1]). */
export class BatchDataError extends RangeError {
  constructor(message: string) {
    super(message);
    this.name = "BatchDataError";
  }
}

export class BatchUploader {
  private readonly staging: Record<"indices" | "uniqueRows" | "csrOffsets" | "csrBags", Int32Array>;

  constructor(
    private readonly backend: Backend,
    private readonly model: DlrmModel,
  ) {
    const s = model.sparse;
    this.staging = {
      indices: new Int32Array(s.indices.size),
      uniqueRows: new Int32Array(s.uniqueRows.size),
      csrOffsets: new Int32Array(s.csrOffsets.size),
      csrBags: new Int32Array(s.csrBags.size),
    };
  }

  /** Validates and writes `batch`; throws SparseInputError or RangeError naming the problem. */
  upload(global: Batch): void {
    const m = this.model;
    const cfg = m.config;
    if (global.targets.length !== cfg.batchSize)
      throw new RangeError(`batch targets: expected ${cfg.batchSize}, got ${global.targets.length}`);
    const batch =
      m.shard === undefined ? global : rankBatch(global, cfg.batchSize, cfg.model.tableRows.length, m.shard);
    const B = m.localBatch;
    if (batch.dense.length !== m.dense.size)
      throw new RangeError(`batch dense features: expected ${m.dense.size} values, got ${batch.dense.length}`);
    if (batch.targets.length !== B) throw new RangeError(`batch targets: expected ${B}, got ${batch.targets.length}`);
    if (batch.sparse.indices.length > m.nnzMax) {
      throw new SparseInputError(
        `batch has ${batch.sparse.indices.length} indices, more than the ${m.nnzMax} the buffers hold`,
      );
    }
    const denseIn = batch.dense.length / B;
    const badDense = batch.dense.findIndex((v) => !Number.isFinite(v));
    if (badDense >= 0) {
      throw new BatchDataError(
        `dense input of sample ${Math.floor(badDense / denseIn)}, feature ${badDense % denseIn}, is ${batch.dense[badDense]}`,
      );
    }
    const badTarget = batch.targets.findIndex((v) => !(v >= 0 && v <= 1));
    if (badTarget >= 0)
      throw new BatchDataError(`target of sample ${badTarget} is ${batch.targets[badTarget]}, outside [0, 1]`);
    const host = buildSparseBatch(
      batch.sparse,
      m.ownedTables.map((t) => cfg.model.tableRows[t]!),
      cfg.batchSize,
    );
    const be = this.backend;
    const s = m.sparse;
    be.write(m.dense, batch.dense);
    be.write(m.targets, batch.targets);
    be.write(s.indices, this.padded("indices", host.indices));
    be.write(s.offsets, host.offsets);
    be.write(s.uniqueRows, this.padded("uniqueRows", host.uniqueRows));
    be.write(s.tableUniqueOffsets, host.tableUniqueOffsets);
    be.write(s.csrOffsets, this.padded("csrOffsets", host.csrOffsets));
    be.write(s.csrBags, this.padded("csrBags", host.csrBags));
  }

  private padded(name: keyof BatchUploader["staging"], data: Int32Array): Int32Array {
    const buf = this.staging[name];
    buf.set(data);
    buf.fill(0, data.length);
    return buf;
  }
}
