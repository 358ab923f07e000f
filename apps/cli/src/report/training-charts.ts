/**
 * The training report's six charts as @dlrm/charts line charts, one series per run against
 * the training step: training loss and accuracy (the window since the previous print step),
 * test AUC and test log loss (each --test-freq evaluation and the final one), learning rate
 * and ms/step. Non-finite values (a skipped step's NaN loss) are left out of the lines.
 */
import { lineChartSpec, type ChartSpec, type LineChart, type Point } from "@dlrm/charts";
import type { TrainingRun } from "./read-run.js";

/** One chart of the report: its id (the SVG's data-chart), its page heading and its spec. */
export interface TrainingChart {
  id: string;
  heading: string;
  spec: ChartSpec;
}

/** The points (step, value) of the records, dropping non-finite values. */
function points<T extends { step: number }>(records: readonly T[], value: (r: T) => number): Point[] {
  return records.map((r) => ({ x: r.step, y: value(r) })).filter((p) => Number.isFinite(p.y));
}

/** One metric over every run. */
function chart(
  runs: readonly TrainingRun[],
  title: string,
  yTitle: string,
  empty: string,
  pick: (run: TrainingRun) => Point[],
): ChartSpec {
  const c: LineChart = {
    title,
    xTitle: "step",
    yTitle,
    legendTitle: "run",
    empty,
    xIntegers: true,
    series: runs.map((run) => ({ name: run.label, points: pick(run) })),
  };
  return lineChartSpec(c);
}

/** The report's charts, in page order. */
export function trainingCharts(runs: readonly TrainingRun[]): TrainingChart[] {
  const noSteps = "no print step yet";
  const noTests = "no test evaluation (train on a processed dataset with --test-freq N)";
  return [
    {
      id: "loss",
      heading: "Training loss",
      spec: chart(runs, "Training loss (mean since the previous print step)", "loss", noSteps, (r) =>
        points(r.steps, (s) => s.loss),
      ),
    },
    {
      id: "accuracy",
      heading: "Training accuracy",
      spec: chart(runs, "Training accuracy (since the previous print step)", "accuracy %", noSteps, (r) =>
        points(r.steps, (s) => 100 * s.accuracy),
      ),
    },
    {
      id: "test-auc",
      heading: "Test AUC",
      spec: chart(runs, "Test AUC", "AUC", noTests, (r) => points(r.tests, (t) => t.test.auc)),
    },
    {
      id: "test-log-loss",
      heading: "Test log loss",
      spec: chart(runs, "Test log loss", "log loss", noTests, (r) => points(r.tests, (t) => t.test.logLoss)),
    },
    {
      id: "learning-rate",
      heading: "Learning rate",
      spec: chart(runs, "Learning rate at the print step", "learning rate", noSteps, (r) =>
        points(r.steps, (s) => s.learningRate),
      ),
    },
    {
      id: "ms-per-step",
      heading: "ms/step",
      spec: chart(
        runs,
        "Milliseconds per training step (mean since the previous print step)",
        "ms/step",
        noSteps,
        (r) => points(r.steps, (s) => s.msPerIteration),
      ),
    },
  ];
}
