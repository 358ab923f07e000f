/**
 * `dlrm bench --serve`: trains a small model on the first 9,000 rows of the real Criteo
 * sample (saved as safetensors and ONNX), then per variant (float32 on a backend, int8
 * quantized on the host) starts `dlrm serve` on 127.0.0.1 and measures requests/s and
 * p50 / p99 latency at each number of concurrent clients with autocannon, beside
 * onnxruntime-node scoring the exported model in this process on the same rows and batch;
 * AUC of each on the last 1,000 rows. The result is one JSON file (bench-results/serve.json).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  BinaryMetrics,
  criteoBatch,
  CRITEO_SPARSE,
  isOptimizerTensor,
  parseCriteoLine,
  readSafetensors,
  type ModelConfig,
} from "@dlrm/core";
import { gitCommit, machineInfo, type MachineInfo } from "@dlrm/bench";
import { rowBytesOf } from "../quantize/rowwise.js";
import { QuantizedDlrm, type QuantizeOptions } from "../quantize/quantized-dlrm.js";
import { runLoad, startServe, type LoadResult } from "./load.js";
import { onnxScore, type OnnxResult } from "./onnx-score.js";

/** What to measure. */
export interface ServeBenchOptions {
  /** The `dlrm` entry script to run (train, serve). */
  main: string;
  /** The real Criteo TSV (at least 10,000 rows). */
  criteo: string;
  /** Backend of the float32 server. */
  backend: string;
  connections: readonly number[];
  rowsPerRequest: number;
  /** Per load level: at most this many requests, and at most this many seconds. */
  maxRequests: number;
  maxSeconds: number;
  /** The command line, recorded in the result. */
  command: string;
}

/** One served variant: its flags, AUC on the held-out rows, table memory and loads. */
export interface ServeVariant {
  name: string;
  /** Where the server scored ("backend ...", "quantized on the host"). */
  where: string;
  flags: string[];
  auc: number;
  /** Largest |p - p_fp32| over the held-out rows (0 for float32 itself). */
  maxScoreDiff: number;
  tableBytes: number;
  loads: LoadResult[];
}

/** One quantization setting scored in-process on the held-out rows: AUC, worst score change, table bytes. */
export interface QuantizedAuc {
  flags: string[];
  auc: number;
  maxScoreDiff: number;
  tableBytes: number;
  mlpBytes: number;
}

export interface ServeBenchResult {
  command: string;
  createdAt: string;
  commit: string | null;
  machine: MachineInfo;
  model: { args: string[]; trainRows: number; heldOutRows: number; backend: string };
  rowsPerRequest: number;
  maxRequests: number;
  maxSeconds: number;
  variants: ServeVariant[];
  /** Every --quantize-* setting against the float32 server's scores, on the same rows. */
  quantized: QuantizedAuc[];
  /** AUC of the float32 server's scores, and its table and MLP bytes. */
  float32: { auc: number; tableBytes: number; mlpBytes: number };
  onnxruntime: Omit<OnnxResult, "scores"> & { auc: number; maxScoreDiff: number; version: string };
}

const RANGE = 10000;
const DIM = 16;
const BOTTOM = [13, 128, 64, DIM];
const TOP = [128, 64, 1];
const MODEL = [
  "--data-generation",
  "dataset",
  "--max-ind-range",
  String(RANGE),
  "--arch-sparse-feature-size",
  String(DIM),
  "--arch-mlp-bot",
  BOTTOM.join("-"),
  "--arch-mlp-top",
  TOP.join("-"),
  "--loss-function",
  "bce",
];
const INT8 = ["--quantize-emb-with-bit", "8", "--quantize-mlp-with-bit", "8"];

function auc(scores: ArrayLike<number>, labels: readonly number[]): number {
  const m = new BinaryMetrics("bce");
  m.add(scores, labels);
  const r = m.result();
  m.dispose();
  return r.auc;
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

/** Runs the whole measurement; `say` gets progress lines. */
export async function runServeBench(o: ServeBenchOptions, say: (line: string) => void): Promise<ServeBenchResult> {
  const all = readFileSync(o.criteo, "utf8").trimEnd().split("\n");
  if (all.length < 10000) throw new Error(`bench --serve: ${o.criteo} has ${all.length} rows, 10,000 are needed`);
  const held = all.slice(9000, 10000);
  const labels = held.map((l) => Number(l.split("\t")[0]));
  const dir = mkdtempSync(join(tmpdir(), "dlrm-bench-serve-"));
  try {
    writeFileSync(join(dir, "train.tsv"), `${all.slice(0, 9000).join("\n")}\n`);
    const trainArgs = [...MODEL, "--mini-batch-size", "128", "--learning-rate", "0.02", "--backend", o.backend];
    say(`bench --serve: training on 9,000 rows (${trainArgs.join(" ")})`);
    execFileSync(
      process.execPath,
      [
        o.main,
        "train",
        ...trainArgs,
        "--raw-data-file",
        "train.tsv",
        "--save-model",
        "m.safetensors",
        "--save-onnx",
        "m.onnx",
      ],
      { cwd: dir, stdio: ["ignore", "ignore", "inherit"], env: { ...process.env, DLRM_DEBUG: "" } },
    );
    const bodies: string[] = [];
    for (let s = 0; s + o.rowsPerRequest <= held.length; s += o.rowsPerRequest)
      bodies.push(`${held.slice(s, s + o.rowsPerRequest).join("\n")}\n`);
    const variants: ServeVariant[] = [];
    let fp32: number[] = [];
    const tableRows = CRITEO_SPARSE * RANGE;
    for (const [name, flags, tableBytes] of [
      ["float32", [], tableRows * DIM * 4],
      ["int8", INT8, tableRows * rowBytesOf(8, DIM)],
    ] as const) {
      const serve = await startServe(o.main, dir, [
        "--load-model",
        "m.safetensors",
        "--backend",
        o.backend,
        "--max-batch",
        "256",
        "--max-latency-ms",
        "2",
        "--max-ind-range",
        String(RANGE),
        ...flags,
      ]);
      try {
        const r = await fetch(`${serve.url}/predict`, { method: "POST", body: `${held.join("\n")}\n` });
        if (r.status !== 200) throw new Error(`bench --serve: ${name}: POST /predict answered ${r.status}`);
        const scores = ((await r.json()) as { scores: number[] }).scores;
        if (name === "float32") fp32 = scores;
        const loads: LoadResult[] = [];
        for (const c of o.connections) {
          const l = await runLoad(serve.url, bodies, o.rowsPerRequest, c, o.maxRequests, o.maxSeconds);
          say(
            `bench --serve: ${name}, ${c} clients: ${l.requestsPerSecond.toFixed(0)} requests/s, p50 ${l.p50Ms} ms, p99 ${l.p99Ms} ms (${l.requests} requests, ${l.failed} failed)`,
          );
          loads.push(l);
        }
        variants.push({
          name,
          where: serve.where,
          flags: [...flags],
          auc: auc(scores, labels),
          maxScoreDiff: maxDiff(scores, fp32),
          tableBytes,
          loads,
        });
      } finally {
        await serve.stop();
      }
    }
    const quantized = quantizedAucs(join(dir, "m.safetensors"), held, labels, fp32);
    const ort = await onnxScore(join(dir, "m.onnx"), held, RANGE, o.rowsPerRequest, o.maxRequests, o.maxSeconds);
    const { scores, ...timing } = ort;
    say(
      `bench --serve: onnxruntime-node in-process: p50 ${timing.p50Ms.toFixed(3)} ms per batch of ${o.rowsPerRequest}`,
    );
    return {
      command: o.command,
      createdAt: new Date().toISOString(),
      commit: gitCommit(),
      machine: machineInfo(),
      model: { args: trainArgs, trainRows: 9000, heldOutRows: held.length, backend: o.backend },
      rowsPerRequest: o.rowsPerRequest,
      maxRequests: o.maxRequests,
      maxSeconds: o.maxSeconds,
      variants,
      quantized: quantized.settings,
      float32: { auc: auc(fp32, labels), ...quantized.fp32 },
      onnxruntime: {
        ...timing,
        auc: auc(scores, labels),
        maxScoreDiff: maxDiff(scores, fp32),
        version: ortVersion(),
      },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const SETTINGS: QuantizeOptions[] = [
  { embBits: 8, mlpBits: 32 },
  { embBits: 4, mlpBits: 32 },
  { embBits: 32, mlpBits: 8 },
  { embBits: 8, mlpBits: 8 },
  { embBits: 4, mlpBits: 8 },
];

/** Each quantization setting's scores of `lines` in one batch, against `fp32`'s. */
function quantizedAucs(
  weights: string,
  lines: readonly string[],
  labels: readonly number[],
  fp32: readonly number[],
): { settings: QuantizedAuc[]; fp32: { tableBytes: number; mlpBytes: number } } {
  const model: ModelConfig = {
    embeddingDim: DIM,
    tableRows: new Array<number>(CRITEO_SPARSE).fill(RANGE),
    bottomMlp: BOTTOM,
    topMlp: TOP,
    interaction: "dot",
    interactionItself: false,
  };
  const state = readSafetensors(weights, (name) => !isOptimizerTensor(name));
  const rows = lines.map((l, i) => parseCriteoLine(l, "held-out", i + 1));
  const batch = criteoBatch(rows, 0, rows.length, RANGE);
  let base = { tableBytes: 0, mlpBytes: 0 };
  const settings = SETTINGS.map((q) => {
    const m = new QuantizedDlrm(model, state, q, 0, weights);
    const scores = m.score(batch);
    const mem = m.memory();
    base = { tableBytes: mem.fp32TableBytes, mlpBytes: mem.fp32MlpBytes };
    const flags = [
      ...(q.embBits === 32 ? [] : ["--quantize-emb-with-bit", String(q.embBits)]),
      ...(q.mlpBits === 32 ? [] : ["--quantize-mlp-with-bit", String(q.mlpBits)]),
    ];
    return {
      flags,
      auc: auc(scores, labels),
      maxScoreDiff: maxDiff(scores, fp32),
      tableBytes: mem.tableBytes,
      mlpBytes: mem.mlpBytes,
    };
  });
  return { settings, fp32: base };
}

function ortVersion(): string {
  try {
    const url = import.meta.resolve("onnxruntime-node/package.json");
    return (JSON.parse(readFileSync(new URL(url), "utf8")) as { version: string }).version;
  } catch {
    return "unknown";
  }
}
