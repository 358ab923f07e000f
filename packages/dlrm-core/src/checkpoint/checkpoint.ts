/**
 * Training checkpoints: one safetensors file holding the model (dlrm state_dict names), the
 * optimizer state (`optimizer.<param>.sum`, torch Adagrad's name) and, in its metadata, the
 * training state (step, epoch, data cursor, LR schedule position, configuration) with a
 * SHA-256 over metadata and tensor bytes. Written atomically; read strictly.
 */
import { createHash } from "node:crypto";
import { closeSync } from "node:fs";
import type { TrainConfig } from "../config.js";
import {
  openSafetensors,
  readTensorBytes,
  safetensorsChunks,
  SafetensorsError,
  writeFileAtomic,
  type StateDict,
} from "./safetensors.js";

export const CHECKPOINT_FORMAT = "dlrm-ts-checkpoint/1";

/** Where training stands; enough to continue exactly. */
export interface TrainingState {
  /** Steps completed (global). */
  step: number;
  /** Epoch of the next batch. */
  epoch: number;
  /** Batches of `epoch` already consumed (the data cursor). */
  batchInEpoch: number;
  /** LR scheduler: steps taken and the last rate it computed. */
  lrSteps: number;
  lrLast: number;
  /** The configuration the run was started with. */
  config: TrainConfig;
}

export interface Checkpoint {
  weights: StateDict;
  /** Optimizer accumulators keyed by parameter name (empty for SGD). */
  optimizer: StateDict;
  state: TrainingState;
}

const OPT_PREFIX = "optimizer.";
const OPT_SUFFIX = ".sum";

/** True for a tensor name that holds optimizer state (`optimizer.<param>.sum`), not a model parameter. */
export function isOptimizerTensor(name: string): boolean {
  return name.startsWith(OPT_PREFIX) && name.endsWith(OPT_SUFFIX);
}

/** True when the safetensors file at `path` is a training checkpoint (its metadata says so). */
export function isTrainingCheckpoint(path: string): boolean {
  const file = openSafetensors(path);
  closeSync(file.fd);
  return file.metadata["format"] === CHECKPOINT_FORMAT;
}

/** The file's name for the optimizer state of parameter `name` (torch Adagrad's `sum`). */
export function optimizerTensorName(name: string): string {
  return `${OPT_PREFIX}${name}${OPT_SUFFIX}`;
}

/** SHA-256 over the metadata (sorted, without the checksum) and the tensor bytes in file order. */
export function checkpointDigest(metadata: Record<string, string>, tensorBytes: Iterable<Uint8Array>): string {
  const h = createHash("sha256");
  h.update(
    JSON.stringify(
      Object.keys(metadata)
        .sort()
        .map((k) => [k, metadata[k]]),
    ),
  );
  for (const bytes of tensorBytes) h.update(bytes);
  return h.digest("hex");
}

function allTensors(c: Checkpoint): StateDict {
  const all: StateDict = new Map(c.weights);
  for (const [name, t] of c.optimizer) all.set(`${OPT_PREFIX}${name}${OPT_SUFFIX}`, t);
  return all;
}

/** The file's bytes as chunks (header, then views of the tensors), checksum included. */
function checkpointChunks(c: Checkpoint): Uint8Array[] {
  const all = allTensors(c);
  const metadata: Record<string, string> = { format: CHECKPOINT_FORMAT, state: JSON.stringify(c.state) };
  const views = [...all.values()].map((t) => new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  return safetensorsChunks(all, { ...metadata, sha256: checkpointDigest(metadata, views) });
}

/** Writes a checkpoint atomically (temporary file, fsync, rename, directory fsync), tensor by tensor. */
export function saveCheckpoint(path: string, c: Checkpoint): void {
  writeFileAtomic(path, checkpointChunks(c));
}

/** Reads and verifies a checkpoint tensor by tensor; every problem is a SafetensorsError naming the file. */
export function loadCheckpoint(path: string, wanted: (name: string) => boolean = () => true): Checkpoint {
  const file = openSafetensors(path);
  try {
    const { metadata } = file;
    if (metadata["format"] !== CHECKPOINT_FORMAT) {
      throw new SafetensorsError(
        path,
        `not a training checkpoint (format ${JSON.stringify(metadata["format"])}, expected ${CHECKPOINT_FORMAT})`,
      );
    }
    const { sha256, ...signed } = metadata;
    const weights: StateDict = new Map();
    const optimizer: StateDict = new Map();
    const hash = createHash("sha256");
    hash.update(
      JSON.stringify(
        Object.keys(signed)
          .sort()
          .map((k) => [k, signed[k]]),
      ),
    );
    const scratch = new Uint8Array(1 << 24);
    for (const e of file.entries) {
      if (e.dtype !== "F32")
        throw new SafetensorsError(path, `tensor ${e.name}: dtype ${e.dtype} is not supported (float32 only)`);
      const isOpt = isOptimizerTensor(e.name);
      const param = isOpt ? e.name.slice(OPT_PREFIX.length, -OPT_SUFFIX.length) : e.name;
      if (!wanted(param)) {
        // Not this rank's: hashed in chunks, never held.
        for (let at = e.begin; at < e.end; at += scratch.length) {
          const n = Math.min(scratch.length, e.end - at);
          readTensorBytes(file, { ...e, begin: at, end: at + n }, scratch);
          hash.update(scratch.subarray(0, n));
        }
        continue;
      }
      const data = new Float32Array((e.end - e.begin) / 4);
      const bytes = new Uint8Array(data.buffer);
      readTensorBytes(file, e, bytes);
      hash.update(bytes);
      const t = { dtype: "F32" as const, shape: e.shape, data };
      if (isOpt) optimizer.set(param, t);
      else weights.set(e.name, t);
    }
    if (sha256 !== hash.digest("hex")) throw new SafetensorsError(path, "checksum mismatch: the file is damaged");
    let state: TrainingState;
    try {
      state = JSON.parse(signed["state"] ?? "") as TrainingState;
    } catch {
      throw new SafetensorsError(path, "training state in the metadata is not JSON");
    }
    return { weights, optimizer, state };
  } finally {
    closeSync(file.fd);
  }
}
