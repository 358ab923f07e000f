/**
 * Moves one host batch into the model's fixed-size device buffers: preprocesses the sparse
 * input of each group of table pieces (unique rows + CSR inverse map, validated against the
 * table sizes), then writes every buffer at its full size from reusable host staging arrays
 * (the tails are zero).
 */
import type { Backend } from "../backend.js";
import type { Batch } from "../data/batch.js";
import { buildSparseBatch, SparseInputError, type HostSparseInput } from "../data/sparse-batch.js";
import type { DlrmModel } from "../model/dlrm.js";
import type { EmbeddingGroup } from "../model/embedding-group.js";
import { rankSlice, selectPieces } from "../parallel/rank-batch.js";
import { shardGroups } from "../parallel/shards.js";

/** A batch whose values cannot be trained on (non-finite dense value, target outside [0, 1]). */
export class BatchDataError extends RangeError {
  constructor(message: string) {
    super(message);
    this.name = "BatchDataError";
  }
}

type Staging = Record<"indices" | "uniqueRows" | "csrOffsets" | "csrBags", Int32Array>;

export class BatchUploader {
  private readonly staging: Staging[];

  constructor(
    private readonly backend: Backend,
    private readonly model: DlrmModel,
  ) {
    this.staging = model.groups.map((g) => ({
      indices: new Int32Array(g.sparse.indices.size),
      uniqueRows: new Int32Array(g.sparse.uniqueRows.size),
      csrOffsets: new Int32Array(g.sparse.csrOffsets.size),
      csrBags: new Int32Array(g.sparse.csrBags.size),
    }));
  }

  /** Validates and writes `batch`; throws SparseInputError or RangeError naming the problem. */
  upload(global: Batch): void {
    const m = this.model;
    const batch = this.prepare(global);
    const planInputs =
      m.shard === undefined
        ? [batch.sparse]
        : shardGroups(m.shard.plan.shards[m.shard.rank]!).map((g) =>
            selectPieces(batch.sparse, g.shards, m.config.batchSize, m.config.model.tableRows.length),
          );
    this.write(batch, m.groupInputs(planInputs));
  }

  /**
   * Checks a global batch and returns this process's part of it: the dense features and
   * targets of its samples (all of them in one process) and the global sparse input,
   * validated against the whole tables.
   */
  prepare(global: Batch): Batch {
    const m = this.model;
    const cfg = m.config;
    if (global.targets.length !== cfg.batchSize)
      throw new RangeError(`batch targets: expected ${cfg.batchSize}, got ${global.targets.length}`);
    const batch =
      m.shard === undefined
        ? global
        : rankSlice(global, cfg.batchSize, cfg.model.tableRows, m.shard.rank, m.shard.worldSize);
    const B = m.localBatch;
    if (batch.dense.length !== m.dense.size)
      throw new RangeError(`batch dense features: expected ${m.dense.size} values, got ${batch.dense.length}`);
    if (batch.targets.length !== B) throw new RangeError(`batch targets: expected ${B}, got ${batch.targets.length}`);
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
    return batch;
  }

  /** Writes a prepared batch's dense features and targets, and each group's sparse input (`inputs[g]`, over the global batch). */
  write(batch: Batch, inputs: readonly HostSparseInput[]): void {
    const m = this.model;
    const cfg = m.config;
    inputs.forEach((input, i) => {
      const g = m.groups[i]!;
      if (input.indices.length > g.nnzMax) {
        throw new SparseInputError(
          `batch has ${input.indices.length} indices, more than the ${g.nnzMax} the buffers hold`,
        );
      }
    });
    const hosts = inputs.map((input, i) => buildSparseBatch(input, m.groups[i]!.pieceRows(), cfg.batchSize));
    const be = this.backend;
    be.write(m.dense, batch.dense);
    be.write(m.targets, batch.targets);
    hosts.forEach((host, i) => this.writeGroup(m.groups[i]!, this.staging[i]!, host));
  }

  private writeGroup(g: EmbeddingGroup, staging: Staging, host: ReturnType<typeof buildSparseBatch>): void {
    const be = this.backend;
    const s = g.sparse;
    const padded = (name: keyof Staging, data: Int32Array): Int32Array => {
      const buf = staging[name];
      buf.set(data);
      buf.fill(0, data.length);
      return buf;
    };
    g.numUnique = host.numUnique;
    be.write(s.indices, padded("indices", host.indices));
    be.write(s.offsets, host.offsets);
    be.write(s.uniqueRows, padded("uniqueRows", host.uniqueRows));
    be.write(s.tableUniqueOffsets, host.tableUniqueOffsets);
    be.write(s.csrOffsets, padded("csrOffsets", host.csrOffsets));
    be.write(s.csrBags, padded("csrBags", host.csrBags));
  }
}
