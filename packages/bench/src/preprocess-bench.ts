/**
 * `dlrm bench --preprocess`: raw Criteo lines to a processed directory, measured side by
 * side in one run: the byte parser on its worker pool, the line-by-line reference parser,
 * and pandas' C parser (tools/pandas/pandas_preprocess.py: read_csv alone, and read_csv
 * with the same work) on the same file. Medians after one warm-up; the two parsers'
 * chunk digests must agree, or the run fails.
 */
import { spawnSync } from "node:child_process";
import { createReadStream, createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { preprocessCriteo, type PreprocessOptions } from "@dlrm/core";
import { commandLine, gitCommit, machineInfo, type MachineInfo } from "./environment.js";
import { TORCH_PYTHON } from "./torch-runner.js";

/** What to measure. */
export interface PreprocessBenchOptions {
  /** Raw input; default: the repository's 10,000 real Kaggle rows repeated to `rows` lines. */
  input?: string;
  rows: number;
  runs: number;
  /** Worker threads of the byte parser (0: one per CPU). */
  threads: number;
  maxIndRange: number;
  /** Python with pandas (default Debian's /usr/bin/python3); "none" skips pandas. */
  python?: string;
  progress?: (line: string) => void;
}

/** One measured contender: median seconds over the runs, and rows/s and MB/s at the median. */
export interface PreprocessTiming {
  name: string;
  seconds: number[];
  medianSeconds: number;
  rowsPerSecond: number;
  megabytesPerSecond: number;
}

/** The JSON result of `dlrm bench --preprocess`. */
export interface PreprocessBenchReport {
  kind: "preprocess";
  createdAt: string;
  command: string;
  commit: string | null;
  machine: MachineInfo;
  input: string;
  rows: number;
  bytes: number;
  threads: number;
  maxIndRange: number;
  timings: PreprocessTiming[];
  /** pandas' version, or why pandas did not run. */
  pandas: { version: string } | { unavailable: string };
  /** Byte parser rows/s over each other contender's. */
  speedup: Record<string, number>;
  /** The byte parser's chunk digests equal the line parser's. */
  identical: boolean;
}

const SAMPLE = fileURLToPath(new URL("../../../fixtures/criteo/kaggle-train-first10k.tsv", import.meta.url));
const PANDAS_SCRIPT = fileURLToPath(new URL("../../../tools/pandas/pandas_preprocess.py", import.meta.url));

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** Writes the sample's lines repeated to `rows` lines at `path`. */
async function repeatSample(path: string, rows: number): Promise<void> {
  const lines = readFileSync(SAMPLE, "utf8")
    .split("\n")
    .filter((l) => l.length > 0);
  const block = Buffer.from(lines.join("\n") + "\n");
  const out = createWriteStream(path);
  for (let done = 0; done < rows; done += lines.length) {
    const n = Math.min(lines.length, rows - done);
    const part = n === lines.length ? block : Buffer.from(lines.slice(0, n).join("\n") + "\n");
    if (!out.write(part)) await new Promise<void>((r) => out.once("drain", () => r()));
  }
  await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
}

/** Counts lines without the trainer's code (a final line without LF counts). */
async function lineCount(path: string): Promise<number> {
  let n = 0;
  let last = 10;
  for await (const c of createReadStream(path)) {
    const b = c as Buffer;
    for (let i = b.indexOf(10); i >= 0; i = b.indexOf(10, i + 1)) n++;
    if (b.length > 0) last = b[b.length - 1]!;
  }
  return last === 10 ? n : n + 1;
}

const timing = (name: string, seconds: number[], rows: number, bytes: number): PreprocessTiming => {
  const s = median(seconds);
  return { name, seconds, medianSeconds: s, rowsPerSecond: rows / s, megabytesPerSecond: bytes / 1e6 / s };
};

/** Chunk digests of a processed directory, in chunk order. */
function digests(dir: string): string[] {
  const m = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as { summary: { chunks: { id: number }[] } };
  return m.summary.chunks.map(
    (c) =>
      (
        JSON.parse(readFileSync(join(dir, "chunks", `${String(c.id).padStart(6, "0")}.json`), "utf8")) as {
          sha256: string;
        }
      ).sha256,
  );
}

/** Runs the measurement; see the file header. */
export async function runPreprocessBench(o: PreprocessBenchOptions): Promise<PreprocessBenchReport> {
  const say = o.progress ?? ((): void => undefined);
  const work = mkdtempSync(join(tmpdir(), "dlrm-bench-pre-"));
  try {
    let input = o.input;
    if (input === undefined) {
      input = join(work, "train.txt");
      say(`bench: writing ${o.rows} lines (the 10,000 real rows repeated) to ${input}`);
      await repeatSample(input, o.rows);
    }
    if (!existsSync(input)) throw new Error(`--preprocess-input ${input}: no such file`);
    const bytes = statSync(input).size;
    const rows = await lineCount(input);
    const ours = async (parser: "bytes" | "lines", run: number): Promise<{ seconds: number; dir: string }> => {
      const dir = join(work, `${parser}-${run}`);
      const opts: PreprocessOptions = {
        inputs: [input],
        output: dir,
        dataSet: "kaggle",
        mapping: { kind: "modulo", range: o.maxIndRange },
        parser,
        ...(o.threads > 0 ? { threads: o.threads } : {}),
      };
      const t = performance.now();
      await preprocessCriteo(opts);
      return { seconds: (performance.now() - t) / 1000, dir };
    };
    const measure = async (parser: "bytes" | "lines"): Promise<{ seconds: number[]; digests: string[] }> => {
      const seconds: number[] = [];
      let d: string[] = [];
      for (let run = 0; run <= o.runs; run++) {
        const r = await ours(parser, run);
        if (run > 0) seconds.push(r.seconds);
        d = digests(r.dir);
        rmSync(r.dir, { recursive: true, force: true });
        say(`bench: ${parser} parser, ${run === 0 ? "warm-up" : `run ${run}`}: ${r.seconds.toFixed(2)} s`);
      }
      return { seconds, digests: d };
    };
    const fast = await measure("bytes");
    const ref = await measure("lines");
    const timings = [
      timing("dlrm preprocess (byte parser, worker threads)", fast.seconds, rows, bytes),
      timing("dlrm preprocess (line parser, the previous one)", ref.seconds, rows, bytes),
    ];
    const python = o.python ?? TORCH_PYTHON;
    let pandas: PreprocessBenchReport["pandas"];
    if (python === "none") pandas = { unavailable: "skipped (--python none)" };
    else {
      say(`bench: pandas (${PANDAS_SCRIPT}) on the same file`);
      const r = spawnSync(
        python,
        [PANDAS_SCRIPT, input, "--runs", String(o.runs), "--max-ind-range", String(o.maxIndRange)],
        { encoding: "utf8", maxBuffer: 1 << 24 },
      );
      if (r.status !== 0)
        pandas = { unavailable: (r.stderr || r.error?.message || `exit ${r.status}`).trim().split("\n").pop()! };
      else {
        const p = JSON.parse(r.stdout) as {
          pandas: string;
          readCsvSeconds: number[];
          fullSeconds: number[];
          rows: number;
        };
        if (p.rows !== rows) throw new Error(`pandas read ${p.rows} rows of ${input}, the line count is ${rows}`);
        pandas = { version: p.pandas };
        timings.push(timing("pandas read_csv alone (C parser)", p.readCsvSeconds, rows, bytes));
        timings.push(timing("pandas read_csv + fill, log of dense, hash of categorical", p.fullSeconds, rows, bytes));
      }
    }
    const speedup: Record<string, number> = {};
    for (const t of timings.slice(1)) speedup[t.name] = timings[0]!.rowsPerSecond / t.rowsPerSecond;
    const identical = fast.digests.length > 0 && fast.digests.join() === ref.digests.join();
    if (!identical) throw new Error("bench: the byte parser's chunks differ from the line parser's");
    return {
      kind: "preprocess",
      createdAt: new Date().toISOString(),
      command: commandLine(),
      commit: gitCommit(),
      machine: machineInfo(),
      input: o.input ?? `fixtures/criteo/kaggle-train-first10k.tsv repeated to ${o.rows} lines`,
      rows,
      bytes,
      threads: o.threads,
      maxIndRange: o.maxIndRange,
      timings,
      pandas,
      speedup,
      identical,
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The report as a table. */
export function formatPreprocessBench(r: PreprocessBenchReport): string {
  const lines = [
    `Preprocessing ${r.rows} rows (${(r.bytes / 1e6).toFixed(1)} MB) on ${r.machine.cpu}, ${r.machine.cores} cores; median of ${r.timings[0]!.seconds.length} runs`,
    "contender | s | rows/s | MB/s | byte parser speedup",
    ...r.timings.map(
      (t, i) =>
        `${t.name} | ${t.medianSeconds.toFixed(2)} | ${Math.round(t.rowsPerSecond)} | ${t.megabytesPerSecond.toFixed(1)} | ${i === 0 ? "1" : r.speedup[t.name]!.toFixed(2)}`,
    ),
  ];
  if ("unavailable" in r.pandas) lines.push(`pandas did not run: ${r.pandas.unavailable}`);
  lines.push(`outputs identical: ${r.identical}`);
  return `${lines.join("\n")}\n`;
}
