/**
 * The action of `dlrm bench --serve`: the flags read, the measurement run (serve-bench.ts),
 * a short table on stdout (loads, onnxruntime-node, AUC per quantization setting) and the
 * JSON written atomically where --serve-json says.
 */
import type { Command } from "commander";
import { commandLine } from "@dlrm/bench";
import { writeFileAtomic } from "@dlrm/core";
import { serveBenchFromOptions } from "../shared/serve-bench-flags.js";
import { runServeBench } from "./serve-bench.js";

/** Runs `dlrm bench --serve` for the parsed `cmd`. */
export async function runServeBenchCommand(cmd: Command): Promise<void> {
  const { json, ...opts } = serveBenchFromOptions(cmd, commandLine());
  const r = await runServeBench(opts, (l) => process.stderr.write(`${l}\n`));
  const lines = ["variant  clients  requests/s  rows/s  p50 ms  p99 ms  failed  AUC"];
  for (const v of r.variants)
    for (const l of v.loads)
      lines.push(
        `${v.name.padEnd(8)} ${String(l.connections).padStart(7)} ${l.requestsPerSecond.toFixed(0).padStart(11)} ${l.rowsPerSecond.toFixed(0).padStart(7)} ${String(l.p50Ms).padStart(7)} ${String(l.p99Ms).padStart(7)} ${String(l.failed).padStart(7)}  ${v.auc.toFixed(4)}`,
      );
  const o = r.onnxruntime;
  lines.push(
    `onnxruntime-node in-process, batches of ${o.rowsPerBatch}: ${o.rowsPerSecond.toFixed(0)} rows/s, p50 ${o.p50Ms.toFixed(3)} ms, p99 ${o.p99Ms.toFixed(3)} ms, AUC ${o.auc.toFixed(4)}`,
  );
  lines.push(`float32 AUC ${r.float32.auc.toFixed(4)}; in-process on the same rows:`);
  for (const q of r.quantized)
    lines.push(
      `  ${q.flags.join(" ")}: AUC ${q.auc.toFixed(4)} (${(q.auc - r.float32.auc).toFixed(4)}), largest score change ${q.maxScoreDiff.toFixed(4)}, tables ${(q.tableBytes / 2 ** 20).toFixed(2)} MiB`,
    );
  process.stdout.write(`${lines.join("\n")}\n`);
  if (json !== undefined) {
    writeFileAtomic(json, new TextEncoder().encode(`${JSON.stringify(r, null, 2)}\n`));
    process.stderr.write(`bench --serve: wrote ${json}\n`);
  }
}
