/**
 * Unit tests of `dlrm train` flag parsing: defaults, Habana's two seed command lines,
 * True/False boolean values, both spellings of the seed's flags, and errors that name
 * the flag at fault.
 */
import { describe, expect, it } from "vitest";
import { ConfigError, DEFAULT_RANDOM_DATA, DEFAULT_TRAIN_CONFIG } from "@dlrm/core";
import { UsageError } from "../errors.js";
import { FlagError, parseTrainArgs } from "./train-options.js";

/** Habana's Medium configuration flags, shared by seed lines i and ii. */
const MEDIUM = [
  "--arch-interaction-op",
  "cat",
  "--arch-sparse-feature-size",
  "64",
  "--arch-embedding-size",
  "3000000",
  "--arch-mlp-bot",
  "1024-1024-1024-64",
  "--arch-mlp-top",
  "4096-4096-4096-4096-4096-4096-4096-1",
  "--mini-batch-size",
  "512",
  "--learning-rate",
  "1e-05",
  "--num-batches",
  "100",
  "--num-indices-per-lookup",
  "38",
  "--optimizer",
  "adagrad",
];

/** Seed line i (bf16, lazy), as in Habana's README with `python demo_dlrm.py` replaced. */
const SEED_I = [
  "--world_size",
  "1",
  "--print-time",
  "--print-freq",
  "1",
  "--mode",
  "lazy",
  ...MEDIUM,
  "--data_type",
  "bf16",
];
/** Seed line ii (fp32, eager). */
const SEED_II = ["--world_size", "1", "--print-time", "--print-freq", "1", ...MEDIUM];

function split(line: string): string[] {
  return line.split(/\s+/).filter((s) => s !== "");
}

describe("parseTrainArgs defaults", () => {
  it("no flags give DEFAULT_TRAIN_CONFIG on DEFAULT_RANDOM_DATA with auto backend", () => {
    const s = parseTrainArgs([]);
    expect(s.config).toEqual(DEFAULT_TRAIN_CONFIG);
    expect(s.data).toEqual(DEFAULT_RANDOM_DATA);
    expect(s.cli).toEqual({
      backend: "auto",
      printTime: false,
      sharding: { sharding: "auto" },
      multiHotDistribution: "uniform",
      multiHotBags: "stored",
      logJsonl: undefined,
      loadModel: undefined,
      worldSize: 1,
      worldSizeGiven: false,
      distTimeout: 300,
      threads: 0,
      saveModel: undefined,
      checkpointDir: "checkpoints",
      checkpointEvery: 0,
      checkpointKeep: 3,
      resume: undefined,
      onNonFinite: "stop",
      maxConsecutiveSkips: 10,
      printWallTime: false,
      printPrecision: undefined,
      mlperfLogging: false,
      gradAccumIter: 1,
    });
    expect(s.notes).toEqual([]);
  });

  it("the resolved setup is frozen: a later assignment anywhere in it throws", () => {
    const s = parseTrainArgs([
      "--data-generation",
      "dataset",
      "--raw-data-file",
      "x.tsv",
      "--max-ind-range",
      "10",
      "--processed-data-file",
      "p",
    ]);
    expect(() => {
      (s.config as { batchSize: number }).batchSize = 1;
    }).toThrow(TypeError);
    expect(() => {
      s.config.model.tableRows[0] = 1;
    }).toThrow(TypeError);
    expect(() => {
      (s.cli as { backend: string }).backend = "wasm";
    }).toThrow(TypeError);
    expect(() => {
      s.dataset!.rawFiles.push("y.tsv");
    }).toThrow(TypeError);
    expect(s.config.model.tableRows).toEqual(new Array(26).fill(10));
    expect(DEFAULT_TRAIN_CONFIG.model.tableRows).not.toBe(parseTrainArgs([]).config.model.tableRows);
    expect(Object.isFrozen(DEFAULT_TRAIN_CONFIG.model.tableRows)).toBe(false);
  });

  it("parses the checkpoint and fault flags, and rejects bad values naming the flag", () => {
    const s = parseTrainArgs([
      "--checkpoint-every",
      "50",
      "--checkpoint-keep",
      "2",
      "--checkpoint-dir",
      "ck",
      "--resume",
      "ck",
      "--on-nonfinite",
      "skip",
      "--max-consecutive-skips",
      "4",
      "--save-model",
      "w.safetensors",
    ]);
    expect(s.cli).toMatchObject({
      checkpointEvery: 50,
      checkpointKeep: 2,
      checkpointDir: "ck",
      resume: "ck",
      onNonFinite: "skip",
      maxConsecutiveSkips: 4,
      saveModel: "w.safetensors",
    });
    expect(() => parseTrainArgs(["--checkpoint-keep", "0"])).toThrow(/--checkpoint-keep: expected a positive integer/);
    expect(() => parseTrainArgs(["--on-nonfinite", "ignore"])).toThrow(/--on-nonfinite/);
    expect(() => parseTrainArgs(["--resume", "ck", "--load-model", "w.safetensors"])).toThrow(
      /--resume: cannot be combined with --load-model/,
    );
  });

  it("does not share arrays with the defaults", () => {
    const s = parseTrainArgs(["--data-generation", "dataset", "--raw-data-file", "x.tsv", "--max-ind-range", "10"]);
    expect(s.config.model.tableRows).toHaveLength(26);
    expect(DEFAULT_TRAIN_CONFIG.model.tableRows).toHaveLength(4);
  });
});

describe("seed command lines", () => {
  it("line ii parses to the Medium configuration, fp32, eager", () => {
    const s = parseTrainArgs(SEED_II);
    expect(s.config.model).toEqual({
      embeddingDim: 64,
      tableRows: [3000000],
      bottomMlp: [1024, 1024, 1024, 64],
      topMlp: [4096, 4096, 4096, 4096, 4096, 4096, 4096, 1],
      interaction: "cat",
      interactionItself: false,
    });
    expect(s.config.batchSize).toBe(512);
    expect(s.config.learningRate).toBe(1e-5);
    expect(s.config.optimizer).toBe("adagrad");
    expect(s.config.numBatches).toBe(100);
    expect(s.config.printFreq).toBe(1);
    expect(s.config.precision).toBe("fp32");
    expect(s.config.mode).toBe("eager");
    expect(s.data).toMatchObject({ kind: "random", numIndicesPerLookup: 38 });
    expect(s.cli.printTime).toBe(true);
    expect(s.cli.worldSize).toBe(1);
  });

  it("line i parses to the same model in bf16, lazy", () => {
    const i = parseTrainArgs(SEED_I);
    const ii = parseTrainArgs(SEED_II);
    expect(i.config.model).toEqual(ii.config.model);
    expect(i.config.precision).toBe("bf16");
    expect(i.config.mode).toBe("lazy");
    expect({ ...i.config, precision: "fp32", mode: "eager" }).toEqual(ii.config);
  });

  it("accepts the seed lines written as one string, and --data-type / --world-size spellings", () => {
    const s = parseTrainArgs(split("--world-size 1 --print-time --mode lazy --data-type bf16"));
    expect(s.config.precision).toBe("bf16");
    expect(s.cli.worldSize).toBe(1);
  });

  it("rejects the two spellings of one flag with different values, naming both", () => {
    expect(() => parseTrainArgs(["--data_type", "bf16", "--data-type", "fp32"])).toThrow(
      /--data_type: conflicts with --data-type/,
    );
  });
});

describe("boolean flags", () => {
  it("a bare flag means true", () => {
    const s = parseTrainArgs(["--arch-interaction-itself", "--num-indices-per-lookup-fixed", "--print-time"]);
    expect(s.config.model.interactionItself).toBe(true);
    expect(s.data).toMatchObject({ numIndicesPerLookupFixed: true });
    expect(s.cli.printTime).toBe(true);
  });

  it("accepts True/False values as dlrm scripts write them", () => {
    const off = parseTrainArgs(["--round-targets", "False", "--print-time", "True"]);
    expect(off.data).toMatchObject({ roundTargets: false });
    expect(off.cli.printTime).toBe(true);
    const on = parseTrainArgs(["--round-targets=True", "--arch-interaction-itself", "false"]);
    expect(on.data).toMatchObject({ roundTargets: true });
    expect(on.config.model.interactionItself).toBe(false);
  });

  it("a bare flag followed by another flag does not swallow it", () => {
    const s = parseTrainArgs(["--print-time", "--print-freq", "3"]);
    expect(s.cli.printTime).toBe(true);
    expect(s.config.printFreq).toBe(3);
  });

  it("rejects any other value, naming the flag and value", () => {
    expect(() => parseTrainArgs(["--round-targets", "maybe"])).toThrow(/--round-targets.*'maybe' is invalid/);
  });
});

describe("values", () => {
  it("parses the remaining flags into their fields", () => {
    const s = parseTrainArgs(
      split(
        "--optimizer rwsadagrad --loss-function mse --loss-threshold 0.01 --nepochs 3 --lr-num-warmup-steps 5 " +
          "--lr-decay-start-step 10 --lr-num-decay-steps 20 --numpy-rand-seed 7 --data-size 4096 --backend reference " +
          "--log-jsonl out.jsonl --load-model w.safetensors",
      ),
    );
    expect(s.config).toMatchObject({
      optimizer: "rwsadagrad",
      loss: "mse",
      lossThreshold: 0.01,
      epochs: 3,
      lrNumWarmupSteps: 5,
      lrDecayStartStep: 10,
      lrNumDecaySteps: 20,
      seed: 7,
    });
    expect(s.data).toMatchObject({ kind: "random", dataSize: 4096 });
    expect(s.cli).toMatchObject({ backend: "reference", logJsonl: "out.jsonl", loadModel: "w.safetensors" });
  });

  it("dataset mode makes 26 tables of --max-ind-range rows from the TSV file", () => {
    const s = parseTrainArgs(
      split("--data-generation dataset --raw-data-file rows.tsv --max-ind-range 1000 --arch-embedding-size 5-5"),
    );
    expect(s.data).toEqual({ kind: "criteo-tsv", path: "rows.tsv", maxIndRange: 1000, maxRows: 0 });
    expect(s.config.model.tableRows).toEqual(new Array(26).fill(1000));
    expect(s.notes.join("\n")).toMatch(/--arch-embedding-size is ignored/);
  });

  it("dataset mode needs the file and a positive --max-ind-range", () => {
    expect(() => parseTrainArgs(["--data-generation", "dataset"])).toThrow(UsageError);
    expect(() => parseTrainArgs(["--data-generation", "dataset"])).toThrow(/--raw-data-file/);
    expect(() => parseTrainArgs(["--data-generation", "dataset", "--raw-data-file", "f"])).toThrow(/--max-ind-range/);
  });
});

describe("bad flags and values name the flag", () => {
  it.each([
    [["--optimizer", "adam"], /--optimizer.*'adam' is invalid/],
    [["--mini-batch-size", "lots"], /--mini-batch-size.*'lots' is invalid/],
    [["--learning-rate", "fast"], /--learning-rate.*'fast' is invalid/],
    [["--arch-mlp-bot", "13-x-16"], /--arch-mlp-bot.*'13-x-16' is invalid/],
    [["--mode", "graph"], /--mode.*'graph' is invalid/],
    [["--backend", "tpu"], /--backend.*'tpu' is invalid/],
    [["--data_type", "fp16"], /--data_type.*'fp16' is invalid/],
    [["--no-such-flag"], /unknown option '--no-such-flag'/],
  ])("%j", (argv, message) => {
    expect(() => parseTrainArgs(argv)).toThrow(FlagError);
    expect(() => parseTrainArgs(argv)).toThrow(message);
  });

  it("validateConfig errors name the flag", () => {
    expect(() => parseTrainArgs(["--mini-batch-size", "0"])).toThrow(ConfigError);
    expect(() => parseTrainArgs(["--mini-batch-size", "0"])).toThrow(/^--mini-batch-size: /);
    expect(() => parseTrainArgs(["--arch-mlp-bot", "13-64-8"])).toThrow(
      /^--arch-mlp-bot: .*--arch-sparse-feature-size/,
    );
  });

  it("--world_size must be positive, --dist-timeout positive, and the global batch must divide over the ranks", () => {
    expect(() => parseTrainArgs(["--world_size", "0"])).toThrow(/^--world_size: /);
    expect(() => parseTrainArgs(["--dist-timeout", "0"])).toThrow(
      /^--dist-timeout: expected a positive number of seconds/,
    );
    expect(() => parseTrainArgs(["--world-size", "3", "--mini-batch-size", "128"])).toThrow(
      /^--mini-batch-size: the global batch 128 does not divide evenly over --world-size 3 ranks$/,
    );
    expect(parseTrainArgs(["--world-size", "4"]).cli).toMatchObject({ worldSize: 4, worldSizeGiven: true });
  });
});
