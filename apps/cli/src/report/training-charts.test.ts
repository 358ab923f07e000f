/**
 * The training report's chart specs: the six charts in page order, one series per run
 * named by its label, points at the logged steps (accuracy in percent, test metrics from
 * the test lines), non-finite values left out, and the empty note for a chart without points.
 */
import { describe, expect, it } from "vitest";
import type { JsonlRecord } from "../jsonl-log.js";
import type { TrainingRun } from "./read-run.js";
import { trainingCharts } from "./training-charts.js";

const rec = (step: number, loss: number): JsonlRecord => ({
  step,
  epoch: 0,
  loss,
  accuracy: 0.5 + step / 100,
  msPerIteration: 10 + step,
  samplesPerSecond: 1000,
  learningRate: 0.01 * step,
});

const runs: TrainingRun[] = [
  {
    label: "a",
    path: "a.jsonl",
    steps: [rec(2, 0.7), rec(4, Number.NaN), rec(6, 0.6)],
    tests: [{ step: 6, test: { samples: 9, loss: 0.5, accuracy: 0.7, auc: 0.71, logLoss: 0.52 } }],
  },
  { label: "b", path: "b.jsonl", steps: [rec(2, 0.69), rec(4, 0.65)], tests: [] },
];

type Spec = { data: { values: { series: string; x: number; y: number; note?: string }[] }; mark: unknown };
const byId = (id: string, r = runs): Spec => trainingCharts(r).find((c) => c.id === id)!.spec as unknown as Spec;
const xy = (s: Spec, series: string): number[][] =>
  s.data.values.filter((v) => v.series === series).map((v) => [v.x, v.y]);

describe("trainingCharts", () => {
  it("has the six charts in page order", () => {
    expect(trainingCharts(runs).map((c) => c.id)).toEqual([
      "loss",
      "accuracy",
      "test-auc",
      "test-log-loss",
      "learning-rate",
      "ms-per-step",
    ]);
  });

  it("draws each run's loss at its print steps, leaving out a non-finite loss", () => {
    expect(xy(byId("loss"), "a")).toEqual([
      [2, 0.7],
      [6, 0.6],
    ]);
    expect(xy(byId("loss"), "b")).toEqual([
      [2, 0.69],
      [4, 0.65],
    ]);
  });

  it("draws accuracy in percent, learning rate and ms/step per print step", () => {
    expect(xy(byId("accuracy"), "b")).toEqual([
      [2, 52],
      [4, 54],
    ]);
    expect(xy(byId("learning-rate"), "a").map(([, y]) => y)).toEqual([0.02, 0.04, 0.06]);
    expect(xy(byId("ms-per-step"), "a").map(([, y]) => y)).toEqual([12, 14, 16]);
  });

  it("draws test AUC and log loss from the test lines only", () => {
    expect(xy(byId("test-auc"), "a")).toEqual([[6, 0.71]]);
    expect(xy(byId("test-log-loss"), "a")).toEqual([[6, 0.52]]);
    expect(xy(byId("test-auc"), "b")).toEqual([]);
  });

  it("says how to get test metrics when no run has any", () => {
    const none = runs.map((r) => ({ ...r, tests: [] }));
    expect(byId("test-auc", none).data.values).toEqual([
      { note: "no test evaluation (train on a processed dataset with --test-freq N)" },
    ]);
  });
});
