/**
 * Whole-training-step conformance cases: a few steps of `trainModel` (upload, forward,
 * backward, sparse and dense updates, exactly as `dlrm train` runs them) on a small seeded
 * configuration, comparing every parameter and optimizer accumulator afterwards with the
 * reference's, under the `trainingStep` tolerance of tolerances.ts.
 */
import {
  createRandomSource,
  DEFAULT_TRAIN_CONFIG,
  trainModel,
  type Backend,
  type InteractionOp,
  type LossFunction,
  type OptimizerName,
  type Precision,
  type RandomDataConfig,
  type TrainConfig,
} from "@dlrm/core";
import { seedOf, type RunCase } from "./case.js";

/** Steps per training-step case: enough for updates to feed back into the next forward pass. */
export const TRAINING_STEPS = 3;

/** What varies between the training-step cases. */
interface StepVariant {
  readonly interaction: InteractionOp;
  readonly itself: boolean;
  readonly optimizer: OptimizerName;
  readonly loss: LossFunction;
}

export const STEP_VARIANTS: readonly StepVariant[] = [
  { interaction: "dot", itself: false, optimizer: "adagrad", loss: "bce" },
  { interaction: "dot", itself: true, optimizer: "sgd", loss: "mse" },
  { interaction: "cat", itself: false, optimizer: "rwsadagrad", loss: "bce" },
];

/** The small model every variant trains: 3 tables (one of 7 rows, so rows repeat), D = 6, batch 16. */
function stepConfig(v: StepVariant, seed: number, precision: Precision): TrainConfig {
  return {
    ...DEFAULT_TRAIN_CONFIG,
    precision,
    model: {
      embeddingDim: 6,
      tableRows: [40, 7, 300],
      bottomMlp: [5, 12, 6],
      topMlp: [16, 8, 1],
      interaction: v.interaction,
      interactionItself: v.itself,
    },
    batchSize: 16,
    learningRate: 0.1,
    optimizer: v.optimizer,
    loss: v.loss,
    numBatches: TRAINING_STEPS,
    printFreq: TRAINING_STEPS,
    seed: seed % 100_000,
  };
}

const DATA: RandomDataConfig = {
  kind: "random",
  dataSize: 16 * TRAINING_STEPS,
  numIndicesPerLookup: 5,
  numIndicesPerLookupFixed: false,
  roundTargets: true,
};

/**
 * Trains `TRAINING_STEPS` steps and reads back every parameter ("param:<name>") and
 * accumulator ("acc:<name>"). The model's tensors stay allocated (DlrmModel has no
 * dispose); they are a few kilobytes and go with the backend.
 */
async function trainAndRead(backend: Backend, cfg: TrainConfig): Promise<Map<string, Float32Array | Int32Array>> {
  const { model } = await trainModel(backend, { ...cfg, mode: backend.mode }, createRandomSource(cfg, DATA));
  const out = new Map<string, Float32Array | Int32Array>();
  for (const [name, t] of model.namedParameters()) out.set(`param:${name}`, await backend.read(t));
  for (const [name, t] of model.namedOptimizerState()) out.set(`acc:${name}`, await backend.read(t));
  return out;
}

/** A training-step case at `precision` (bf16 names end in ", bf16"; the seed is the fp32 case's). */
export function stepCase(v: StepVariant, precision: Precision = "fp32"): RunCase {
  const base = `trainingStep/${v.interaction}${v.itself ? " itself" : ""} ${v.optimizer} ${v.loss}, ${TRAINING_STEPS} steps`;
  const seed = seedOf(base);
  return {
    name: precision === "fp32" ? base : `${base}, ${precision}`,
    ops: ["trainingStep"],
    precision,
    seed,
    scale: "unit",
    run: (backend) => trainAndRead(backend, stepConfig(v, seed, precision)),
  };
}

/** Every fp32 training-step case. */
export const trainingStepCases: readonly RunCase[] = STEP_VARIANTS.map((v) => stepCase(v));
