/**
 * End-to-end `dlrm predict` and `dlrm train --inference-only` on real Criteo rows: a small
 * model is trained and saved; predict's scores on 1,000 rows give the trainer's test
 * metrics line exactly, agree across backends, need no arch flags (the checkpoint's shapes),
 * bad inputs fail with one line and exit 1,
 * and --inference-only leaves the saved weights byte-identical.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BinaryMetrics } from "@dlrm/core";
import { CRITEO, dlrm } from "../distributed/e2e-util.js";

const ARCH = [
  "--data-generation",
  "dataset",
  "--max-ind-range",
  "1000",
  "--arch-sparse-feature-size",
  "8",
  "--arch-mlp-bot",
  "13-16-8",
  "--arch-mlp-top",
  "16-1",
  "--mini-batch-size",
  "64",
];
let dir = "";

/** Parses predict's TSV into labels and scores. */
function readTsv(path: string): { labels: number[]; scores: number[] } {
  const labels: number[] = [];
  const scores: number[] = [];
  for (const line of readFileSync(path, "utf8").trimEnd().split("\n")) {
    const [y, p] = line.split("\t");
    labels.push(Number(y));
    scores.push(Number(p));
  }
  return { labels, scores };
}

/** The numbers of a "Testing on test (...): loss L, accuracy A %, auc U, log loss G" line. */
function testLine(stdout: string): { samples: number; loss: number; auc: number; logLoss: number } {
  const m = /Testing on test \((\d+) samples.*loss ([\d.]+), accuracy [\d.]+ %, auc ([\d.]+), log loss ([\d.]+)/.exec(
    stdout,
  );
  if (m === null) throw new Error(`no test metrics line in: ${stdout}`);
  return { samples: Number(m[1]), loss: Number(m[2]), auc: Number(m[3]), logLoss: Number(m[4]) };
}

function predict(backend: string, out: string, extra: string[] = []): ReturnType<typeof dlrm> {
  return dlrm(dir, [
    "predict",
    ...ARCH,
    "--backend",
    backend,
    "--raw-data-file",
    "rows.tsv",
    "--load-model",
    "m.safetensors",
    "--out",
    out,
    ...extra,
  ]);
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "dlrm-predict-"));
  const lines = readFileSync(CRITEO, "utf8").split("\n");
  writeFileSync(join(dir, "rows.tsv"), `${lines.slice(2000, 3000).join("\n")}\n`);
  const bad = lines.slice(0, 10);
  bad[4] = bad[4]!
    .split("\t")
    .map((f, i) => (i === 2 ? "12x" : f))
    .join("\t");
  writeFileSync(join(dir, "bad.tsv"), `${bad.join("\n")}\n`);
  const r = dlrm(dir, [
    "train",
    ...ARCH,
    "--backend",
    "gaudi",
    "--raw-data-file",
    CRITEO,
    "--num-batches",
    "12",
    "--save-model",
    "m.safetensors",
  ]);
  expect(r.status, r.stderr).toBe(0);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("dlrm predict", () => {
  it("scores 1,000 rows whose metrics are dlrm train --inference-only's test line", () => {
    const p = predict("gaudi", "p.tsv", ["--out-format", "tsv"]);
    expect(p.status, p.stderr).toBe(0);
    expect(p.stderr).toMatch(/predict: 16\/16 batches/);
    const { labels, scores } = readTsv(join(dir, "p.tsv"));
    expect(scores).toHaveLength(1000);
    const t = dlrm(dir, [
      "train",
      ...ARCH,
      "--backend",
      "gaudi",
      "--raw-data-file",
      "rows.tsv",
      "--inference-only",
      "--load-model",
      "m.safetensors",
    ]);
    expect(t.status, t.stderr).toBe(0);
    const line = testLine(t.stdout);
    // dlrm's default --loss-function is mse, so the line's loss is the mean squared error.
    const metrics = new BinaryMetrics("mse");
    metrics.add(Float32Array.from(scores), labels);
    const r = metrics.result();
    metrics.dispose();
    expect(line.samples).toBe(1000);
    expect(r.auc.toFixed(6)).toBe(line.auc.toFixed(6));
    expect(r.logLoss.toFixed(6)).toBe(line.logLoss.toFixed(6));
    expect(r.loss.toFixed(6)).toBe(line.loss.toFixed(6));
  });

  it("on a processed directory's test split, predict's TSV and dlrm train --inference-only give dlrm eval's metrics", () => {
    const pre = dlrm(dir, [
      "preprocess",
      "--raw-data-file",
      "rows.tsv",
      "--processed-data-file",
      "p",
      "--max-ind-range",
      "1000",
    ]);
    expect(pre.status, pre.stderr).toBe(0);
    const model = [
      ...ARCH.slice(2),
      "--backend",
      "wasm",
      "--load-model",
      "m.safetensors",
      "--processed-data-file",
      "p",
    ];
    const ev = dlrm(dir, ["eval", ...model]);
    expect(ev.status, ev.stderr).toBe(0);
    const p = dlrm(dir, ["predict", ...model, "--out", "split.tsv", "--out-format", "tsv"]);
    expect(p.status, p.stderr).toBe(0);
    const { labels, scores } = readTsv(join(dir, "split.tsv"));
    const line = testLine(ev.stdout);
    expect(scores).toHaveLength(line.samples);
    const metrics = new BinaryMetrics("mse");
    metrics.add(Float32Array.from(scores), labels);
    const r = metrics.result();
    metrics.dispose();
    expect(r.auc.toFixed(6)).toBe(line.auc.toFixed(6));
    expect(r.logLoss.toFixed(6)).toBe(line.logLoss.toFixed(6));
    const t = dlrm(dir, ["train", ...ARCH, "--raw-data-file", "rows.tsv", ...model, "--inference-only"]);
    expect(t.status, t.stderr).toBe(0);
    expect(testLine(t.stdout)).toEqual(line);
  });

  it("gives the same scores on the gaudi, wasm and reference backends (within 1e-6)", () => {
    const files = ["gaudi", "wasm", "reference"].map((b) => {
      const r = predict(b, `s-${b}.txt`);
      expect(r.status, r.stderr).toBe(0);
      return readFileSync(join(dir, `s-${b}.txt`), "utf8")
        .trimEnd()
        .split("\n")
        .map(Number);
    });
    for (const other of files.slice(1)) {
      expect(other).toHaveLength(1000);
      const worst = Math.max(...other.map((s, i) => Math.abs(s - files[0]![i]!) / Math.max(files[0]![i]!, 1e-30)));
      expect(worst).toBeLessThan(1e-6);
    }
  });

  it("without arch flags takes the model shape from the checkpoint: the same scores, byte for byte", () => {
    const withFlags = predict("gaudi", "flags.txt");
    expect(withFlags.status, withFlags.stderr).toBe(0);
    const bare = dlrm(dir, [
      "predict",
      "--backend",
      "gaudi",
      "--mini-batch-size",
      "64",
      "--raw-data-file",
      "rows.tsv",
      "--load-model",
      "m.safetensors",
      "--out",
      "bare.txt",
    ]);
    expect(bare.status, bare.stderr).toBe(0);
    expect(bare.stderr).toMatch(/1000 rows, 16 batches of 64, hash % 1000/);
    expect(readFileSync(join(dir, "bare.txt"), "utf8")).toBe(readFileSync(join(dir, "flags.txt"), "utf8"));
  });

  it("a missing checkpoint, a non-numeric dense value and --out in a missing directory are one line and exit 1", () => {
    const cases: [string[], RegExp][] = [
      [["--load-model", "absent.safetensors"], /absent\.safetensors/],
      [["--raw-data-file", "bad.tsv"], /bad\.tsv:5: I2: not an integer: "12x"/],
    ];
    for (const [extra, message] of cases) {
      const r = predict("gaudi", "never.txt", extra);
      expect(r.status).toBe(1);
      expect(
        r.stderr
          .trimEnd()
          .split("\n")
          .filter((l) => l.startsWith("dlrm: error:")),
      ).toHaveLength(1);
      expect(r.stderr).toMatch(message);
    }
    const r = predict("gaudi", join("no-such-dir", "p.txt"));
    expect(r.status).toBe(1);
    expect(r.stderr.trimEnd()).toMatch(
      /^dlrm: error: --out: no-such-dir\/p\.txt: directory no-such-dir does not exist; create it first$/,
    );
    // Weights that do not fit the arch flags fail after --out's temporary file is open: it is removed.
    const arch = predict("gaudi", "never.txt", ["--arch-mlp-top", "32-1"]);
    expect(arch.status).toBe(1);
    expect(arch.stderr).toMatch(
      /^dlrm: error: m\.safetensors does not match the model \(\d+ tensors?\):\n {2}tensor top_l\.0\.weight has shape \[16, 359\], the model needs \[32, 359\]$/m,
    );
    expect(existsSync(join(dir, "never.txt"))).toBe(false);
    expect(readdirSync(dir).filter((f) => f.includes(".partial-"))).toEqual([]);
  });

  it("dlrm train --inference-only leaves the weights byte-identical", () => {
    const r = dlrm(dir, [
      "train",
      ...ARCH,
      "--backend",
      "gaudi",
      "--raw-data-file",
      "rows.tsv",
      "--inference-only",
      "--load-model",
      "m.safetensors",
      "--save-model",
      "after.safetensors",
    ]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).not.toMatch(/Finished training/);
    expect(Buffer.compare(readFileSync(join(dir, "after.safetensors")), readFileSync(join(dir, "m.safetensors")))).toBe(
      0,
    );
  });
});
