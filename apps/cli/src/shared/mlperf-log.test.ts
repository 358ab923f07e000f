/**
 * Unit tests of the mllog encoder: Python's float repr and json.dumps (the expected strings
 * are what /usr/bin/python3's json.dumps writes for the same values), and one logger line's
 * field order, float values and caller metadata.
 */
import { describe, expect, it } from "vitest";
import { MlperfLogger, PyFloat, pyFloatRepr, pyJson } from "./mlperf-log.js";

describe("mllog encoding", () => {
  it("writes floats as Python's repr does", () => {
    const xs = [123, 0.01, 1e-5, 1e16, 1.5e16, 1.25e17, 0.0001, 0.00012, 2, 0.7654321, 1 / 3, -2.5e-7, 1e22, 5e-324];
    expect(xs.map(pyFloatRepr).join(", ")).toBe(
      "123.0, 0.01, 1e-05, 1e+16, 1.5e+16, 1.25e+17, 0.0001, 0.00012, 2.0, 0.7654321, 0.3333333333333333, -2.5e-07, 1e+22, 5e-324",
    );
  });

  it("writes JSON as Python's json.dumps does", () => {
    expect(pyJson({ a: "é\u007f\u2603", b: [1, 2.5, null, true], c: new PyFloat(3) })).toBe(
      '{"a": "\\u00e9\\u007f\\u2603", "b": [1, 2.5, null, true], "c": 3.0}',
    );
  });

  it("logs one line with mllog's fields in order, the value as a float and the caller's file and line", () => {
    const lines: string[] = [];
    const log = new MlperfLogger(
      (l) => lines.push(l),
      () => 1234.9,
    );
    const here = Number(/mlperf-log\.test\.ts:(\d+)/.exec(new Error().stack ?? "")?.[1]);
    log.event("seed", 123, { epoch_num: 2 });
    expect(lines).toHaveLength(1);
    const m = /^:::MLLOG (\{.*\})$/.exec(lines[0]!);
    expect(m).not.toBeNull();
    const rec = JSON.parse(m![1]!) as Record<string, unknown>;
    expect(Object.keys(rec)).toEqual(["namespace", "time_ms", "event_type", "key", "value", "metadata"]);
    expect(rec).toMatchObject({ namespace: "", time_ms: 1234, event_type: "POINT_IN_TIME", key: "seed", value: 123 });
    expect(lines[0]).toContain('"value": 123.0, ');
    expect(rec.metadata).toEqual({ file: "src/shared/mlperf-log.test.ts", lineno: here + 1, epoch_num: 2 });
  });
});
