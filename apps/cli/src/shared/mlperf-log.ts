/**
 * MLPerf's mllog lines as dlrm's --mlperf-logging prints them through mlperf_logging.mllog:
 * `:::MLLOG {"namespace": "", "time_ms": T, "event_type": E, "key": K, "value": V,
 * "metadata": {"file": F, "lineno": N, ...}}`, encoded as Python's json.dumps does (", " and
 * ": " separators, numeric values as floats: 123 -> 123.0, 1e-05), file and line the caller's.
 */
import { relative } from "node:path";
import { fileURLToPath } from "node:url";

/** mllog's event types. */
export type MllogEventType = "INTERVAL_START" | "INTERVAL_END" | "POINT_IN_TIME";

/** A number written as a Python float (mllog converts every numeric `value` with float()). */
export class PyFloat {
  constructor(readonly value: number) {}
}

/** A JSON value as mllog writes it: plain numbers are Python ints, PyFloat ones floats. */
export type MllogValue = null | boolean | string | number | PyFloat | MllogValue[] | { [k: string]: MllogValue };

/** Python's repr of a float: shortest round-trip digits, scientific below 1e-4 and from 1e16. */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (!Number.isFinite(x)) return x > 0 ? "Infinity" : "-Infinity";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const [mant, exp] = x.toExponential().split("e") as [string, string];
  const e = Number(exp);
  if (e < -4 || e >= 16) return `${mant}e${e < 0 ? "-" : "+"}${String(Math.abs(e)).padStart(2, "0")}`;
  const s = String(x);
  return /[.e]/.test(s) ? s : `${s}.0`;
}

/** Python's json.dumps of `v` (default separators; ints as ints, PyFloats as floats). */
export function pyJson(v: MllogValue): string {
  if (v === null) return "null";
  if (v instanceof PyFloat) return pyFloatRepr(v.value);
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : pyFloatRepr(v);
  if (typeof v === "boolean") return v ? "true" : "false";
  if (typeof v === "string")
    return JSON.stringify(v).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  if (Array.isArray(v)) return `[${v.map(pyJson).join(", ")}]`;
  return `{${Object.entries(v)
    .map(([k, x]) => `${JSON.stringify(k)}: ${pyJson(x)}`)
    .join(", ")}}`;
}

/** mllog's float() of a value: numbers and booleans become floats, other values stay. */
function mllogValue(v: MllogValue): MllogValue {
  if (typeof v === "number") return new PyFloat(v);
  if (typeof v === "boolean") return new PyFloat(v ? 1 : 0);
  return v;
}

/** The CLI package root: callers' files are written relative to it (dist/run-train.js). */
const PACKAGE_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** The file and line of the function that called the logger's start, end or event. */
function callSite(): { file: string; lineno: number } {
  const frames = (new Error().stack ?? "").split("\n").slice(1);
  const frame = frames.find((f) => !/[\\/]mlperf-(run-)?log\.[jt]s:/.test(f));
  const m = frame === undefined ? null : /\(?(?:file:\/\/)?([^()\s]+):(\d+):\d+\)?$/.exec(frame.trim());
  if (m === null) return { file: "unknown", lineno: 0 };
  return { file: relative(PACKAGE_ROOT, m[1]!), lineno: Number(m[2]) };
}

/** Writes mllog lines, one per call, to `write` (stdout in `dlrm train`), timed by `now` (ms since the epoch). */
export class MlperfLogger {
  constructor(
    private readonly write: (line: string) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** An interval starts (mllog.start). */
  start(key: string, value: MllogValue = null, metadata: Record<string, MllogValue> = {}): void {
    this.log("INTERVAL_START", key, value, metadata);
  }

  /** An interval ends (mllog.end). */
  end(key: string, value: MllogValue = null, metadata: Record<string, MllogValue> = {}): void {
    this.log("INTERVAL_END", key, value, metadata);
  }

  /** A point in time (mllog.event). */
  event(key: string, value: MllogValue = null, metadata: Record<string, MllogValue> = {}): void {
    this.log("POINT_IN_TIME", key, value, metadata);
  }

  private log(type: MllogEventType, key: string, value: MllogValue, metadata: Record<string, MllogValue>): void {
    const line = {
      namespace: "",
      time_ms: Math.floor(this.now()),
      event_type: type,
      key,
      value: mllogValue(value),
      metadata: { ...callSite(), ...metadata },
    };
    this.write(`:::MLLOG ${pyJson(line)}`);
  }
}
