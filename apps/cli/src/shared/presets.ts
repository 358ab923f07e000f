/**
 * `dlrm train --preset NAME`: a named configuration whose values become the defaults of
 * their flags; any flag given on the command line still wins. `mlperf-dlrmv2` is MLPerf's
 * DLRMv2 (DLRM-DCNv2) reference configuration on the Criteo 1TB data (torchrec_dlrm).
 */
import { Option, type Command } from "commander";
import { CRITEO_1TB_TABLES, MLPERF_MULTI_HOT } from "@dlrm/core";
import { UsageError } from "../errors.js";

export { CRITEO_1TB_TABLES, MLPERF_MULTI_HOT };

/** Option values (commander keys) per preset. */
export const PRESETS: Readonly<Record<string, Readonly<Record<string, unknown>>>> = {
  "mlperf-dlrmv2": {
    archEmbeddingSize: [...CRITEO_1TB_TABLES],
    maxIndRange: 40000000,
    archSparseFeatureSize: 128,
    archMlpBot: [13, 512, 256, 128],
    archMlpTop: [1024, 1024, 512, 256, 1],
    archInteractionOp: "dcn",
    dcnNumLayers: 3,
    dcnLowRankDim: 512,
    multiHotSizes: [...MLPERF_MULTI_HOT],
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
