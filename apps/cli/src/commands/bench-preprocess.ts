/**
 * `dlrm bench --preprocess`: preprocessing speed beside pandas (packages/bench's
 * preprocess-bench.ts), as a table, --json and a small --html table. Its flags are
 * registered on `dlrm bench` and read only when --preprocess is given.
 */
import { writeFileSync } from "node:fs";
import { Command, Option } from "commander";
import { formatPreprocessBench, runPreprocessBench, type PreprocessBenchReport } from "@dlrm/bench";
import { intArg } from "../shared/flag-values.js";

/** The flags this mode reads. */
export interface PreprocessBenchFlags {
  preprocess?: boolean;
  preprocessInput?: string;
  preprocessRows: number;
  preprocessThreads: number;
  preprocessPython?: string;
  rounds?: string;
  json?: string;
  html?: string;
}

/** Adds --preprocess and its flags to `dlrm bench`. */
export function addPreprocessBenchOptions(cmd: Command): Command {
  return cmd
    .option(
      "--preprocess",
      "measure dlrm preprocess instead (byte parser, the line parser and pandas' read_csv on the same file)",
    )
    .option("--preprocess-input <file>", "with --preprocess: the raw file (default: the 10,000 real rows repeated)")
    .addOption(
      new Option("--preprocess-rows <n>", "with --preprocess: lines of the default input")
        .argParser(intArg)
        .default(1_000_000),
    )
    .addOption(
      new Option("--preprocess-threads <n>", "with --preprocess: parser worker threads (0: one per CPU)")
        .argParser(intArg)
        .default(0),
    )
    .option(
      "--preprocess-python <path>",
      "with --preprocess: Python with pandas (default /usr/bin/python3; none: skip)",
    );
}

const escape = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** The report as a self-contained HTML table. */
export function preprocessBenchHtml(r: PreprocessBenchReport): string {
  const rows = r.timings
    .map(
      (t, i) =>
        `<tr><td>${escape(t.name)}</td><td>${t.medianSeconds.toFixed(2)}</td><td>${Math.round(t.rowsPerSecond)}</td><td>${t.megabytesPerSecond.toFixed(1)}</td><td>${i === 0 ? "1" : r.speedup[t.name]!.toFixed(2)}</td></tr>`,
    )
    .join("\n");
  return `<!doctype html><html><head><meta charset="utf-8"><title>dlrm bench --preprocess</title></head><body>
<h1>Preprocessing ${r.rows} rows (${(r.bytes / 1e6).toFixed(1)} MB)</h1>
<p>${escape(r.machine.cpu)}, ${r.machine.cores} cores; commit ${escape(r.commit ?? "unknown")}; <code>${escape(r.command)}</code></p>
<table><thead><tr><th>contender</th><th>s (median)</th><th>rows/s</th><th>MB/s</th><th>byte parser speedup</th></tr></thead>
<tbody>
${rows}
</tbody></table>
<p>outputs identical: ${r.identical}</p></body></html>
`;
}

/** Runs `dlrm bench --preprocess`. */
export async function runPreprocessBenchCommand(f: PreprocessBenchFlags): Promise<void> {
  const runs = Number(f.rounds ?? "3");
  const r = await runPreprocessBench({
    ...(f.preprocessInput === undefined ? {} : { input: f.preprocessInput }),
    rows: f.preprocessRows,
    runs: runs > 1 ? runs : 3,
    threads: f.preprocessThreads,
    maxIndRange: 10_000_000,
    ...(f.preprocessPython === undefined ? {} : { python: f.preprocessPython }),
    progress: (s) => process.stderr.write(`${s}\n`),
  });
  process.stdout.write(formatPreprocessBench(r));
  if (f.json) writeFileSync(f.json, `${JSON.stringify(r, null, 2)}\n`);
  if (f.html) writeFileSync(f.html, preprocessBenchHtml(r));
}
