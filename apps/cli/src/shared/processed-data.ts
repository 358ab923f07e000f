/**
 * Building (or reusing) a processed Criteo directory, with a progress bar on a terminal,
 * and the one summary line about the result: what `dlrm preprocess`, `dlrm train` and
 * `dlrm eval` do before they read a processed dataset. With multi-hot settings the
 * directory also stores the expanded bags of its splits (written once, then reused).
 */
import { existsSync } from "node:fs";
import cliProgress from "cli-progress";
import {
  ensureMultiHotStore,
  multiHotKey,
  preprocessCriteo,
  ProcessedDataset,
  type MultiHotDistribution,
  type MultiHotStoreResult,
  type PreprocessOptions,
  type PreprocessResult,
} from "@dlrm/core";
import { UsageError } from "../errors.js";
import type { DatasetSetup } from "./dataset-flags.js";

/** The multi-hot bags a processed directory is to store (`--multi-hot-sizes`, `--multi-hot-distribution-type`). */
export interface StoredMultiHot {
  sizes: readonly number[];
  distribution: MultiHotDistribution;
}

/** A preprocessing result, with what storing the multi-hot bags did when asked. */
export type ProcessedRun = PreprocessResult & { multiHotBags?: MultiHotStoreResult };

/**
 * Builds (or resumes, or reuses) the processed directory, with a bar on a terminal, then
 * stores the multi-hot bags of `multiHot` in it when given (a directory storing other
 * settings is refused naming the setting, unless --rebuild).
 */
export async function ensureProcessed(
  d: DatasetSetup,
  chunkRows?: number,
  multiHot?: StoredMultiHot,
  threads?: number,
): Promise<ProcessedRun> {
  const r = await ensureChunks(d, chunkRows, threads);
  if (multiHot === undefined) return r;
  const key = multiHotKey(multiHot.sizes, r.summary.tableRows.length, multiHot.distribution);
  const onWaitForLock = (pid: number): void => {
    process.stderr.write(`dlrm: waiting for process ${pid}, which is preprocessing ${d.processedDir}\n`);
  };
  return { ...r, multiHotBags: await ensureMultiHotStore(r.dir, key, { rebuild: d.rebuild, onWaitForLock }) };
}

/** The chunks: built, resumed or reused. */
async function ensureChunks(d: DatasetSetup, chunkRows?: number, threads?: number): Promise<PreprocessResult> {
  const opts: PreprocessOptions = {
    inputs: d.rawFiles,
    output: d.processedDir,
    dataSet: d.dataSet,
    mapping: d.mapping,
    badLines: { mode: d.badLines, maxBadLineRatio: d.maxBadLineRatio },
    subSampleRate: d.subSampleRate,
    seed: d.seed,
    rebuild: d.rebuild,
    ...(chunkRows === undefined ? {} : { chunkRows }),
    ...(threads === undefined ? {} : { threads }),
  };
  if (d.rawFiles.length === 0) {
    if (!existsSync(d.processedDir))
      throw new UsageError("--raw-data-file", `is required: ${d.processedDir} does not exist yet`);
    const ds = ProcessedDataset.open(d.processedDir);
    await ds.close();
    return { dir: ds.dir, summary: ds.summary, reusedChunks: ds.summary.chunks.length, writtenChunks: 0, seconds: 0 };
  }
  const bar = process.stderr.isTTY
    ? new cliProgress.SingleBar(
        {
          stream: process.stderr,
          format: "{phase} |{bar}| {percentage}% | {rows} rows | {rate} rows/s | {mb} MB/s | ETA {eta_formatted}",
          hideCursor: false,
        },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  opts.onWaitForLock = (pid) =>
    process.stderr.write(`dlrm: waiting for process ${pid}, which is preprocessing ${d.processedDir}\n`);
  const t0 = performance.now();
  let started = false;
  opts.onProgress = (p) => {
    if (bar === undefined) return;
    const s = (performance.now() - t0) / 1000;
    const payload = {
      phase: p.phase,
      rows: p.lines,
      rate: Math.round(p.lines / Math.max(s, 1e-3)),
      mb: (p.bytes / 1e6 / Math.max(s, 1e-3)).toFixed(1),
    };
    if (!started) bar.start(p.totalBytes, 0, payload);
    started = true;
    bar.update(p.bytes, payload);
  };
  try {
    const r = await preprocessCriteo(opts);
    bar?.stop();
    return r;
  } finally {
    bar?.stop();
  }
}

/** One line about a preprocessing result. */
export function preprocessSummaryLine(r: ProcessedRun, inputBytes: number): string {
  const s = r.summary;
  const rate =
    r.writtenChunks > 0 && r.seconds > 0
      ? `, ${Math.round(s.lines / r.seconds)} rows/s, ${(inputBytes / 1e6 / r.seconds).toFixed(1)} MB/s`
      : "";
  return (
    `Processed ${r.dir}: ${s.rows} rows in ${s.dayRows.length} days (${s.dayRows.join(", ")}), ` +
    `${r.writtenChunks} chunks written, ${r.reusedChunks} reused, ${r.seconds.toFixed(1)} s${rate}; ` +
    `${s.badLines} bad lines, ${s.subSampled} negatives sub-sampled, ${s.missingDense} missing dense, ${s.missingSparse} missing categorical; ` +
    `tables ${Math.min(...s.tableRows)}..${Math.max(...s.tableRows)} rows` +
    (r.multiHotBags === undefined
      ? ""
      : `; multi-hot bags stored (${r.multiHotBags.rowInts} ids a row, ${r.multiHotBags.written ? "written" : "reused"})`)
  );
}
