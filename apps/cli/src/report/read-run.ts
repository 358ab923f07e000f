/**
 * Reads a `dlrm train --log-jsonl` run log back for `dlrm report`: its print-step records
 * and its test records (jsonl-log.ts), checked line by line. A missing or unreadable file, a
 * line that is not a JSON object or lacks a field, or a log without a single print step is
 * one error line naming the file (and the line).
 */
import { readFileSync, statSync } from "node:fs";
import type { JsonlRecord, JsonlTestRecord } from "../jsonl-log.js";

/** One run as the report draws it: its legend label, its file and its records in file order. */
export interface TrainingRun {
  label: string;
  path: string;
  steps: JsonlRecord[];
  tests: JsonlTestRecord[];
}

/** A run log that cannot be drawn; the message starts with the file (and line). */
export class RunLogError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RunLogError";
  }
}

const PRINT_FIELDS = ["epoch", "loss", "accuracy", "msPerIteration", "samplesPerSecond", "learningRate"] as const;
const TEST_FIELDS = ["samples", "loss", "accuracy", "auc", "logLoss"] as const;

/** A metric: a number, or null where the run logged a non-finite value (JSON has no NaN); null reads as NaN. */
function metric(o: Record<string, unknown>, key: string, where: string): number {
  const v = o[key];
  if (v === null) return Number.NaN;
  if (typeof v !== "number")
    throw new RunLogError(`${where}: field "${key}" is ${v === undefined ? "missing" : "not a number"}`);
  return v;
}

function parseLine(line: string, where: string): JsonlRecord | JsonlTestRecord {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    throw new RunLogError(`${where}: not JSON (${(err as Error).message}); a run log has one JSON object per line`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new RunLogError(`${where}: not a JSON object; a run log has one JSON object per line`);
  const o = value as Record<string, unknown>;
  const step = o.step;
  if (typeof step !== "number" || !Number.isInteger(step) || step < 0)
    throw new RunLogError(`${where}: field "step" is ${step === undefined ? "missing" : "not a whole number"}`);
  if ("test" in o) {
    const t = o.test;
    if (typeof t !== "object" || t === null) throw new RunLogError(`${where}: field "test" is not an object`);
    const test = Object.fromEntries(
      TEST_FIELDS.map((k) => [k, metric(t as Record<string, unknown>, k, `${where}: test`)]),
    );
    return { step, test: test as JsonlTestRecord["test"] };
  }
  const rec = Object.fromEntries(PRINT_FIELDS.map((k) => [k, metric(o, k, where)]));
  return { ...o, step, ...rec } as JsonlRecord;
}

/** Parses the text of run log `path`; `label` names the run in the legend. */
export function parseRunLog(text: string, path: string, label: string): TrainingRun {
  const run: TrainingRun = { label, path, steps: [], tests: [] };
  text.split("\n").forEach((line, i) => {
    if (line.trim() === "") return;
    const rec = parseLine(line, `${path}:${i + 1}`);
    if ("test" in rec) run.tests.push(rec);
    else run.steps.push(rec);
  });
  if (run.steps.length === 0)
    throw new RunLogError(
      `${path}: no training steps (${text.trim() === "" ? "the file is empty" : "no print-step line"}); write one with dlrm train --log-jsonl FILE`,
    );
  return run;
}

/** Reads and parses run log `path`. */
export function readRunLog(path: string, label: string): TrainingRun {
  let text: string;
  try {
    if (statSync(path).isDirectory()) throw new RunLogError(`${path}: is a directory; name a run log (.jsonl)`);
    text = readFileSync(path, "utf8");
  } catch (err) {
    if (err instanceof RunLogError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new RunLogError(
      code === "ENOENT"
        ? `${path}: does not exist; check the path (relative paths start at the current directory)`
        : `${path}: cannot be read (${code ?? String(err)}); check its permissions`,
    );
  }
  return parseRunLog(text, path, label);
}
