/**
 * `dlrm serve --load-model CKPT --port P [--host 127.0.0.1]`: an HTTP scoring server over
 * saved weights, loaded as `dlrm predict` loads them (arch from the checkpoint, rows hashed
 * % --max-ind-range), with dynamic batching (--max-batch, --max-latency-ms), a body limit,
 * a graceful stop on SIGTERM or SIGINT (no new requests, every accepted one answered), and
 * new weights swapped in between batches by POST /reload or SIGHUP (same shapes).
 */
import { existsSync } from "node:fs";
import { Command, Option } from "commander";
import { CRITEO_DENSE, CRITEO_SPARSE, criteoScoringSource, type CriteoRow } from "@dlrm/core";
import { UsageError } from "../errors.js";
import { archFromCheckpoint } from "../shared/checkpoint-arch.js";
import { intArg } from "../shared/flag-values.js";
import { checkQuantizedInference } from "../shared/quantize-flags.js";
import { openScorer, type Scorer } from "../serve/scorer.js";
import { quantizedLabel } from "../shared/quantized-run.js";
import { defineTrainOptions, optionsToSetup } from "../shared/train-options.js";
import { DynamicBatcher } from "../serve/batcher.js";
import { BadRequest } from "../serve/rows.js";
import { createServer } from "../serve/server.js";

interface ServeFlags {
  loadModel?: string;
  port?: number;
  host: string;
  maxBatch: number;
  maxLatencyMs: number;
  bodyLimit: number;
  maxIndRange: number;
}

/** Adds the serve flags to `cmd`. */
function addServeOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option("--port <n>", "TCP port to listen on (0: any free port, printed at start)").argParser(intArg))
    .addOption(new Option("--host <address>", "address to listen on").default("127.0.0.1"))
    .addOption(new Option("--max-batch <n>", "most rows scored in one model batch").argParser(intArg).default(256))
    .addOption(
      new Option("--max-latency-ms <ms>", "longest a request waits for its batch to fill").argParser(intArg).default(5),
    )
    .addOption(new Option("--body-limit <bytes>", "largest request body").argParser(intArg).default(1048576));
}

/** Registers `dlrm serve`. */
export function registerServe(program: Command): void {
  addServeOptions(
    defineTrainOptions(
      program
        .command("serve")
        .description(
          "Serve saved weights (--load-model) over HTTP: POST /predict (JSON rows or Criteo TSV lines), GET /health.",
        ),
    ),
  ).action(async (_o: unknown, cmd: Command) => {
    const f = cmd.opts<ServeFlags>();
    if (f.loadModel === undefined)
      throw new UsageError("--load-model", "is required by dlrm serve (the weights to serve)");
    if (f.port === undefined) throw new UsageError("--port", "is required by dlrm serve");
    if (!existsSync(f.loadModel)) throw new Error(`--load-model ${f.loadModel}: no such file`);
    for (const [flag, v] of [
      ["--max-batch", f.maxBatch],
      ["--max-latency-ms", f.maxLatencyMs],
      ["--body-limit", f.bodyLimit],
    ] as const)
      if (!(v > 0)) throw new UsageError(flag, `expected a positive integer, got ${v}`);
    archFromCheckpoint(cmd, f.loadModel, true);
    cmd.setOptionValueWithSource("miniBatchSize", f.maxBatch, "cli");
    const setup = optionsToSetup(cmd);
    const config = setup.config;
    const range = cmd.opts<ServeFlags>().maxIndRange;
    const m = config.model;
    if (m.bottomMlp[0] !== CRITEO_DENSE || m.tableRows.length !== CRITEO_SPARSE)
      throw new Error(`--load-model ${f.loadModel}: not a Criteo model (13 dense inputs, 26 tables)`);
    if (!(range > 0) || m.tableRows.some((r) => r < range))
      throw new UsageError("--max-ind-range", `must be a positive row count no larger than every table, got ${range}`);
    const quantize = setup.cli.quantize;
    if (quantize !== undefined) checkQuantizedInference(quantize, setup);
    let served = await openScorer(f.loadModel, setup.cli.backend, config, quantize);
    if (served.note !== undefined) process.stderr.write(`dlrm serve: ${served.note}\n`);
    const score = async (rows: readonly CriteoRow[]): Promise<Float32Array> => {
      const out = new Float32Array(rows.length);
      await served.evaluate(criteoScoringSource(rows, "request", f.maxBatch, range), {
        onScores: (probs, _t, count) => out.set(probs.subarray(0, count)),
        // Room for one batch's distinct scores: the default sizes a whole test split's table.
        tallyCapacity: f.maxBatch,
      });
      return out;
    };
    const batcher = new DynamicBatcher(score, f.maxBatch, f.maxLatencyMs);
    /** Loads `path` beside the served model (which keeps serving), then swaps it in between two batches. */
    const reload = async (path = f.loadModel!): Promise<string> => {
      if (!existsSync(path)) throw new BadRequest(`reload: ${path}: no such file`);
      let next: Scorer;
      try {
        next = await openScorer(path, setup.cli.backend, config, quantize);
      } catch (e) {
        throw new BadRequest(`reload: ${(e as Error).message.split("\n")[0]}`);
      }
      await batcher.exclusive(() => {
        const old = served;
        served = next;
        old.dispose();
      });
      process.stderr.write(`dlrm serve: now serving ${path}\n`);
      return path;
    };
    const app = createServer({
      batcher,
      bodyLimit: f.bodyLimit,
      info: () => ({
        model: served.file,
        interaction: m.interaction,
        maxBatch: f.maxBatch,
        ...(quantize === undefined ? {} : { quantize: quantizedLabel(quantize) }),
      }),
      reload,
    });
    const address = await app.listen({ port: f.port, host: f.host });
    process.stderr.write(
      `dlrm serve: listening on ${address} (model ${f.loadModel}, batches of up to ${f.maxBatch}, ${served.where})\n`,
    );
    await new Promise<void>((resolve) => {
      const onTerm = (): void => stop("SIGTERM");
      const onInt = (): void => stop("SIGINT");
      const onHup = (): void =>
        void reload().catch((e: Error) => process.stderr.write(`dlrm serve: SIGHUP: ${e.message}\n`));
      process.on("SIGHUP", onHup);
      const stop = (signal: string): void => {
        process.off("SIGTERM", onTerm);
        process.off("SIGINT", onInt);
        process.off("SIGHUP", onHup);
        process.stderr.write(`dlrm serve: ${signal}: answering accepted requests, then stopping\n`);
        // Waiting rows are scored now, not after --max-latency-ms, while the server closes.
        void Promise.all([app.close(), batcher.drain()]).then(() => resolve());
      };
      process.on("SIGTERM", onTerm);
      process.on("SIGINT", onInt);
    });
    served.dispose();
    process.stderr.write("dlrm serve: stopped\n");
  });
}
