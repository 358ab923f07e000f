/**
 * End-to-end ONNX export checked by onnxruntime-node on 1,000 real Criteo rows: for the dot,
 * cat and dcn interactions a small model is trained and saved, exported by `dlrm export`
 * (arch from the checkpoint), by `dlrm train --save-onnx` and with --inference-only, and
 * onnxruntime's probabilities equal `dlrm predict`'s within 1e-5. Variants ONNX cannot
 * express are refused.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as ort from "onnxruntime-node";
import { criteoBatch, parseCriteoLine, CRITEO_DENSE, CRITEO_SPARSE } from "@dlrm/core";
import { CRITEO, dlrm } from "../distributed/e2e-util.js";

const RANGE = 1000;
const ARCH = [
  "--data-generation",
  "dataset",
  "--max-ind-range",
  String(RANGE),
  "--arch-sparse-feature-size",
  "8",
  "--arch-mlp-bot",
  "13-16-8",
  "--arch-mlp-top",
  "16-1",
  "--mini-batch-size",
  "64",
  "--backend",
  "reference",
];
const INTERACTION: Record<string, string[]> = {
  dot: ["--arch-interaction-op", "dot"],
  cat: ["--arch-interaction-op", "cat"],
  dcn: ["--arch-interaction-op", "dcn", "--dcn-num-layers", "2", "--dcn-low-rank-dim", "4"],
};
let dir = "";

/** The ONNX feeds of the rows of `tsv`: dense [B, 13], one index per bag. */
function feedsOf(tsv: string): { feeds: Record<string, ort.Tensor>; rows: number } {
  const lines = readFileSync(tsv, "utf8").trimEnd().split("\n");
  const rows = lines.map((l, i) => parseCriteoLine(l, tsv, i + 1));
  const B = rows.length;
  const batch = criteoBatch(rows, 0, B, RANGE);
  const feeds: Record<string, ort.Tensor> = {
    dense: new ort.Tensor("float32", batch.dense, [B, CRITEO_DENSE]),
  };
  for (let t = 0; t < CRITEO_SPARSE; t++) {
    const idx = BigInt64Array.from(batch.sparse.indices.subarray(t * B, (t + 1) * B), (v) => BigInt(v));
    feeds[`indices_${t}`] = new ort.Tensor("int64", idx, [B]);
    feeds[`offsets_${t}`] = new ort.Tensor(
      "int64",
      BigInt64Array.from({ length: B }, (_, b) => BigInt(b)),
      [B],
    );
  }
  return { feeds, rows: B };
}

/** onnxruntime's probabilities for `model` over the rows of rows.tsv, NaN-poisoned first. */
async function onnxScores(model: string): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(join(dir, model));
  try {
    const { feeds, rows } = feedsOf(join(dir, "rows.tsv"));
    const out = new ort.Tensor("float32", new Float32Array(rows).fill(NaN), [rows]);
    const r = await session.run(feeds, { probabilities: out });
    return r.probabilities!.data as Float32Array;
  } finally {
    await session.release();
  }
}

/** `dlrm predict`'s scores for `weights`. */
function predictScores(op: string, weights: string): number[] {
  const out = `p-${op}.txt`;
  const p = dlrm(dir, [
    "predict",
    ...ARCH,
    ...INTERACTION[op]!,
    "--raw-data-file",
    "rows.tsv",
    "--load-model",
    weights,
    "--out",
    out,
  ]);
  expect(p.status, p.stderr).toBe(0);
  return readFileSync(join(dir, out), "utf8").trimEnd().split("\n").map(Number);
}

/** Largest |a - b| / max(|b|, 1e-3) over the two score lists (which must be as long). */
function maxRelError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const e = Math.abs(a[i]! - b[i]!) / Math.max(Math.abs(b[i]!), 1e-3);
    worst = Number.isNaN(e) ? Infinity : Math.max(worst, e);
  }
  return worst;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "dlrm-export-"));
  const lines = readFileSync(CRITEO, "utf8").split("\n");
  writeFileSync(join(dir, "rows.tsv"), `${lines.slice(2000, 3000).join("\n")}\n`);
  for (const op of Object.keys(INTERACTION)) {
    const r = dlrm(dir, [
      "train",
      ...ARCH,
      ...INTERACTION[op]!,
      "--raw-data-file",
      CRITEO,
      "--num-batches",
      "12",
      "--save-model",
      `m-${op}.safetensors`,
      "--save-onnx",
      `t-${op}.onnx`,
    ]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(`Saved the ONNX model to t-${op}.onnx`);
  }
}, 300_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("dlrm export --onnx, run by onnxruntime-node", () => {
  for (const op of Object.keys(INTERACTION)) {
    it(`${op}: onnxruntime's scores on 1,000 Criteo rows equal dlrm predict's within 1e-5 (export and --save-onnx)`, async () => {
      const e = dlrm(dir, ["export", "--load-model", `m-${op}.safetensors`, "--onnx", `e-${op}.onnx`]);
      expect(e.status, e.stderr).toBe(0);
      expect(e.stderr).toContain(`${op} interaction, 26 tables`);
      const expected = predictScores(op, `m-${op}.safetensors`);
      expect(expected).toHaveLength(1000);
      expect(maxRelError(await onnxScores(`e-${op}.onnx`), expected)).toBeLessThan(1e-5);
      expect(maxRelError(await onnxScores(`t-${op}.onnx`), expected)).toBeLessThan(1e-5);
    }, 120_000);
  }

  it("dlrm train --inference-only --save-onnx exports the loaded weights: scores equal dlrm predict's within 1e-5", async () => {
    const r = dlrm(dir, [
      "train",
      ...ARCH,
      ...INTERACTION.cat!,
      "--raw-data-file",
      "rows.tsv",
      "--inference-only",
      "--load-model",
      "m-cat.safetensors",
      "--save-onnx",
      "i-cat.onnx",
    ]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain("Saved the ONNX model to i-cat.onnx");
    expect(maxRelError(await onnxScores("i-cat.onnx"), predictScores("cat", "m-cat.safetensors"))).toBeLessThan(1e-5);
  });

  it("refuses QR and MD embeddings, multi-hot bags and bf16 by name, writing nothing", () => {
    const qr = dlrm(dir, [
      "train",
      ...ARCH,
      "--raw-data-file",
      CRITEO,
      "--num-batches",
      "1",
      "--qr-flag",
      "--save-onnx",
      "qr.onnx",
    ]);
    expect(qr.status).toBe(2);
    expect(qr.stderr.trim()).toMatch(
      /^dlrm: error: --save-onnx: ONNX export supports plain embedding tables only, not QR/,
    );
    expect(existsSync(join(dir, "qr.onnx"))).toBe(false);
    const mh = dlrm(dir, [
      "export",
      "--load-model",
      "m-dot.safetensors",
      "--onnx",
      "mh.onnx",
      "--multi-hot-sizes",
      "3",
    ]);
    expect(mh.status).toBe(2);
    expect(mh.stderr.trim()).toMatch(/^dlrm: error: --onnx: ONNX export .*multi-hot bags \(--multi-hot-sizes\)$/);
    expect(existsSync(join(dir, "mh.onnx"))).toBe(false);
    for (const [flags, why] of [
      [
        ["--md-flag", "--md-threshold", "500"],
        /^dlrm: error: --onnx: ONNX export supports plain embedding tables only, not MD/,
      ],
      [["--data_type", "bf16"], /^dlrm: error: --onnx: ONNX export is float32 only, not --data_type bf16$/],
    ] as const) {
      const r = dlrm(dir, ["export", "--load-model", "m-dot.safetensors", "--onnx", "x.onnx", ...flags]);
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr.trim()).toMatch(why);
      expect(existsSync(join(dir, "x.onnx"))).toBe(false);
    }
  });
});
