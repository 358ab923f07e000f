/**
 * PyTorch parity: trains from PyTorch's initial weights on the same Criteo rows with the
 * same mapping and options, and compares every step's loss (1e-5 relative) and the final
 * weights (1e-3 absolute) with what facebookresearch/dlrm's semantics gave in PyTorch 1.13.
 * Fixtures: fixtures/torch-parity-* (made by shared/tools/torch_dlrm_ref.py).
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  accumulateBatches,
  createCriteoTsvSource,
  DEFAULT_TRAIN_CONFIG,
  readSafetensors,
  trainModel,
  type BackendFactory,
  type ExecutionMode,
  type TrainConfig,
  type EmbeddingVariant,
} from "@dlrm/core";
import { fixtureInputSource } from "./fixture-inputs.js";

export const FIXTURES = fileURLToPath(new URL("../../fixtures/", import.meta.url));
export const CRITEO_SAMPLE = join(FIXTURES, "criteo", "kaggle-train-first10k.tsv");

interface FixtureArgs {
  bot: string;
  top: string;
  dim: number;
  rows: number;
  op: "dot" | "cat" | "dcn";
  itself?: boolean;
  dcn_layers?: number;
  dcn_rank?: number;
  batch: number;
  steps: number;
  lr: number;
  opt: "adagrad" | "sgd";
  seed: number;
  /** Per-table rows (comma-separated) instead of `rows` for every table. */
  table_rows?: string;
  qr_flag?: boolean;
  qr_threshold?: number;
  qr_operation?: "mult" | "add" | "concat";
  qr_collisions?: number;
  md_flag?: boolean;
  md_threshold?: number;
  md_temperature?: number;
  md_round_dims?: boolean;
  /** dlrm's --weighted-pooling (v_W_l: learned is trained and saved, fixed keeps ones). */
  weighted_pooling?: "fixed" | "learned";
  /** dlrm's --activation-function (the MLPs' hidden layers; relu when absent). */
  activation_function?: "relu" | "sigmoid";
  /** dlrm's --mlperf-grad-accum-iter: mini-batches of `batch` rows per optimizer step. */
  grad_accum?: number;
}

/** The QR or MD embeddings a fixture's arguments ask for (dlrm's flags). */
function fixtureVariant(a: FixtureArgs): EmbeddingVariant | undefined {
  if (a.qr_flag === true)
    return { kind: "qr", threshold: a.qr_threshold!, operation: a.qr_operation!, collisions: a.qr_collisions! };
  if (a.md_flag === true)
    return { kind: "md", threshold: a.md_threshold!, temperature: a.md_temperature!, roundDims: a.md_round_dims! };
  return undefined;
}

export interface ParityResult {
  losses: number[];
  expectedLosses: number[];
  maxLossRelError: number;
  maxWeightAbsError: number;
  worstWeight: string;
}

const dashes = (s: string): number[] => s.split("-").map(Number);

/** The training configuration a fixture's arguments describe. */
export function fixtureConfig(a: FixtureArgs, mode: ExecutionMode): TrainConfig {
  return {
    ...DEFAULT_TRAIN_CONFIG,
    model: {
      embeddingDim: a.dim,
      tableRows: a.table_rows === undefined ? new Array(26).fill(a.rows) : a.table_rows.split(",").map(Number),
      bottomMlp: dashes(a.bot),
      topMlp: dashes(a.top),
      interaction: a.op,
      interactionItself: a.itself === true,
      ...(a.op === "dcn" ? { dcnLayers: a.dcn_layers!, dcnRank: a.dcn_rank! } : {}),
      ...(fixtureVariant(a) === undefined ? {} : { embeddingVariant: fixtureVariant(a)! }),
      ...(a.weighted_pooling === undefined ? {} : { weightedPooling: a.weighted_pooling }),
      ...(a.activation_function === "sigmoid" ? { activation: "sigmoid" as const } : {}),
    },
    batchSize: a.batch * (a.grad_accum ?? 1),
    ...(a.grad_accum === undefined ? {} : { gradAccumIter: a.grad_accum }),
    learningRate: a.lr,
    optimizer: a.opt,
    loss: "bce",
    epochs: 1,
    numBatches: a.steps,
    printFreq: 1,
    mode,
  };
}

/** Runs one fixture on one backend and measures the errors. */
export async function runTorchParity(
  factory: BackendFactory,
  fixture: string,
  mode: ExecutionMode,
): Promise<ParityResult> {
  const dir = join(FIXTURES, fixture);
  const expected = JSON.parse(readFileSync(join(dir, "losses.json"), "utf8")) as {
    losses: number[];
    args: FixtureArgs;
  };
  const cfg = fixtureConfig(expected.args, mode);
  const inputs = join(dir, "inputs.safetensors");
  // With accumulation the rows are read in mini-batches and grouped as the CLI groups them.
  const accum = expected.args.grad_accum ?? 1;
  const mini = { ...cfg, batchSize: expected.args.batch, numBatches: expected.args.steps * accum };
  const source = existsSync(inputs)
    ? fixtureInputSource(inputs, cfg.model.tableRows.length)
    : accumulateBatches(
        await createCriteoTsvSource(mini, {
          kind: "criteo-tsv",
          path: CRITEO_SAMPLE,
          maxIndRange: expected.args.rows,
          maxRows: expected.args.batch * accum * expected.args.steps,
        }),
        accum,
        cfg.model.tableRows.length,
      );
  const backend = await factory.create({ mode });
  try {
    const losses: number[] = [];
    const { model } = await trainModel(backend, cfg, source, {
      initialWeights: readSafetensors(join(dir, "init.safetensors")),
      initialWeightsSource: join(dir, "init.safetensors"),
      onPrint: (r) => losses.push(r.loss),
    });
    const finalWant = readSafetensors(join(dir, "final.safetensors"));
    const finalGot = await model.stateDict();
    let maxWeightAbsError = 0;
    let worstWeight = "";
    for (const [name, want] of finalWant) {
      const got = finalGot.get(name);
      if (got === undefined) throw new Error(`parameter ${name} missing from the trained model`);
      for (let i = 0; i < want.data.length; i++) {
        const err = Math.abs(got.data[i]! - want.data[i]!);
        if (!(err <= maxWeightAbsError)) {
          maxWeightAbsError = Number.isNaN(err) ? Infinity : err;
          worstWeight = `${name}[${i}]`;
        }
      }
    }
    const maxLossRelError = Math.max(
      ...expected.losses.map((w, s) => {
        const e = Math.abs((losses[s] ?? NaN) - w) / Math.abs(w);
        return Number.isNaN(e) ? Infinity : e;
      }),
    );
    return { losses, expectedLosses: expected.losses, maxLossRelError, maxWeightAbsError, worstWeight };
  } finally {
    backend.dispose();
  }
}

/** Final-weight tolerance (absolute) per fixture; its README says why (default 1e-3). */
export const WEIGHT_TOLERANCE: Readonly<Record<string, number>> = {
  "torch-parity-dcnv2-multihot": 1e-4,
  "torch-parity-dcn-1layer-sgd": 1e-4,
  "torch-parity-dcn-2layer-onehot": 1e-4,
  "torch-parity-weighted-learned": 1e-4,
  "torch-parity-weighted-learned-sgd": 1e-4,
  "torch-parity-weighted-fixed": 1e-4,
  "torch-parity-sigmoid": 1e-4,
  "torch-parity-sigmoid-cat-sgd": 1e-4,
  "torch-parity-kaggle-grad-accum": 1e-4,
};

export const PARITY_FIXTURES = [
  "torch-parity-kaggle",
  "torch-parity-kaggle-cat-sgd",
  "torch-parity-kaggle-dot-itself",
  "torch-parity-dcnv2-multihot",
  "torch-parity-dcn-1layer-sgd",
  "torch-parity-dcn-2layer-onehot",
  "torch-parity-qr-mult",
  "torch-parity-qr-add",
  "torch-parity-qr-concat",
  "torch-parity-md",
  "torch-parity-weighted-learned",
  "torch-parity-weighted-learned-sgd",
  "torch-parity-weighted-fixed",
  "torch-parity-sigmoid",
  "torch-parity-sigmoid-cat-sgd",
  "torch-parity-kaggle-grad-accum",
] as const;
