/**
 * --preset mlperf-dlrmv2 and the multi-hot flags: the preset's values become the defaults
 * (MLPerf's DLRMv2), a flag given on the command line wins, and bad multi-hot values are
 * refused naming the flag.
 */
import { describe, expect, it } from "vitest";
import { parseTrainArgs } from "./train-options.js";
import { CRITEO_1TB_TABLES, MLPERF_MULTI_HOT } from "./presets.js";

describe("--preset mlperf-dlrmv2", () => {
  it("sets MLPerf's DLRMv2 configuration", () => {
    const s = parseTrainArgs(["--preset", "mlperf-dlrmv2"]);
    const m = s.config.model;
    expect(m.tableRows).toEqual(CRITEO_1TB_TABLES);
    expect([m.embeddingDim, m.interaction, m.dcnLayers, m.dcnRank]).toEqual([128, "dcn", 3, 512]);
    expect(m.bottomMlp).toEqual([13, 512, 256, 128]);
    expect(m.topMlp).toEqual([1024, 1024, 512, 256, 1]);
    expect([s.config.batchSize, s.config.optimizer, s.config.learningRate]).toEqual([65536, "adagrad", 0.004]);
    expect(s.cli.multiHotSizes).toEqual(MLPERF_MULTI_HOT);
  });

  it("a flag given on the command line wins over the preset", () => {
    const s = parseTrainArgs(["--preset", "mlperf-dlrmv2", "--mini-batch-size", "2048", "--dcn-low-rank-dim", "64"]);
    expect(s.config.batchSize).toBe(2048);
    expect(s.config.model.dcnRank).toBe(64);
    expect(s.config.model.embeddingDim).toBe(128);
  });

  it("an unknown preset is refused", () => {
    expect(() => parseTrainArgs(["--preset", "mlperf-dlrmv3"])).toThrow(/--preset/);
  });
});

describe("multi-hot flags", () => {
  it("one size for every table, or one per table; others are refused naming the flag", () => {
    expect(parseTrainArgs(["--multi-hot-sizes", "3"]).cli.multiHotSizes).toEqual([3]);
    expect(parseTrainArgs(["--multi-hot-sizes", "3,2,1,4"]).cli.multiHotSizes).toEqual([3, 2, 1, 4]);
    expect(() => parseTrainArgs(["--multi-hot-sizes", "3,2"])).toThrow(/--multi-hot-sizes.*2 sizes for 4 tables/);
    expect(() => parseTrainArgs(["--multi-hot-sizes", "0"])).toThrow(/--multi-hot-sizes/);
    expect(parseTrainArgs(["--multi-hot-sizes", "2"]).cli.multiHotDistribution).toBe("uniform");
    const pareto = parseTrainArgs(["--multi-hot-sizes", "2", "--multi-hot-distribution-type", "pareto"]);
    expect(pareto.cli.multiHotDistribution).toBe("pareto");
    expect(() => parseTrainArgs(["--multi-hot-sizes", "2", "--multi-hot-distribution-type", "zipf"])).toThrow(
      /--multi-hot-distribution-type/,
    );
  });
});
