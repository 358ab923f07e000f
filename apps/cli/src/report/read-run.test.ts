/**
 * The run-log reader of `dlrm report`: print-step and test lines sorted apart in file
 * order, a logged non-finite value read as NaN, and each kind of bad input one error naming
 * the file and line (not JSON, not an object, a missing field, no print step, a missing
 * file, a directory); and the legend names from --label or the file names.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseRunLog, readRunLog } from "./read-run.js";
import { runLabels } from "./run-labels.js";

const step = (n: number, loss: number | null = 0.5): string =>
  JSON.stringify({
    step: n,
    epoch: 0,
    loss,
    accuracy: 0.75,
    msPerIteration: 2.5,
    samplesPerSecond: 100,
    learningRate: 0.1,
  });
const test = (n: number, auc: number): string =>
  JSON.stringify({ step: n, test: { samples: 10, loss: 0.4, accuracy: 0.8, auc, logLoss: 0.45 } });

describe("parseRunLog", () => {
  it("sorts print steps and test evaluations apart, in file order", () => {
    const run = parseRunLog(`${step(2)}\n${test(2, 0.6)}\n${step(4, 0.25)}\n${test(4, 0.7)}\n`, "a.jsonl", "a");
    expect(run.label).toBe("a");
    expect(run.steps.map((s) => [s.step, s.loss])).toEqual([
      [2, 0.5],
      [4, 0.25],
    ]);
    expect(run.tests.map((t) => [t.step, t.test.auc, t.test.logLoss])).toEqual([
      [2, 0.6, 0.45],
      [4, 0.7, 0.45],
    ]);
  });

  it("keeps a multi-process run's collective fields", () => {
    const line = JSON.stringify({ ...JSON.parse(step(1)), allToAllMs: 1.5, allToAllBytes: 64 });
    expect(parseRunLog(line, "a.jsonl", "a").steps[0]).toMatchObject({ allToAllMs: 1.5, allToAllBytes: 64 });
  });

  it("reads a logged non-finite loss (null in JSON) as NaN", () => {
    expect(parseRunLog(`${step(1, null)}\n`, "a.jsonl", "a").steps[0]!.loss).toBeNaN();
  });

  it.each([
    [`${step(1)}\nnot json\n`, /^a\.jsonl:2: not JSON \(/],
    [`${step(1)}\n[1, 2]\n`, /^a\.jsonl:2: not a JSON object;/],
    [`${step(1)}\n{"epoch":0}\n`, /^a\.jsonl:2: field "step" is missing$/],
    [`{"step":1.5,"loss":1}\n`, /^a\.jsonl:1: field "step" is not a whole number$/],
    [`{"step":1,"epoch":0,"accuracy":0.5}\n`, /^a\.jsonl:1: field "loss" is missing$/],
    [
      `${step(1)}\n{"step":2,"test":{"samples":1,"loss":1,"accuracy":1,"auc":"x","logLoss":1}}\n`,
      /^a\.jsonl:2: test: field "auc" is not a number$/,
    ],
    ["", /^a\.jsonl: no training steps \(the file is empty\); write one with dlrm train --log-jsonl FILE$/],
    [`${test(3, 0.5)}\n`, /^a\.jsonl: no training steps \(no print-step line\)/],
  ])("refuses bad input with one line naming the file and line: %j", (text, message) => {
    expect(() => parseRunLog(text, "a.jsonl", "a")).toThrow(message);
  });
});

describe("readRunLog", () => {
  const dir = mkdtempSync(join(tmpdir(), "dlrm-read-run-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("reads a file", () => {
    writeFileSync(join(dir, "r.jsonl"), `${step(1)}\n`);
    expect(readRunLog(join(dir, "r.jsonl"), "r").steps).toHaveLength(1);
  });

  it("names a missing file and a directory", () => {
    expect(() => readRunLog(join(dir, "nope.jsonl"), "n")).toThrow(/nope\.jsonl: does not exist; check the path/);
    expect(() => readRunLog(dir, "d")).toThrow(/: is a directory; name a run log \(\.jsonl\)$/);
  });
});

describe("runLabels", () => {
  it("takes --label in order, else the file names, else the paths where names repeat", () => {
    expect(runLabels(["x/a.jsonl", "b.jsonl"], ["lr 0.1", "lr 0.2"])).toEqual(["lr 0.1", "lr 0.2"]);
    expect(runLabels(["x/a.jsonl", "y/b.jsonl"], [])).toEqual(["a.jsonl", "b.jsonl"]);
    expect(runLabels(["x/a.jsonl", "y/a.jsonl", "b.jsonl"], [])).toEqual(["x/a.jsonl", "y/a.jsonl", "b.jsonl"]);
  });

  it("refuses a label count that does not match and two runs with one name", () => {
    expect(() => runLabels(["a.jsonl", "b.jsonl"], ["one"])).toThrow(/^--label: 1 label\(s\) for 2 run\(s\)/);
    expect(() => runLabels(["a.jsonl", "b.jsonl"], ["same", "same"])).toThrow(/^--label: two runs are named "same"/);
    expect(() => runLabels(["a.jsonl", "a.jsonl"], [])).toThrow(/two runs are named "a\.jsonl"/);
  });
});
