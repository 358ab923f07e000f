/**
 * The manifest of a preprocessed Criteo directory: every option that shapes the output and
 * a fingerprint of every input (path, size, mtime, SHA-256 of its first and last MiB), so a
 * cache made with other options or from changed inputs is detected and never reused.
 * Files here are written atomically (temporary file, then rename). A directory may also
 * store the expanded multi-hot bags of its splits (multi-hot-store.ts), recorded under
 * `key.multiHot` (the settings) and `multiHot` (the sidecar files).
 */
import { createHash } from "node:crypto";
import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync, renameSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { BadLinePolicy } from "./bad-lines.js";
import type { CategoricalMapping } from "./categorical-map.js";
import type { MultiHotDistribution } from "../multi-hot.js";

export const PROCESSED_FORMAT = "dlrm-ts-criteo/1";
export const MANIFEST_NAME = "manifest.json";

export type CriteoDataSet = "kaggle" | "terabyte";

export interface InputFingerprint {
  path: string;
  size: number;
  mtimeMs: number;
  /** SHA-256 of size, the first MiB and the last MiB. */
  sampleSha256: string;
}

/** Everything that determines the output bytes. */
export interface ManifestKey {
  format: string;
  dataSet: CriteoDataSet;
  mapping: CategoricalMapping;
  badLines: BadLinePolicy;
  subSampleRate: number;
  seed: number;
  chunkRows: number;
  inputs: InputFingerprint[];
  /** The multi-hot settings of the stored bags; absent when the directory stores none. */
  multiHot?: MultiHotKey;
}

/** What determines a directory's stored multi-hot bags (`--multi-hot-sizes`, `--multi-hot-distribution-type`). */
export interface MultiHotKey {
  /** Ids per bag, one per table. */
  sizes: number[];
  distribution: MultiHotDistribution;
  /** numpy seed of the lookup tables (MLPerf: 0). */
  seed: number;
}

/** One split's sidecar of stored bags: `file` (in the directory) holds `rows` rows of `rowInts` int32. */
export interface MultiHotSidecar {
  file: string;
  rows: number;
  rowInts: number;
}

export interface ChunkSummary {
  id: number;
  day: number;
  rows: number;
}

/** What a finished run produced. */
export interface ProcessedSummary {
  rows: number;
  /** Rows per day (Kaggle: 7 parts of the file; Terabyte: one per input file). */
  dayRows: number[];
  tableRows: number[];
  chunks: ChunkSummary[];
  lines: number;
  badLines: number;
  /** Negative training rows dropped by --data-sub-sample-rate. */
  subSampled: number;
  missingDense: number;
  missingSparse: number;
  badLineMessages: string[];
}

export interface Manifest {
  key: ManifestKey;
  complete: boolean;
  summary?: ProcessedSummary;
  /** The sidecars of stored multi-hot bags by split (with `key.multiHot`). */
  multiHot?: Record<string, MultiHotSidecar>;
}

/** A processed directory made from other options or inputs; says what differs. */
export class StaleCacheError extends Error {
  constructor(
    readonly dir: string,
    readonly difference: string,
  ) {
    super(
      `${dir}: preprocessed data is stale (${difference}); rerun preprocessing with --rebuild or use another --processed-data-file`,
    );
    this.name = "StaleCacheError";
  }
}

const MIB = 1 << 20;

export function fingerprint(path: string): InputFingerprint {
  const fd = openSync(path, "r");
  try {
    const st = fstatSync(fd);
    const h = createHash("sha256").update(String(st.size));
    const buf = Buffer.alloc(Math.min(MIB, st.size));
    for (const at of st.size > MIB ? [0, st.size - MIB] : [0]) {
      const n = readSync(fd, buf, 0, buf.length, at);
      h.update(buf.subarray(0, n));
    }
    return { path: resolve(path), size: st.size, mtimeMs: st.mtimeMs, sampleSha256: h.digest("hex") };
  } finally {
    closeSync(fd);
  }
}

/** Each key option with the dlrm flag that sets it, as a stale-cache message names it. */
const OPTION_NAMES = {
  dataSet: "--data-set",
  mapping: "mapping (--max-ind-range, --cat-min-frequency)",
  badLines: "bad-line policy (--bad-lines, --max-bad-line-ratio)",
  subSampleRate: "--data-sub-sample-rate",
  seed: "--numpy-rand-seed",
  chunkRows: "chunk rows",
} as const;

/** The stored multi-hot settings with their flags, as a refusal names them. */
const MULTI_HOT_NAMES = {
  sizes: "--multi-hot-sizes",
  distribution: "--multi-hot-distribution-type",
  seed: "multi-hot seed",
} as const;

/**
 * The first difference between two keys that changes the directory's contents, in words
 * (the setting, its old and its new value); undefined when none does. The seed only
 * drives negative sub-sampling, so it counts only where either side sub-samples. The
 * multi-hot settings count only where both sides have them: the chunks do not depend on
 * them, and a side without them stores no bags or asks for none.
 */
export function keyDifference(old: ManifestKey, now: ManifestKey): string | undefined {
  if (old.format !== now.format) return `format ${old.format} vs ${now.format}`;
  const seedMatters = old.subSampleRate > 0 || now.subSampleRate > 0;
  for (const k of ["dataSet", "mapping", "badLines", "subSampleRate", "seed", "chunkRows"] as const) {
    if (k === "seed" && !seedMatters) continue;
    const a = JSON.stringify(old[k]);
    const b = JSON.stringify(now[k]);
    if (a !== b) return `${OPTION_NAMES[k]} was ${a}, now ${b}`;
  }
  if (old.multiHot !== undefined && now.multiHot !== undefined) {
    for (const k of ["sizes", "distribution", "seed"] as const) {
      const a = JSON.stringify(old.multiHot[k]);
      const b = JSON.stringify(now.multiHot[k]);
      if (a !== b) return `${MULTI_HOT_NAMES[k]} was ${a}, now ${b}`;
    }
  }
  if (old.inputs.length !== now.inputs.length) return `${old.inputs.length} input files then, ${now.inputs.length} now`;
  for (let i = 0; i < now.inputs.length; i++) {
    const a = old.inputs[i]!;
    const b = now.inputs[i]!;
    if (a.path !== b.path) return `input ${i + 1} was ${a.path}, now ${b.path}`;
    if (a.size !== b.size) return `${b.path} was ${a.size} bytes, now ${b.size}`;
    if (a.sampleSha256 !== b.sampleSha256) return `${b.path} content changed`;
    if (a.mtimeMs !== b.mtimeMs) return `${b.path} was modified (mtime changed)`;
  }
  return undefined;
}

/** Writes `data` to `path` atomically. */
export function writeAtomic(path: string, data: string | Uint8Array): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

export function readManifest(dir: string): Manifest | undefined {
  const p = join(dir, MANIFEST_NAME);
  if (!existsSync(p)) return undefined;
  const m = JSON.parse(readFileSync(p, "utf8")) as Manifest;
  if (m.key?.format !== PROCESSED_FORMAT)
    throw new StaleCacheError(dir, `manifest format ${String(m.key?.format)} is not ${PROCESSED_FORMAT}`);
  return m;
}

export function writeManifest(dir: string, m: Manifest): void {
  writeAtomic(join(dir, MANIFEST_NAME), JSON.stringify(m, null, 1));
}
