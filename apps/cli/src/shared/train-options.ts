/**
 * `dlrm train`'s flags, with facebookresearch/dlrm's names (dlrm_s_pytorch.py) and
 * Habana's seed spellings (--data_type, --world_size), parsed into the run's
 * TrainConfig, DataConfig and the CLI's own options. Defaults are @dlrm/core's
 * DEFAULT_TRAIN_CONFIG on DEFAULT_RANDOM_DATA; every value is checked by validateConfig.
 */
import { addHtmlOptions, htmlFromOptions } from "./html-flags.js";
import { addOnnxOptions, onnxFromOptions } from "./onnx-flags.js";
import { addQuantizeOptions, quantizeFromOptions } from "./quantize-flags.js";
import type { QuantizeOptions } from "../quantize/quantized-dlrm.js";
import { addShardingOptions, shardingFromOptions, type ShardingFlags } from "./sharding-flags.js";
import { addRandDataOptions, randDataFromOptions } from "./rand-data-flags.js";
import { addMultiHotOptions, multiHotDistributionOf, multiHotFromOptions } from "./multi-hot-flags.js";
import { addEmbeddingVariantOptions, applyEmbeddingVariant } from "./embedding-variant-flags.js";
import { addWeightedPoolingOptions, applyWeightedPooling } from "./weighted-pooling-flags.js";
import { addActivationOptions, applyActivation } from "./activation-flags.js";
import { addMultiHotBagsOptions, multiHotBagsFromOptions, type MultiHotBags } from "./multi-hot-bags-flags.js";
import { addPresetOption, applyPreset } from "./presets.js";
import { addRunControlOptions, runControlFromOptions, type RunControlFlags } from "./run-control-flags.js";
import { applyNumWorkers } from "./num-workers-flags.js";
import { traceFromOptions } from "./trace-flags.js";
import { Command, Option } from "commander";
import {
  ConfigError,
  DEFAULT_RANDOM_DATA,
  DEFAULT_TRAIN_CONFIG,
  validateConfig,
  type DataConfig,
  type MultiHotDistribution,
  type TrainConfig,
  type ShardingOptions,
} from "@dlrm/core";
import { backendNames } from "@dlrm/backends";
import { UsageError } from "../errors.js";
import { addDatasetOptions, datasetFromOptions, type DatasetSetup } from "./dataset-flags.js";
import { boolArg, floatArg, intArg, listArg } from "./flag-values.js";
import { deepFreeze } from "./freeze.js";

/** Criteo rows: 13 dense features and 26 categorical ones. */
const CRITEO_DENSE = 13;
const CRITEO_TABLES = 26;

/** What the CLI itself does with a run, beyond the trainer's configuration. */
export interface CliOptions extends RunControlFlags {
  /** "auto" or a registered backend name. */
  backend: string;
  /** Show ms/iteration in the per-print lines (`--print-time`). */
  printTime: boolean;
  /** Write one JSON object per print step here (`--log-jsonl`). */
  logJsonl: string | undefined;
  /** Write the training report here, refreshed at each print step (`--html`, shared/html-flags.ts). */
  html: string | undefined;
  /** A --save-model file to continue, or initial weights with dlrm's state_dict names (`--load-model`). */
  loadModel: string | undefined;
  /**
   * Processes to train on (`--world_size`, `--world-size`): above 1 outside mpirun, `dlrm
   * train` starts `mpirun -np N` itself; under mpirun the world size is MPI's.
   */
  worldSize: number;
  /** True when the user gave the world size on the command line. */
  worldSizeGiven: boolean;
  /** Seconds a rank waits in one collective before it ends the job (`--dist-timeout`). */
  distTimeout: number;
  /** How tables are placed over the ranks (`--sharding`) and each rank's budget (`--memory-per-rank`). */
  sharding: ShardingOptions;
  /** MLPerf's synthetic multi-hot sizes (`--multi-hot-sizes`), one per table or one; undefined: one-hot. */
  multiHotSizes: number[] | undefined;
  /** How the extra multi-hot ids are drawn (`--multi-hot-distribution-type`). */
  multiHotDistribution: MultiHotDistribution;
  /** A processed dataset's multi-hot bags: stored in its directory, or expanded per batch (`--multi-hot-bags`). */
  multiHotBags: MultiHotBags;
  /** Backend threads (`--threads`, counting the calling thread); 0: the default (all cores, or a rank's share). */
  threads: number;
  /** Final weights with the optimizer and training state, safetensors (`--save-model`). */
  saveModel: string | undefined;
  /** The forward graph with the final weights, ONNX (`--save-onnx`). */
  saveOnnx: string | undefined;
  /** Quantized host scoring (`--quantize-emb-with-bit`, `--quantize-mlp-with-bit`); undefined: float32. */
  quantize: QuantizeOptions | undefined;
  /** Checkpoints: directory, period (0 = only on a stop signal), how many to keep. */
  checkpointDir: string;
  checkpointEvery: number;
  checkpointKeep: number;
  /** Checkpoint file or directory to continue from (`--resume`). */
  resume: string | undefined;
  onNonFinite: "stop" | "skip";
  maxConsecutiveSkips: number;
}

/**
 * A parsed and checked `dlrm train` command line, frozen (shared/freeze.ts): resolved and
 * validated once by optionsToSetup, then only read. A processed dataset's table sizes are
 * known only once it is opened; the run then trains on a new configuration
 * (shared/dataset-run.ts), never by changing this one.
 */
export interface TrainSetup {
  readonly config: Readonly<TrainConfig>;
  readonly data: Readonly<DataConfig>;
  readonly cli: Readonly<CliOptions>;
  /** Things the user should know about how flags were interpreted (printed at start-up). */
  readonly notes: readonly string[];
  /** The processed Criteo pipeline (`--processed-data-file`); data then only names the raw file. */
  readonly dataset?: Readonly<DatasetSetup> | undefined;
}

/** A boolean flag that may be bare (`--print-time`) or carry a value (`--print-time True`). */
function boolOption(flag: string, description: string, defaultValue: boolean): Option {
  return new Option(`${flag} [bool]`, `${description} (a bare flag means True)`)
    .argParser(boolArg)
    .default(defaultValue);
}

/** Adds every `dlrm train` flag, with its default and meaning, to a command. */
export function defineTrainOptions(cmd: Command): Command {
  const c = DEFAULT_TRAIN_CONFIG;
  const m = c.model;
  const d = DEFAULT_RANDOM_DATA;
  const dash = (xs: readonly number[]): string => xs.join("-");
  return addPresetOption(
    addActivationOptions(
      addWeightedPoolingOptions(
        addEmbeddingVariantOptions(
          addRandDataOptions(
            addMultiHotBagsOptions(
              addMultiHotOptions(
                addShardingOptions(
                  addOnnxOptions(addHtmlOptions(addQuantizeOptions(addDatasetOptions(addRunControlOptions(cmd))))),
                ),
              ),
            ),
          ),
        ),
      ),
    ),
  )
    .addOption(
      new Option(
        "--arch-sparse-feature-size <n>",
        "embedding dimension D (width of every embedding row and of the bottom MLP output)",
      )
        .argParser(intArg)
        .default(m.embeddingDim),
    )
    .addOption(
      new Option("--arch-embedding-size <rows>", "rows of each embedding table, dash-separated (one number per table)")
        .argParser(listArg)
        .default(m.tableRows, dash(m.tableRows)),
    )
    .addOption(
      new Option("--arch-mlp-bot <widths>", "bottom MLP widths: dense input width first, D last")
        .argParser(listArg)
        .default(m.bottomMlp, dash(m.bottomMlp)),
    )
    .addOption(
      new Option(
        "--arch-mlp-top <widths>",
        "top MLP widths after the interaction (its width is prepended), last must be 1",
      )
        .argParser(listArg)
        .default(m.topMlp, dash(m.topMlp)),
    )
    .addOption(
      new Option(
        "--arch-interaction-op <op>",
        "feature interaction: dot (pairwise dot products), cat (concatenation) or dcn (DCNv2's low-rank cross network over the concatenation, as MLPerf's DLRMv2)",
      )
        .choices(["dot", "cat", "dcn"])
        .default(m.interaction),
    )
    .addOption(
      new Option("--dcn-num-layers <n>", "with --arch-interaction-op dcn: cross layers").argParser(intArg).default(3),
    )
    .addOption(
      new Option("--dcn-low-rank-dim <k>", "with --arch-interaction-op dcn: the cross layers' low-rank dimension")
        .argParser(intArg)
        .default(512),
    )
    .addOption(
      boolOption(
        "--arch-interaction-itself",
        "dot interaction keeps each feature's product with itself",
        m.interactionItself,
      ),
    )
    .addOption(new Option("--mini-batch-size <n>", "samples per training step").argParser(intArg).default(c.batchSize))
    .addOption(
      new Option("--learning-rate <lr>", "learning rate for every parameter")
        .argParser(floatArg)
        .default(c.learningRate),
    )
    .addOption(
      new Option(
        "--optimizer <name>",
        "sgd, adagrad (element-wise, as torch.optim.Adagrad) or rwsadagrad (row-wise on tables)",
      )
        .choices(["sgd", "adagrad", "rwsadagrad"])
        .default(c.optimizer),
    )
    .addOption(
      new Option("--loss-function <name>", "bce (binary cross-entropy) or mse").choices(["bce", "mse"]).default(c.loss),
    )
    .addOption(
      new Option("--loss-threshold <t>", "clamp the click probability to [t, 1-t] when t > 0")
        .argParser(floatArg)
        .default(c.lossThreshold),
    )
    .addOption(new Option("--nepochs <n>", "passes over the data").argParser(intArg).default(c.epochs))
    .addOption(
      new Option(
        "--num-batches <n>",
        "batches per epoch (0 = all); with random data it overrides --data-size, as in dlrm",
      )
        .argParser(intArg)
        .default(c.numBatches),
    )
    .addOption(
      new Option("--print-freq <n>", "print loss and accuracy every n steps (and at the last step)")
        .argParser(intArg)
        .default(c.printFreq),
    )
    .addOption(boolOption("--print-time", "show ms/iteration in the printed lines", false))
    .addOption(
      new Option(
        "--data-generation <kind>",
        "random (generated, seeded), dataset (a raw Criteo TSV file, --raw-data-file) or synthetic (random, indices from --data-trace-file)",
      )
        .choices(["random", "dataset", "synthetic"])
        .default("random"),
    )
    .addOption(
      new Option("--data-size <n>", "random data: samples per epoch (partial batches are dropped)")
        .argParser(intArg)
        .default(d.dataSize),
    )
    .addOption(
      new Option(
        "--raw-data-file <file>",
        "dataset: raw Criteo TSV file (label, 13 integer, 26 hex categorical fields)",
      ),
    )
    .addOption(
      new Option(
        "--max-ind-range <n>",
        "dataset: categorical hash modulo n; every table gets n rows (-1 = off; required with dataset for now)",
      )
        .argParser(intArg)
        .default(-1),
    )
    .addOption(
      new Option("--num-indices-per-lookup <n>", "random data: maximum indices per bag")
        .argParser(intArg)
        .default(d.numIndicesPerLookup),
    )
    .addOption(
      boolOption(
        "--num-indices-per-lookup-fixed",
        "random data: draw exactly num-indices-per-lookup indices per bag",
        d.numIndicesPerLookupFixed,
      ),
    )
    .addOption(boolOption("--round-targets", "random data: round targets to 0/1", d.roundTargets))
    .addOption(
      new Option("--numpy-rand-seed <n>", "seed for parameter initialisation and random data")
        .argParser(intArg)
        .default(c.seed),
    )
    .addOption(
      new Option("--lr-num-warmup-steps <n>", "linear learning-rate warmup over n steps (0 = none)")
        .argParser(intArg)
        .default(c.lrNumWarmupSteps),
    )
    .addOption(
      new Option("--lr-decay-start-step <n>", "step at which polynomial learning-rate decay starts")
        .argParser(intArg)
        .default(c.lrDecayStartStep),
    )
    .addOption(
      new Option("--lr-num-decay-steps <n>", "steps of polynomial (power 2) decay, floor 1e-7 (0 = none)")
        .argParser(intArg)
        .default(c.lrNumDecaySteps),
    )
    .addOption(
      new Option(
        "--load-model <file>",
        "a --save-model file continues its training; a weights-only safetensors (dlrm's state_dict names) starts one",
      ),
    )
    .addOption(
      new Option(
        "--save-model <file>",
        "after training, write the weights, optimizer state and training state here (safetensors, dlrm's state_dict names, atomic)",
      ),
    )
    .addOption(
      new Option(
        "--checkpoint-every <n>",
        "write a training checkpoint every n steps and at the end (0 = only on Ctrl-C/SIGTERM)",
      )
        .argParser(intArg)
        .default(0),
    )
    .addOption(new Option("--checkpoint-keep <k>", "keep the newest k checkpoints").argParser(intArg).default(3))
    .addOption(
      new Option(
        "--checkpoint-dir <dir>",
        "directory of training checkpoints (also written on Ctrl-C/SIGTERM)",
      ).default("checkpoints"),
    )
    .addOption(
      new Option(
        "--resume <path>",
        "continue exactly from a checkpoint file, or a directory's newest loadable checkpoint",
      ),
    )
    .addOption(
      new Option(
        "--on-nonfinite <action>",
        "stop: a NaN/Inf loss ends training; skip: such steps are not applied (reads the loss every step)",
      )
        .choices(["stop", "skip"])
        .default("stop"),
    )
    .addOption(
      new Option(
        "--max-consecutive-skips <n>",
        "with --on-nonfinite skip: stop after more than n non-finite steps in a row",
      )
        .argParser(intArg)
        .default(10),
    )
    .addOption(
      new Option("--backend <name>", "backend to compute on; auto takes the first available in preference order")
        .choices(["auto", ...backendNames()])
        .default("auto"),
    )
    .addOption(
      new Option(
        "--mode <mode>",
        "eager (each op runs at once) or lazy (a whole step is recorded and submitted at once)",
      )
        .choices(["eager", "lazy"])
        .default(c.mode),
    )
    .addOption(
      new Option(
        "--log-jsonl <file>",
        "write one JSON object per print step (step, epoch, loss, accuracy, ms/it, samples/s, learning rate) and one per test evaluation ({step, test})",
      ),
    )
    .addOption(
      new Option("--data_type <type>", "precision: fp32, or bf16 mixed precision (also --data-type)")
        .choices(["fp32", "bf16"])
        .default(c.precision),
    )
    .addOption(new Option("--data-type <type>").choices(["fp32", "bf16"]).hideHelp())
    .addOption(
      new Option(
        "--world_size <n>",
        "processes to train on (also --world-size): tables split across ranks, MLPs data-parallel, over Open MPI; outside mpirun, starts `mpirun -np n` itself",
      )
        .argParser(intArg)
        .default(1),
    )
    .addOption(new Option("--world-size <n>").argParser(intArg).hideHelp())
    .addOption(
      new Option(
        "--distributed [bool]",
        "the seed's flag: train on several processes (with --world-size; under mpirun the world size is MPI's)",
      )
        .argParser(boolArg)
        .default(false),
    )
    .addOption(new Option("--dist-backend <name>", "the transport between ranks").choices(["mpi"]).default("mpi"))
    .addOption(
      new Option(
        "--threads <n>",
        "backend threads, the calling one included (0: every core, or on one of N ranks on a machine its share, cores / N)",
      )
        .argParser(intArg)
        .default(0),
    )
    .addOption(
      new Option(
        "--dist-timeout <seconds>",
        "a rank waiting longer than this in one collective ends the whole job (a peer died or hangs)",
      )
        .argParser(floatArg)
        .default(300),
    );
}

/** The value of one of two spellings of a flag; both given with different values is an error. */
function eitherSpelling<T>(cmd: Command, seedKey: string, dashKey: string, seedFlag: string, dashFlag: string): T {
  const opts = cmd.opts<Record<string, unknown>>();
  const seed = opts[seedKey] as T;
  const dash = opts[dashKey] as T | undefined;
  if (dash === undefined) return seed;
  if (cmd.getOptionValueSource(seedKey) === "cli" && seed !== dash) {
    throw new UsageError(seedFlag, `conflicts with ${dashFlag} (${String(seed)} vs ${String(dash)})`);
  }
  return dash;
}

/** Turns a parsed command's option values into a checked, frozen TrainSetup. Throws UsageError or ConfigError. */
export function optionsToSetup(cmd: Command): TrainSetup {
  applyPreset(cmd);
  const opts = cmd.opts<Record<string, unknown>>();
  const notes: string[] = [];
  const config: TrainConfig = {
    model: {
      embeddingDim: opts.archSparseFeatureSize as number,
      tableRows: [...(opts.archEmbeddingSize as number[])],
      bottomMlp: [...(opts.archMlpBot as number[])],
      topMlp: [...(opts.archMlpTop as number[])],
      interaction: opts.archInteractionOp as TrainConfig["model"]["interaction"],
      interactionItself: opts.archInteractionItself as boolean,
      ...(opts.archInteractionOp === "dcn"
        ? { dcnLayers: opts.dcnNumLayers as number, dcnRank: opts.dcnLowRankDim as number }
        : {}),
    },
    batchSize: opts.miniBatchSize as number,
    learningRate: opts.learningRate as number,
    optimizer: opts.optimizer as TrainConfig["optimizer"],
    loss: opts.lossFunction as TrainConfig["loss"],
    lossThreshold: opts.lossThreshold as number,
    epochs: opts.nepochs as number,
    numBatches: opts.numBatches as number,
    printFreq: opts.printFreq as number,
    precision: eitherSpelling(cmd, "data_type", "dataType", "--data_type", "--data-type"),
    mode: opts.mode as TrainConfig["mode"],
    lrNumWarmupSteps: opts.lrNumWarmupSteps as number,
    lrDecayStartStep: opts.lrDecayStartStep as number,
    lrNumDecaySteps: opts.lrNumDecaySteps as number,
    seed: opts.numpyRandSeed as number,
  };
  const worldSize: number = eitherSpelling(cmd, "world_size", "worldSize", "--world_size", "--world-size");
  if (worldSize < 1) throw new UsageError("--world_size", `expected a positive integer, got ${worldSize}`);

  let data: DataConfig;
  if (opts.dataGeneration === "dataset") {
    const path = opts.rawDataFile as string | undefined;
    if (path === undefined || path === "")
      throw new UsageError("--raw-data-file", "is required with --data-generation dataset");
    const range = opts.maxIndRange as number;
    if (range <= 0 && opts.processedDataFile === undefined)
      throw new UsageError(
        "--max-ind-range",
        `must be a positive row count with --data-generation dataset, got ${range}`,
      );
    if (config.model.bottomMlp[0] !== CRITEO_DENSE) {
      throw new ConfigError(
        "--arch-mlp-bot",
        `the first width must be ${CRITEO_DENSE} (Criteo's dense features) with --data-generation dataset`,
      );
    }
    if (cmd.getOptionValueSource("archEmbeddingSize") === "cli") {
      notes.push(
        `--arch-embedding-size is ignored with --data-generation dataset: ${CRITEO_TABLES} tables of --max-ind-range ${range} rows`,
      );
    }
    config.model.tableRows = new Array<number>(CRITEO_TABLES).fill(Math.max(range, 1));
    data = { kind: "criteo-tsv", path, maxIndRange: range, maxRows: 0 };
  } else {
    const lookups = opts.numIndicesPerLookup as number;
    if (!(lookups > 0)) throw new UsageError("--num-indices-per-lookup", `expected a positive integer, got ${lookups}`);
    data = {
      kind: "random",
      dataSize: opts.dataSize as number,
      numIndicesPerLookup: lookups,
      numIndicesPerLookupFixed: opts.numIndicesPerLookupFixed as boolean,
      roundTargets: opts.roundTargets as boolean,
    };
    const indexDistribution =
      traceFromOptions(cmd, config.model.tableRows, notes) ?? randDataFromOptions(cmd, config.model.tableRows, notes);
    if (indexDistribution !== undefined) data.indexDistribution = indexDistribution;
  }

  const dataset = applyNumWorkers(
    cmd,
    opts.dataGeneration === "dataset" ? datasetFromOptions(cmd, config) : undefined,
    notes,
  );
  if (dataset !== undefined && dataset.testMiniBatchSize !== config.batchSize) {
    notes.push(
      `during training the test split is evaluated in batches of --mini-batch-size ${config.batchSize} (the model's buffers); metrics do not depend on it. --test-mini-batch-size ${dataset.testMiniBatchSize} applies to dlrm eval`,
    );
  }
  if (
    dataset !== undefined &&
    dataset.testFreq === 0 &&
    (dataset.mlperfAucThreshold > 0 || dataset.mlperfAccThreshold > 0)
  ) {
    notes.push(
      "the --mlperf-*-threshold early stop is checked at --test-freq steps; with --test-freq 0 only after training",
    );
  }
  applyEmbeddingVariant(cmd, config);
  applyWeightedPooling(cmd, config);
  applyActivation(cmd, config);
  validateConfig(config);
  const cli: CliOptions = {
    backend: opts.backend as string,
    printTime: opts.printTime as boolean,
    ...runControlFromOptions(cmd),
    logJsonl: opts.logJsonl as string | undefined,
    html: htmlFromOptions(cmd),
    loadModel: opts.loadModel as string | undefined,
    worldSize,
    worldSizeGiven: ["world_size", "worldSize"].some((k) => cmd.getOptionValueSource(k) === "cli"),
    distTimeout: opts.distTimeout as number,
    sharding: shardingOptions(shardingFromOptions(cmd)),
    multiHotSizes: multiHotSizesOf(cmd, config.model.tableRows.length),
    multiHotDistribution: multiHotDistributionOf(cmd),
    multiHotBags: multiHotBagsFromOptions(cmd),
    threads: opts.threads as number,
    saveModel: opts.saveModel as string | undefined,
    saveOnnx: onnxFromOptions(cmd),
    quantize: quantizeFromOptions(cmd),
    checkpointDir: opts.checkpointDir as string,
    checkpointEvery: opts.checkpointEvery as number,
    checkpointKeep: opts.checkpointKeep as number,
    resume: opts.resume as string | undefined,
    onNonFinite: opts.onNonfinite as "stop" | "skip",
    maxConsecutiveSkips: opts.maxConsecutiveSkips as number,
  };
  if (opts.distributed === true && worldSize === 1 && process.env.OMPI_COMM_WORLD_SIZE === undefined) {
    notes.push(
      "--distributed without --world-size N trains in one process (give --world-size N, or start the ranks with mpirun)",
    );
  }
  if (cli.threads < 0) throw new UsageError("--threads", `expected a non-negative integer, got ${cli.threads}`);
  if (!(cli.distTimeout > 0))
    throw new UsageError("--dist-timeout", `expected a positive number of seconds, got ${cli.distTimeout}`);
  if (worldSize > 1 && config.batchSize % worldSize !== 0) {
    throw new UsageError(
      "--mini-batch-size",
      `the global batch ${config.batchSize} does not divide evenly over --world-size ${worldSize} ranks`,
    );
  }
  if (cli.checkpointEvery < 0)
    throw new UsageError("--checkpoint-every", `expected a non-negative integer, got ${cli.checkpointEvery}`);
  if (cli.checkpointKeep < 1)
    throw new UsageError("--checkpoint-keep", `expected a positive integer, got ${cli.checkpointKeep}`);
  if (cli.maxConsecutiveSkips < 0)
    throw new UsageError("--max-consecutive-skips", `expected a non-negative integer, got ${cli.maxConsecutiveSkips}`);
  if (cli.resume !== undefined && cli.loadModel !== undefined)
    throw new UsageError("--resume", "cannot be combined with --load-model (the checkpoint holds the weights)");
  return deepFreeze({ config, data, cli, notes, dataset });
}

/** Thrown by parseTrainArgs for a flag commander rejects; the message names the flag. */
export class FlagError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FlagError";
  }
}

/**
 * Parses `dlrm train` arguments (without "dlrm train") into a TrainSetup, for tests and
 * scripts. Throws FlagError for a flag or value commander rejects, UsageError or
 * ConfigError for a bad combination.
 */
export function parseTrainArgs(argv: readonly string[]): TrainSetup {
  const cmd = defineTrainOptions(new Command("train"))
    .exitOverride()
    .configureOutput({ writeOut: () => undefined, writeErr: () => undefined });
  try {
    cmd.parse([...argv], { from: "user" });
  } catch (err) {
    throw new FlagError(err instanceof Error ? err.message : String(err));
  }
  return optionsToSetup(cmd);
}

/** The trainer's sharding options from the parsed flags (no budget: no memoryPerRank). */
function shardingOptions(f: ShardingFlags): ShardingOptions {
  return { sharding: f.sharding, ...(f.memoryPerRank === undefined ? {} : { memoryPerRank: f.memoryPerRank }) };
}

/** --multi-hot-sizes checked, as a usage error naming the flag. */
function multiHotSizesOf(cmd: Command, numTables: number): number[] | undefined {
  try {
    return multiHotFromOptions(cmd, numTables);
  } catch (e) {
    const flag = /^--[a-z-]+/.exec((e as Error).message)?.[0] ?? "--multi-hot-sizes";
    throw new UsageError(flag, (e as Error).message.replace(/^--[a-z-]+( \w+)?: /, ""));
  }
}
