/**
 * `dlrm train --preset NAME`: a named configuration whose values become the defaults of
 * their flags; any flag given on the command line still wins. `mlperf-dlrmv2` is MLPerf's
 * DLRMv2 (DLRM-DCNv2) reference configuration on the Criteo 1TB data (torchrec_dlrm).
 */
import { Option, type Command } from "commander";
import { UsageError } from "../errors.js";

/** The 26 Criteo 1TB tables with --max-ind-range 40000000. */
export const CRITEO_1TB_TABLES = [
  40000000, 39060, 17295, 7424, 20265, 3, 7122, 1543, 63, 40000000, 3067956, 405282, 10, 2209, 11938, 155, 4, 976, 14,
  40000000, 40000000, 40000000, 590152, 12973, 108, 36,
];

/** MLPerf DLRMv2's multi-hot sizes, one per table. */
export const MLPERF_MULTI_HOT = [3, 2, 1, 2, 6, 1, 1, 1, 1, 7, 3, 8, 1, 6, 9, 5, 1, 1, 1, 12, 100, 27, 10, 3, 1, 1];

/** Option values (commander keys) per preset. */
export const PRESETS: Readonly<Record<string, Readonly<Record<string, unknown>>>> = {
  "mlperf-dlrmv2": {
    archEmbeddingSize: CRITEO_1TB_TABLES,
    maxIndRange: 40000000,
    archSparseFeatureSize: 128,
    archMlpBot: [13, 512, 256, 128],
    archMlpTop: [1024, 1024, 512, 256, 1],
    archInteractionOp: "dcn",
    dcnNumLayers: 3,
    dcnLowRankDim: 512,
    multiHotSizes: MLPERF_MULTI_HOT,
    multiHotDistributionType: "uniform",
    numIndicesPerLookup: 1,
    numIndicesPerLookupFixed: true,
    dataSize: 655360,
    optimizer: "adagrad",
    learningRate: 0.004,
    lossFunction: "bce",
    miniBatchSize: 65536,
    dataSet: "terabyte",
    mlperfAucThreshold: 0.80275,
  },
};

export function addPresetOption(cmd: Command): Command {
  return cmd.addOption(
    new Option(
      "--preset <name>",
      "a named configuration as the defaults of its flags (flags given still win): mlperf-dlrmv2 is MLPerf's DLRMv2 (26 Criteo 1TB tables, dimension 128, bottom 13-512-256-128, DCN 3 layers rank 512, top 1024-1024-512-256-1, its multi-hot sizes, Adagrad lr 0.004, batch 65536, target AUC 0.80275)",
    ).choices(Object.keys(PRESETS)),
  );
}

/** Sets the preset's values on every option the command line did not give. */
export function applyPreset(cmd: Command): void {
  const name = cmd.opts<{ preset?: string }>().preset;
  if (name === undefined) return;
  const values = PRESETS[name];
  if (values === undefined) throw new UsageError("--preset", `unknown preset ${name}`);
  for (const [key, value] of Object.entries(values)) {
    if (cmd.getOptionValueSource(key) === "cli") continue;
    cmd.setOptionValueWithSource(key, Array.isArray(value) ? [...value] : value, "config");
  }
}
