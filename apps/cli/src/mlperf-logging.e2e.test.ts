/**
 * `dlrm train --mlperf-logging` as a child process on real Criteo rows (a processed
 * directory with a test split): every :::MLLOG line is mllog's JSON with its fields in order,
 * the keys come in dlrm_s_pytorch.py's order, each eval_accuracy is the AUC the run prints,
 * and run_stop is aborted after a full run, success when --mlperf-auc-threshold stops it.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CRITEO, dlrm } from "./distributed/e2e-util.js";

const dir = mkdtempSync(join(tmpdir(), "dlrm-mllog-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, "train.txt"), readFileSync(CRITEO, "utf8").split("\n").slice(0, 3000).join("\n") + "\n");

/** 3000 rows: 40 training batches of 64, tested every 20 steps. */
const RUN = [
  "train",
  "--backend",
  "reference",
  "--data-generation",
  "dataset",
  "--raw-data-file",
  "train.txt",
  "--processed-data-file",
  "p",
  "--max-ind-range",
  "1000",
  "--arch-sparse-feature-size",
  "8",
  "--arch-mlp-bot",
  "13-16-8",
  "--arch-mlp-top",
  "32-1",
  "--loss-function",
  "bce",
  "--mini-batch-size",
  "64",
  "--test-freq",
  "20",
  "--mlperf-logging",
];

interface Mllog {
  namespace: string;
  time_ms: number;
  event_type: string;
  key: string;
  value: unknown;
  metadata: Record<string, unknown>;
}

/** The run's mllog records, each line checked to be mllog's JSON with its fields in order. */
function mllog(stdout: string): { records: Mllog[]; lines: string[] } {
  const lines = stdout.split("\n").filter((l) => l.startsWith(":::MLLOG "));
  const records = lines.map((l) => JSON.parse(l.slice(":::MLLOG ".length)) as Mllog);
  for (const [i, r] of records.entries()) {
    expect(Object.keys(r), lines[i]).toEqual(["namespace", "time_ms", "event_type", "key", "value", "metadata"]);
    expect(r.namespace).toBe("");
    expect(Number.isInteger(r.time_ms)).toBe(true);
    expect(["INTERVAL_START", "INTERVAL_END", "POINT_IN_TIME"]).toContain(r.event_type);
    expect(r.metadata.file, lines[i]).toMatch(/\.js$/);
    expect(r.metadata.lineno).toBeGreaterThan(0);
    if (i > 0) expect(r.time_ms).toBeGreaterThanOrEqual(records[i - 1]!.time_ms);
  }
  return { records, lines };
}

const HEAD = [
  "cache_clear",
  "init_start",
  "init_stop",
  "run_start",
  "submission_benchmark",
  "submission_org",
  "submission_division",
  "submission_status",
  "submission_platform",
  "submission_entry",
  "submission_poc_name",
  "submission_poc_email",
  "seed",
  "global_batch_size",
  "opt_base_learning_rate",
  "opt_learning_rate_warmup_steps",
  "sgd_opt_base_learning_rate",
  "lr_decay_start_steps",
  "sgd_opt_learning_rate_decay_steps",
  "sgd_opt_learning_rate_decay_poly_power",
  "block_start",
  "epoch_start",
];
const EVAL = ["eval_start", "eval_accuracy", "eval_stop"];
const TAIL = ["epoch_stop", "block_stop", "run_stop"];

/** The AUCs of the run's "Testing at step" lines. */
const printedAucs = (stdout: string): number[] =>
  [...stdout.matchAll(/^Testing at step \d+ on test .*, auc (\d\.\d{6}),/gm)].map((m) => Number(m[1]));

describe("dlrm train --mlperf-logging", () => {
  it("logs dlrm's keys in order, eval_accuracy the printed AUC, run_stop aborted at the end", () => {
    const r = dlrm(dir, RUN, {}, 120_000);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const { records, lines } = mllog(r.stdout);
    expect(records.map((x) => x.key)).toEqual([...HEAD, ...EVAL, ...EVAL, ...TAIL]);
    const byKey = (k: string): Mllog[] => records.filter((x) => x.key === k);
    expect(lines.find((l) => l.includes('"key": "seed"'))).toContain('"value": 123.0, ');
    expect(byKey("global_batch_size")[0]!.value).toBe(64);
    expect(byKey("submission_platform")[0]!.value).toBe("reference");
    expect(byKey("init_start")[0]!.event_type).toBe("INTERVAL_START");
    expect(byKey("init_stop")[0]!.event_type).toBe("INTERVAL_END");
    expect(byKey("epoch_start")[0]!.metadata).toMatchObject({ epoch_num: 1 });
    expect(byKey("block_start")[0]!.metadata).toMatchObject({ first_epoch_num: 1, epoch_count: 1 });
    const aucs = printedAucs(r.stdout);
    expect(aucs).toHaveLength(2);
    const evals = byKey("eval_accuracy");
    expect(evals.map((x) => x.event_type)).toEqual(["POINT_IN_TIME", "POINT_IN_TIME"]);
    for (const [i, e] of evals.entries()) {
      expect(typeof e.value).toBe("number");
      expect(Math.abs((e.value as number) - aucs[i]!)).toBeLessThanOrEqual(5e-7);
    }
    expect(evals.map((x) => x.metadata.epoch_num)).toEqual([1.5, 2]);
    expect(lines.filter((l) => l.includes('"key": "eval_stop"')).at(-1)).toContain('"epoch_num": 2.0}');
    expect(records.at(-1)!.metadata).toMatchObject({ status: "aborted" });
  });

  it("logs run_stop success when --mlperf-auc-threshold is reached, and stops there", () => {
    const r = dlrm(dir, [...RUN, "--mlperf-auc-threshold", "0.5"], {}, 120_000);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Target reached at step 20: stopping early$/m);
    const { records } = mllog(r.stdout);
    expect(records.map((x) => x.key)).toEqual([...HEAD, ...EVAL, "run_stop", "epoch_stop", "block_stop"]);
    const aucs = printedAucs(r.stdout);
    expect(aucs).toHaveLength(1);
    expect(aucs[0]).toBeGreaterThanOrEqual(0.5);
    expect(records.find((x) => x.key === "eval_accuracy")!.value).toBeCloseTo(aucs[0]!, 6);
    expect(records.find((x) => x.key === "run_stop")!.metadata).toMatchObject({ status: "success" });
  });

  it("prints no mllog line without the flag", () => {
    const r = dlrm(dir, ["train", "--backend", "reference", "--num-batches", "2"]);
    expect(r.status).toBe(0);
    expect(r.stdout).not.toContain(":::MLLOG");
  });
});
