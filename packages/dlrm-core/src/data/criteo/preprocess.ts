/**
 * Raw Criteo files to a processed directory of binary row chunks (dlrm's 40 x int32 rows)
 * with a manifest. Resumable: each chunk is written atomically with a completion record,
 * and a rerun with the same manifest redoes only chunks without one (files whose chunks
 * are all done are not even read), giving the same bytes as a clean run. A stale directory
 * (other options or changed inputs) is refused, or rebuilt with `rebuild`. A data error
 * (strict parse error, damaged file, bad-line cap) removes the directory: no partial output.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { Rng } from "../../util/rng.js";
import { CRITEO_SPARSE, CriteoParseError, parseCriteoLine } from "../criteo-line.js";
import { BadLineRatioError, BadLineTracker, DEFAULT_BAD_LINE_POLICY, type BadLinePolicy } from "./bad-lines.js";
import { ROW_INTS } from "./binary-rows.js";
import {
  decodeDictionaries,
  dictionaryMapper,
  DictionaryCounter,
  encodeDictionaries,
  moduloMapper,
  type CategoricalMapper,
  type CategoricalMapping,
} from "./categorical-map.js";
import {
  chunkBase,
  commitChunk,
  DEFAULT_CHUNK_ROWS,
  readRecord,
  type ChunkRecord,
  type CommitContext,
} from "./chunk-commit.js";
import { convertFileFast, PIECE_LINES } from "./chunk-convert.js";
import { planChunks, type PlannedChunk } from "./chunk-plan.js";
import { ConvertPool, defaultConvertThreads } from "./convert-pool.js";
import { openDlrmNpz } from "./dlrm-npz.js";
import { convertLine, emptyCounts, type LineCounts } from "./line-convert.js";
import { indexLines, type LineIndex } from "./line-index.js";
import { countLines, CriteoFileError, isGzip, readLineBlocks } from "./line-stream.js";
import { withDirectoryLock } from "./dir-lock.js";
import {
  fingerprint,
  keyDifference,
  PROCESSED_FORMAT,
  readManifest,
  StaleCacheError,
  writeAtomic,
  writeManifest,
  type CriteoDataSet,
  type ManifestKey,
  type ProcessedSummary,
} from "./manifest.js";

export interface PreprocessProgress {
  phase: "count" | "dictionary" | "convert";
  /** Input bytes read in this phase (compressed bytes for gzip). */
  bytes: number;
  totalBytes: number;
  /** Lines converted in this run so far (convert phase). */
  lines: number;
}

export interface PreprocessOptions {
  inputs: string[];
  /** The processed directory (`--processed-data-file`). */
  output: string;
  dataSet: CriteoDataSet;
  mapping: CategoricalMapping;
  badLines?: BadLinePolicy;
  /** Drop each negative training row with this probability (`--data-sub-sample-rate`). */
  subSampleRate?: number;
  seed?: number;
  /** Lines per chunk, the unit of resumption (default 262144). */
  chunkRows?: number;
  /** Where rejected lines go in skip mode (default OUTPUT.rejects.tsv, next to the directory). */
  rejectsFile?: string;
  /** Delete and rebuild a stale directory instead of refusing it. */
  rebuild?: boolean;
  onProgress?(p: PreprocessProgress): void;
  /** Called once when another live process holds the directory's lock (this one then waits for it). */
  onWaitForLock?(pid: number): void;
  /** Worker threads that parse raw lines (default: one per CPU; 0 parses on the calling thread). */
  threads?: number;
  /**
   * "bytes" (default): lines parsed from their bytes by the worker pool; "lines": one string
   * per line through the strict parser on the calling thread (the reference the first is
   * tested against; both give the same bytes).
   */
  parser?: "bytes" | "lines";
  /** Called after chunk `id` is committed (tests use it to simulate a kill). */
  afterChunk?(id: number): void;
}

export { DEFAULT_CHUNK_ROWS } from "./chunk-commit.js";

export interface PreprocessResult {
  dir: string;
  summary: ProcessedSummary;
  /** Chunks found complete and kept, and chunks written by this run. */
  reusedChunks: number;
  writtenChunks: number;
  seconds: number;
}

function checkOptions(o: PreprocessOptions): void {
  if (o.inputs.length === 0) throw new RangeError("--raw-data-file: at least one input file is needed");
  for (const f of o.inputs) if (!existsSync(f)) throw new CriteoFileError(f, "no such file");
  const rate = o.subSampleRate ?? 0;
  if (!(rate >= 0 && rate < 1)) throw new RangeError(`--data-sub-sample-rate must be in [0, 1), got ${rate}`);
  if (o.dataSet === "terabyte" && o.inputs.length < 2)
    throw new RangeError("--data-set terabyte needs at least 2 day files (day_0 ... day_23)");
  const ratio = o.badLines?.maxBadLineRatio ?? 0;
  if (!(ratio >= 0 && ratio <= 1)) throw new RangeError(`--max-bad-line-ratio must be in [0, 1], got ${ratio}`);
}

/** Counts, in first-seen order, every categorical value of every good line (dictionary mapping). */
async function buildDictionaries(
  o: PreprocessOptions,
  policy: BadLinePolicy,
  progress: (b: number) => void,
): Promise<{ kept: Uint32Array[]; rare: boolean[] }> {
  const counter = new DictionaryCounter(o.mapping.kind === "dictionary" ? o.mapping.modulo : undefined);
  const tracker = new BadLineTracker(policy);
  for (const file of o.inputs) {
    let line = 0;
    for await (const block of readLineBlocks(file, progress)) {
      for (const text of block) {
        line++;
        try {
          counter.add(parseCriteoLine(text, file, line).sparse);
          tracker.good();
        } catch (e) {
          if (!(e instanceof CriteoParseError)) throw e;
          tracker.badLine(text, e);
        }
      }
    }
  }
  tracker.checkRatio();
  return counter.finish(o.mapping.kind === "dictionary" ? o.mapping.minFrequency : 1);
}

/** Preprocesses (or resumes, or reuses) `o.output`; see the file header. */
export async function preprocessCriteo(o: PreprocessOptions): Promise<PreprocessResult> {
  checkOptions(o);
  return withDirectoryLock(resolve(o.output), () => preprocessLocked(o), o.onWaitForLock);
}

async function preprocessLocked(o: PreprocessOptions): Promise<PreprocessResult> {
  const started = performance.now();
  const policy = o.badLines ?? DEFAULT_BAD_LINE_POLICY;
  const dir = resolve(o.output);
  const rejectsFile = o.rejectsFile ?? `${dir}.rejects.tsv`;
  const key: ManifestKey = {
    format: PROCESSED_FORMAT,
    dataSet: o.dataSet,
    mapping: o.mapping,
    badLines: policy,
    subSampleRate: o.subSampleRate ?? 0,
    seed: o.seed ?? 0,
    chunkRows: o.chunkRows ?? DEFAULT_CHUNK_ROWS,
    inputs: o.inputs.map(fingerprint),
  };
  const old = readManifest(dir);
  if (old !== undefined) {
    const diff = keyDifference(old.key, key);
    if (diff !== undefined) {
      if (!o.rebuild) throw new StaleCacheError(dir, diff);
      rmSync(dir, { recursive: true, force: true });
    } else if (old.complete && old.summary) {
      return {
        dir,
        summary: old.summary,
        reusedChunks: old.summary.chunks.length,
        writtenChunks: 0,
        seconds: (performance.now() - started) / 1000,
      };
    }
  } else if (existsSync(dir) && !statSync(dir).isDirectory()) {
    throw new RangeError(`--processed-data-file ${dir} exists and is not a processed directory`);
  }
  mkdirSync(join(dir, "chunks"), { recursive: true });
  writeManifest(dir, { key, complete: false });
  const totalBytes = key.inputs.reduce((a, f) => a + f.size, 0);
  try {
    return await run(o, key, dir, rejectsFile, totalBytes, started);
  } catch (e) {
    if (e instanceof CriteoParseError || e instanceof CriteoFileError || e instanceof BadLineRatioError)
      rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

async function run(
  o: PreprocessOptions,
  key: ManifestKey,
  dir: string,
  rejectsFile: string,
  totalBytes: number,
  started: number,
): Promise<PreprocessResult> {
  if (isDlrmNpz(o.inputs)) return runNpz(o, key, dir, started);
  const policy = key.badLines;
  let lines = 0;
  const phase = (p: PreprocessProgress["phase"]): ((n: number) => void) => {
    let bytes = 0;
    return (n) => o.onProgress?.({ phase: p, bytes: (bytes += n), totalBytes, lines });
  };
  const byteParser = (o.parser ?? "bytes") === "bytes";
  /** Line indexes of the plain input files (the byte parser's workers read those themselves). */
  const indexes = new Map<number, LineIndex>();
  const planPath = join(dir, "plan.json");
  let fileLines: number[];
  if (existsSync(planPath))
    fileLines = (JSON.parse(readFileSync(planPath, "utf8")) as { fileLines: number[] }).fileLines;
  else {
    const count = phase("count");
    fileLines = [];
    for (let f = 0; f < o.inputs.length; f++) {
      const file = o.inputs[f]!;
      if (byteParser && !isGzip(file)) {
        const ix = await indexLines(file, PIECE_LINES);
        indexes.set(f, ix);
        fileLines.push(ix.lines);
      } else fileLines.push(await countLines(file));
    }
    count(totalBytes);
    writeAtomic(planPath, JSON.stringify({ fileLines }));
  }
  const chunks = planChunks(key.dataSet, fileLines, key.chunkRows);
  const lastDay = Math.max(0, ...chunks.map((c) => c.day));

  let mapper: CategoricalMapper;
  if (key.mapping.kind === "modulo") mapper = moduloMapper(key.mapping.range);
  else {
    const dictPath = join(dir, "dictionaries.bin");
    if (!existsSync(dictPath)) {
      const built = await buildDictionaries(o, policy, phase("dictionary"));
      writeAtomic(dictPath, encodeDictionaries(built.kept, built.rare));
    }
    const d = decodeDictionaries(readFileSync(dictPath), dictPath);
    mapper = dictionaryMapper(d.kept, d.rare, key.mapping.modulo);
  }

  const records = new Map<number, ChunkRecord>();
  const tracker = new BadLineTracker(policy, rejectsFile);
  for (const c of chunks) {
    const r = readRecord(dir, c);
    if (r === undefined) continue;
    records.set(c.id, r);
    tracker.addEarlier(r.lines, r.bad, r.messages);
  }
  const reused = records.size;
  const progress = phase("convert");
  const maxLines = Math.max(1, ...chunks.map((c) => c.lines));
  const mapped = new Int32Array(CRITEO_SPARSE);
  const pool = byteParser ? new ConvertPool(o.threads ?? defaultConvertThreads()) : undefined;
  let buf: Int32Array | undefined;
  try {
    for (let f = 0; f < o.inputs.length; f++) {
      const fileChunks = chunks.filter((c) => c.file === f);
      if (fileChunks.every((c) => records.has(c.id))) {
        progress(key.inputs[f]!.size);
        continue;
      }
      if (pool === undefined)
        await convertFile(o.inputs[f]!, fileChunks, {
          dir,
          buf: (buf ??= new Int32Array(maxLines * ROW_INTS)),
          mapped,
          mapper,
          tracker,
          records,
          lastDay,
          key,
          progress,
          afterChunk: o.afterChunk,
          onLines: (n) => (lines += n),
        });
      else {
        const file = o.inputs[f]!;
        if (!indexes.has(f) && !isGzip(file)) indexes.set(f, await indexLines(file, PIECE_LINES));
        await convertFileFast(
          file,
          fileChunks,
          {
            dir,
            tracker,
            records,
            afterChunk: o.afterChunk,
            pool,
            depth: 2 * Math.max(1, pool.threads) + 2,
            modulo: key.mapping.kind === "modulo" ? key.mapping.range : undefined,
            mapper,
            strict: policy.mode === "strict",
            subSampleRate: key.subSampleRate,
            seed: key.seed,
            lastDay,
            progress,
            onLines: (n) => (lines += n),
          },
          indexes.get(f),
        );
      }
    }
    tracker.checkRatio();
  } finally {
    await pool?.close();
    if (tracker.rejected.length > 0 || tracker.bad > 0) writeRejects(dir, chunks, rejectsFile, tracker.rejected);
  }
  const all = chunks.map((c) => records.get(c.id)!);
  const dayRows = new Array<number>(lastDay + 1).fill(0);
  for (const r of all) dayRows[r.day]! += r.rows;
  const sum = (k: keyof LineCounts): number => all.reduce((a, r) => a + r[k], 0);
  const summary: ProcessedSummary = {
    rows: sum("rows"),
    dayRows,
    tableRows: mapper.tableRows,
    chunks: all.map((r) => ({ id: r.id, day: r.day, rows: r.rows })),
    lines: fileLines.reduce((a, b) => a + b, 0),
    badLines: sum("bad"),
    subSampled: sum("subSampled"),
    missingDense: sum("missingDense"),
    missingSparse: sum("missingSparse"),
    badLineMessages: tracker.messages,
  };
  writeManifest(dir, { key, complete: true, summary });
  return {
    dir,
    summary,
    reusedChunks: reused,
    writtenChunks: chunks.length - reused,
    seconds: (performance.now() - started) / 1000,
  };
}

/** One input named `*.npz`: dlrm's processed Kaggle file (see dlrm-npz.ts). */
export function isDlrmNpz(inputs: readonly string[]): boolean {
  return inputs.length === 1 && inputs[0]!.toLowerCase().endsWith(".npz");
}

/**
 * dlrm's processed .npz to chunks: its rows in order, cut into dlrm's Kaggle days; its
 * categorical values are already table rows (`mapping` does not apply) and the tables have
 * its `counts` rows. Chunks already complete are kept, as for raw input.
 */
async function runNpz(o: PreprocessOptions, key: ManifestKey, dir: string, started: number): Promise<PreprocessResult> {
  if (key.dataSet !== "kaggle")
    throw new RangeError(`--raw-data-file ${o.inputs[0]}: a dlrm processed .npz is read as --data-set kaggle`);
  if (key.subSampleRate > 0)
    throw new RangeError("--data-sub-sample-rate: dlrm's processed .npz is already sub-sampled as it was made; give 0");
  const npz = await openDlrmNpz(o.inputs[0]!, dir);
  try {
    const chunks = planChunks("kaggle", [npz.rows], key.chunkRows);
    const records = new Map<number, ChunkRecord>();
    for (const c of chunks) {
      const r = readRecord(dir, c);
      if (r !== undefined) records.set(c.id, r);
    }
    const reused = records.size;
    const cx: CommitContext = {
      dir,
      buf: new Int32Array(Math.max(1, ...chunks.map((c) => c.lines)) * ROW_INTS),
      tracker: new BadLineTracker(key.badLines),
      records,
      afterChunk: o.afterChunk,
    };
    const totalBytes = key.inputs[0]!.size;
    for (const c of chunks) {
      if (records.has(c.id)) continue;
      npz.readRows(c.firstLine, c.lines, cx.buf);
      commitChunk(cx, c, { ...emptyCounts(), rows: c.lines }, []);
      o.onProgress?.({
        phase: "convert",
        bytes: Math.round((totalBytes * (c.firstLine + c.lines)) / npz.rows),
        totalBytes,
        lines: c.firstLine + c.lines,
      });
    }
    const all = chunks.map((c) => records.get(c.id)!);
    const dayRows = new Array<number>(Math.max(0, ...chunks.map((c) => c.day)) + 1).fill(0);
    for (const r of all) dayRows[r.day]! += r.rows;
    const summary: ProcessedSummary = {
      rows: npz.rows,
      dayRows,
      tableRows: npz.tableRows,
      chunks: all.map((r) => ({ id: r.id, day: r.day, rows: r.rows })),
      lines: npz.rows,
      badLines: 0,
      subSampled: 0,
      missingDense: 0,
      missingSparse: 0,
      badLineMessages: [],
    };
    writeManifest(dir, { key, complete: true, summary });
    return {
      dir,
      summary,
      reusedChunks: reused,
      writtenChunks: chunks.length - reused,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    npz.close();
  }
}

interface ConvertContext {
  dir: string;
  buf: Int32Array;
  mapped: Int32Array;
  mapper: CategoricalMapper;
  tracker: BadLineTracker;
  records: Map<number, ChunkRecord>;
  lastDay: number;
  key: ManifestKey;
  progress: (n: number) => void;
  afterChunk: ((id: number) => void) | undefined;
  onLines(n: number): void;
}

/** Streams one input file, converting the lines of its unfinished chunks. */
async function convertFile(file: string, fileChunks: PlannedChunk[], cx: ConvertContext): Promise<void> {
  let k = 0;
  let line = 0;
  let counts = emptyCounts();
  let messagesBefore = 0;
  let rng: Rng | undefined;
  const rate = cx.key.subSampleRate;
  const keepNegative = (): boolean => rng === undefined || rng.uniform() >= rate;
  const begin = (c: PlannedChunk): void => {
    counts = emptyCounts();
    messagesBefore = cx.tracker.messages.length;
    rng = rate > 0 && c.day < cx.lastDay ? new Rng(cx.key.seed, 1 + c.id) : undefined;
  };
  if (fileChunks[0] !== undefined) begin(fileChunks[0]);
  for await (const block of readLineBlocks(file, cx.progress)) {
    cx.onLines(block.length);
    for (const text of block) {
      const c = fileChunks[k];
      if (c === undefined)
        throw new CriteoFileError(
          file,
          `has more lines than the ${line} counted when preprocessing started (was it modified?)`,
        );
      line++;
      if (!cx.records.has(c.id))
        convertLine(text, file, line, cx.mapper, cx.tracker, cx.buf, counts, cx.mapped, keepNegative);
      if (line === c.firstLine + c.lines) {
        if (!cx.records.has(c.id)) commitChunk(cx, c, counts, cx.tracker.messages.slice(messagesBefore));
        k++;
        if (fileChunks[k] !== undefined) begin(fileChunks[k]!);
      }
    }
  }
  if (k < fileChunks.length)
    throw new CriteoFileError(
      file,
      `has ${line} lines, fewer than the ${fileChunks[fileChunks.length - 1]!.firstLine + fileChunks[fileChunks.length - 1]!.lines} counted when preprocessing started`,
    );
}

/** The rejects file: every committed chunk's rejected lines in input order, then those of the unfinished chunk. */
function writeRejects(dir: string, chunks: PlannedChunk[], path: string, pending: string[]): void {
  writeFileSync(path, "");
  for (const c of chunks) {
    const p = `${chunkBase(dir, c.id)}.rejects`;
    if (existsSync(p)) appendFileSync(path, readFileSync(p));
  }
  if (pending.length > 0) appendFileSync(path, pending.map((l) => `${l}\n`).join(""));
}
