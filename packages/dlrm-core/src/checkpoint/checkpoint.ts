/**
 * Training checkpoints: one safetensors file holding the model (dlrm state_dict names), the
 * optimizer state (`optimizer.<param>.sum`, torch Adagrad's name) and, in its metadata, the
 * training state (step, epoch, data cursor, LR schedule position, configuration) with a
 * SHA-256 over metadata and tensor bytes. Written atomically; read strictly.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import type { TrainConfig } from "../config.js";
import { encodeSafetensors, parseSafetensorsHeader, SafetensorsError, writeFileAtomic, type StateDict } from "./safetensors.js";

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

function digest(metadata: Record<string, string>, tensorBytes: Uint8Array): string {
  const h = createHash("sha256");
  h.update(JSON.stringify(Object.keys(metadata).sort().map((k) => [k, metadata[k]])));
  h.update(tensorBytes);
  return h.digest("hex");
}

/** Serialises a checkpoint (weights, then optimizer state) with its checksum. */
export function encodeCheckpoint(c: Checkpoint): Uint8Array {
  const all: StateDict = new Map(c.weights);
  for (const [name, t] of c.optimizer) all.set(`${OPT_PREFIX}${name}${OPT_SUFFIX}`, t);
  const metadata: Record<string, string> = { format: CHECKPOINT_FORMAT, state: JSON.stringify(c.state) };
  const unsigned = encodeSafetensors(all, metadata);
  const { dataStart } = parseSafetensorsHeader("checkpoint", unsigned);
  return encodeSafetensors(all, { ...metadata, sha256: digest(metadata, unsigned.subarray(dataStart)) });
}

/** Writes a checkpoint atomically (temporary file, fsync, rename, directory fsync). */
export function saveCheckpoint(path: string, c: Checkpoint): void {
  writeFileAtomic(path, encodeCheckpoint(c));
}

/** Reads and verifies a checkpoint; every problem is a SafetensorsError naming the file. */
export function loadCheckpoint(path: string): Checkpoint {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new SafetensorsError(path, `cannot read checkpoint (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const { entries, dataStart, metadata } = parseSafetensorsHeader(path, bytes);
  if (metadata["format"] !== CHECKPOINT_FORMAT) {
    throw new SafetensorsError(path, `not a training checkpoint (format ${JSON.stringify(metadata["format"])}, expected ${CHECKPOINT_FORMAT})`);
  }
  const { sha256, ...signed } = metadata;
  if (sha256 !== digest(signed, bytes.subarray(dataStart))) throw new SafetensorsError(path, "checksum mismatch: the file is damaged");
  let state: TrainingState;
  try {
    state = JSON.parse(signed["state"] ?? "") as TrainingState;
  } catch {
    throw new SafetensorsError(path, "training state in the metadata is not JSON");
  }
  const weights: StateDict = new Map();
  const optimizer: StateDict = new Map();
  for (const e of entries) {
    if (e.dtype !== "F32") throw new SafetensorsError(path, `tensor ${e.name}: dtype ${e.dtype} is not supported (float32 only)`);
    const data = new Float32Array((e.end - e.begin) / 4);
    new Uint8Array(data.buffer).set(bytes.subarray(dataStart + e.begin, dataStart + e.end));
    const t = { dtype: "F32" as const, shape: e.shape, data };
    if (e.name.startsWith(OPT_PREFIX) && e.name.endsWith(OPT_SUFFIX)) {
      optimizer.set(e.name.slice(OPT_PREFIX.length, -OPT_SUFFIX.length), t);
    } else {
      weights.set(e.name, t);
    }
  }
  return { weights, optimizer, state };
}
