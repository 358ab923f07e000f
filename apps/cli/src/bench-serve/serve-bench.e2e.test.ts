/**
 * End-to-end `dlrm bench --serve` with small bounds: both servers answer every request at
 * each client count, latencies are ordered, onnxruntime-node's scores equal the float32
 * server's within 1e-5, every quantization setting's AUC is within 0.005 of float32's, and
 * the JSON names the command and the machine.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { dlrm } from "../distributed/e2e-util.js";
import type { ServeBenchResult } from "./serve-bench.js";

const dir = mkdtempSync(join(tmpdir(), "dlrm-bench-serve-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("dlrm bench --serve", () => {
  it("measures float32 and int8 servers at 1 and 4 clients beside onnxruntime-node, with AUCs", () => {
    const r = dlrm(
      dir,
      [
        "bench",
        "--serve",
        "--serve-clients",
        "1,4",
        "--serve-requests",
        "40",
        "--serve-seconds",
        "3",
        "--serve-json",
        "serve.json",
      ],
      {},
      170_000,
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^variant\s+clients\s+requests\/s/m);
    const j = JSON.parse(readFileSync(join(dir, "serve.json"), "utf8")) as ServeBenchResult;
    expect(j.command).toContain("bench --serve");
    expect(j.machine.cores).toBeGreaterThan(0);
    expect(j.variants.map((v) => v.name)).toEqual(["float32", "int8"]);
    expect(j.variants[1]!.where).toBe("quantized on the host");
    expect(j.variants[0]!.where).toMatch(/^backend /);
    for (const v of j.variants) {
      expect(v.loads.map((l) => l.connections)).toEqual([1, 4]);
      for (const l of v.loads) {
        expect(l.failed).toBe(0);
        expect(l.requests).toBeGreaterThan(0);
        expect(l.requests).toBeLessThanOrEqual(40);
        expect(l.p50Ms).toBeLessThanOrEqual(l.p99Ms);
        expect(l.rowsPerSecond).toBeCloseTo(l.requestsPerSecond * j.rowsPerRequest, 6);
      }
      expect(v.auc).toBeGreaterThan(0.6);
    }
    expect(j.variants[1]!.tableBytes).toBe(26 * 10000 * (16 + 8));
    expect(Math.abs(j.variants[1]!.auc - j.float32.auc)).toBeLessThanOrEqual(0.005);
    expect(j.variants[1]!.maxScoreDiff).toBeGreaterThan(0);
    expect(j.onnxruntime.maxScoreDiff).toBeLessThanOrEqual(1e-5);
    expect(j.onnxruntime.batches).toBeGreaterThan(0);
    expect(j.quantized).toHaveLength(5);
    for (const q of j.quantized) expect(Math.abs(q.auc - j.float32.auc)).toBeLessThanOrEqual(0.005);
  }, 180_000);
});
