/**
 * `dlrm bench --serve` flags: the switch, the number of concurrent clients per load level,
 * rows per request, the bounds of each level (requests and seconds), the float32 server's
 * backend and where the JSON result goes; read into ServeBenchOptions.
 */
import { fileURLToPath } from "node:url";
import { Option, type Command } from "commander";
import { UsageError } from "../errors.js";
import { intArg } from "./flag-values.js";
import type { ServeBenchOptions } from "../bench-serve/serve-bench.js";

/** Adds the --serve flags to `cmd` (`dlrm bench`). */
export function addServeBenchOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option(
        "--serve",
        "measure dlrm serve instead: requests/s and p50/p99 latency per number of clients (autocannon, 127.0.0.1), float32 and int8, beside onnxruntime-node",
      ),
    )
    .addOption(
      new Option("--serve-clients <list>", "with --serve: concurrent clients per load level").default("1,8,64"),
    )
    .addOption(new Option("--serve-rows <n>", "with --serve: Criteo rows per request").argParser(intArg).default(16))
    .addOption(
      new Option("--serve-requests <n>", "with --serve: most requests per load level").argParser(intArg).default(3000),
    )
    .addOption(
      new Option("--serve-seconds <s>", "with --serve: most seconds per load level").argParser(intArg).default(10),
    )
    .addOption(new Option("--serve-backend <name>", "with --serve: the float32 server's backend").default("auto"))
    .addOption(new Option("--serve-json <file>", "with --serve: where the JSON result goes"));
}

/** Whether --serve was given. */
export function serveBenchRequested(cmd: Command): boolean {
  return cmd.opts<{ serve?: boolean }>().serve === true;
}

/** The --serve flags as options (checked); `command` is the command line to record. */
export function serveBenchFromOptions(cmd: Command, command: string): ServeBenchOptions & { json: string | undefined } {
  const o = cmd.opts<{
    serveClients: string;
    serveRows: number;
    serveRequests: number;
    serveSeconds: number;
    serveBackend: string;
    serveJson?: string;
  }>();
  const connections = o.serveClients.split(",").map(Number);
  if (connections.some((c) => !Number.isInteger(c) || c <= 0 || c > 256))
    throw new UsageError("--serve-clients", `expected comma-separated integers in [1, 256], got ${o.serveClients}`);
  for (const [flag, v] of [
    ["--serve-rows", o.serveRows],
    ["--serve-requests", o.serveRequests],
    ["--serve-seconds", o.serveSeconds],
  ] as const)
    if (!(v > 0)) throw new UsageError(flag, `expected a positive integer, got ${v}`);
  if (o.serveRows > 1000) throw new UsageError("--serve-rows", `at most 1000 (the held-out rows), got ${o.serveRows}`);
  return {
    main: fileURLToPath(new URL("../../bin/dlrm.js", import.meta.url)),
    criteo: fileURLToPath(new URL("../../../../fixtures/criteo/kaggle-train-first10k.tsv", import.meta.url)),
    backend: o.serveBackend,
    connections,
    rowsPerRequest: o.serveRows,
    maxRequests: o.serveRequests,
    maxSeconds: o.serveSeconds,
    command,
    json: o.serveJson,
  };
}
