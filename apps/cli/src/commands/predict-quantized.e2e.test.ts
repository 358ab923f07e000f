/**
 * End-to-end quantized scoring on 1,000 real Criteo rows (model trained on the 9,000 before
 * them): `dlrm predict --quantize-emb-with-bit 8|4` / `--quantize-mlp-with-bit 8` scores within
 * the stated bounds of float32's, AUC within 0.005; --inference-only and dlrm eval report
 * predict's metrics; `dlrm serve` gives predict's quantized scores exactly (inputs quantized per
 * sample: batching does not matter); the flags refused by name where the path cannot run.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BinaryMetrics } from "@dlrm/core";
import { CRITEO, dlrm, MAIN } from "../distributed/e2e-util.js";

const ARCH = [
  "--data-generation",
  "dataset",
  "--max-ind-range",
  "5000",
  "--arch-sparse-feature-size",
  "16",
  "--arch-mlp-bot",
  "13-64-16",
  "--arch-mlp-top",
  "64-1",
  "--mini-batch-size",
  "128",
  "--loss-function",
  "bce",
  "--backend",
  "gaudi",
];
let dir = "";
let lines: string[] = [];
let labels: number[] = [];
let fp32: number[] = [];

function scoresOf(file: string): number[] {
  return readFileSync(join(dir, file), "utf8").trimEnd().split("\n").map(Number);
}

function predict(out: string, extra: string[]): ReturnType<typeof dlrm> {
  return dlrm(dir, [
    "predict",
    ...ARCH,
    "--raw-data-file",
    "rows.tsv",
    "--load-model",
    "m.safetensors",
    "--out",
    out,
    ...extra,
  ]);
}

function auc(scores: number[]): number {
  const m = new BinaryMetrics("bce");
  m.add(Float32Array.from(scores), labels);
  const r = m.result();
  m.dispose();
  return r.auc;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "dlrm-quantized-"));
  const all = readFileSync(CRITEO, "utf8").trimEnd().split("\n");
  writeFileSync(join(dir, "train.tsv"), `${all.slice(0, 9000).join("\n")}\n`);
  lines = all.slice(9000, 10000);
  labels = lines.map((l) => Number(l.split("\t")[0]));
  writeFileSync(join(dir, "rows.tsv"), `${lines.join("\n")}\n`);
  const t = dlrm(dir, [
    "train",
    ...ARCH,
    "--raw-data-file",
    "train.tsv",
    "--learning-rate",
    "0.02",
    "--save-model",
    "m.safetensors",
  ]);
  expect(t.status, t.stderr).toBe(0);
  const p = predict("fp32.txt", []);
  expect(p.status, p.stderr).toBe(0);
  fp32 = scoresOf("fp32.txt");
  expect(fp32).toHaveLength(1000);
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CASES: [string, number, string[], string][] = [
  ["8-bit tables", 2e-3, ["--quantize-emb-with-bit", "8"], "quantized tables: 2.98 MiB (float32: 7.93 MiB"],
  ["4-bit tables", 2e-2, ["--quantize-emb-with-bit", "4"], "quantized tables: 1.49 MiB (float32: 7.93 MiB"],
  ["int8 MLPs", 3e-2, ["--quantize-mlp-with-bit", "8"], "MLP weights 25.4 KiB (float32: 99.8 KiB)"],
  [
    "4-bit tables and int8 MLPs",
    5e-2,
    ["--quantize-emb-with-bit", "4", "--quantize-mlp-with-bit", "8"],
    "quantized tables: 1.49 MiB",
  ],
];

describe("dlrm predict with quantization on 1,000 real rows", () => {
  it.each(CASES)(
    "%s: every score within %s of float32's, AUC within 0.005, memory printed",
    (_n, bound, flags, mem) => {
      const p = predict("q.txt", flags);
      expect(p.status, p.stderr).toBe(0);
      expect(p.stderr).toContain(mem);
      const q = scoresOf("q.txt");
      expect(q).toHaveLength(1000);
      const worst = Math.max(...q.map((s, i) => Math.abs(s - fp32[i]!)));
      expect(worst).toBeLessThanOrEqual(bound);
      expect(worst).toBeGreaterThan(0);
      expect(Math.abs(auc(q) - auc(fp32))).toBeLessThanOrEqual(0.005);
    },
  );

  it("dlrm train --inference-only with the same flags reports the AUC of predict's scores", () => {
    const flags = ["--quantize-emb-with-bit", "4", "--quantize-mlp-with-bit", "8"];
    expect(predict("q48.txt", flags).status).toBe(0);
    const t = dlrm(dir, [
      "train",
      ...ARCH,
      "--raw-data-file",
      "rows.tsv",
      "--inference-only",
      "--load-model",
      "m.safetensors",
      ...flags,
    ]);
    expect(t.status, t.stderr).toBe(0);
    const m = /Testing on test \(1000 samples.*auc ([\d.]+)/.exec(t.stdout);
    expect(m, t.stdout).not.toBeNull();
    expect(Number(m![1])).toBeCloseTo(auc(scoresOf("q48.txt")), 6);
  });
});

describe("dlrm eval with quantization", () => {
  it("on a processed directory's test split reports the AUC of predict's quantized scores of that split", () => {
    const pre = dlrm(dir, [
      "preprocess",
      "--raw-data-file",
      "rows.tsv",
      "--processed-data-file",
      "p",
      "--max-ind-range",
      "5000",
    ]);
    expect(pre.status, pre.stderr).toBe(0);
    const model = [...ARCH.slice(2), "--load-model", "m.safetensors", "--processed-data-file", "p"];
    const flags = ["--quantize-emb-with-bit", "8", "--quantize-mlp-with-bit", "8"];
    const ev = dlrm(dir, ["eval", ...model, ...flags]);
    expect(ev.status, ev.stderr).toBe(0);
    expect(ev.stdout).toContain("quantized on the host");
    const m = /Testing on test \((\d+) samples.*auc ([\d.]+)/.exec(ev.stdout);
    expect(m, ev.stdout).not.toBeNull();
    const p = dlrm(dir, ["predict", ...model, ...flags, "--out", "split.tsv", "--out-format", "tsv"]);
    expect(p.status, p.stderr).toBe(0);
    const rows = readFileSync(join(dir, "split.tsv"), "utf8").trimEnd().split("\n");
    expect(rows).toHaveLength(Number(m![1]));
    const metrics = new BinaryMetrics("bce");
    metrics.add(
      Float32Array.from(rows, (l) => Number(l.split("\t")[1])),
      rows.map((l) => Number(l.split("\t")[0])),
    );
    expect(metrics.result().auc).toBeCloseTo(Number(m![2]), 6);
    metrics.dispose();
  });
});

describe("dlrm serve with quantization", () => {
  it("answers predict's quantized scores exactly, whatever the batching", async () => {
    const flags = ["--quantize-emb-with-bit", "8", "--quantize-mlp-with-bit", "8"];
    expect(predict("q88.txt", flags).status).toBe(0);
    const expected = scoresOf("q88.txt");
    const child = spawn(
      process.execPath,
      [MAIN, "serve", "--load-model", "m.safetensors", "--port", "0", "--max-batch", "48", ...flags],
      { cwd: dir, env: { ...process.env, DLRM_DEBUG: "" } },
    );
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    let log = "";
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`dlrm serve did not start: ${log}`)), 30_000);
      child.stderr.on("data", (d: Buffer) => {
        log += d.toString();
        const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(log);
        if (m !== null) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
    });
    try {
      expect(log).toContain("quantized tables: 2.98 MiB");
      const post = async (rows: string[]): Promise<number[]> => {
        const r = await fetch(`${url}/predict`, { method: "POST", body: `${rows.join("\n")}\n` });
        expect(r.status).toBe(200);
        return ((await r.json()) as { scores: number[] }).scores;
      };
      expect(await post(lines)).toEqual(expected);
      const parts = await Promise.all(Array.from({ length: 10 }, (_, k) => post(lines.slice(100 * k, 100 * k + 100))));
      expect(parts.flat()).toEqual(expected);
      const health = (await (await fetch(`${url}/health`)).json()) as { quantize?: string };
      expect(health.quantize).toMatch(/tables 8-bit row-wise .*MLPs int8/);
    } finally {
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
    }
  }, 60_000);
});

describe("quantization flags refused by name", () => {
  const cases: [string, string[], RegExp][] = [
    [
      "dlrm train without --inference-only",
      ["train", ...ARCH, "--raw-data-file", "rows.tsv", "--quantize-emb-with-bit", "8"],
      /--quantize-emb-with-bit: quantizes saved weights for scoring only: add --inference-only/,
    ],
    [
      "several processes",
      [
        "train",
        ...ARCH,
        "--raw-data-file",
        "rows.tsv",
        "--inference-only",
        "--load-model",
        "m.safetensors",
        "--world-size",
        "2",
        "--quantize-mlp-with-bit",
        "8",
      ],
      /--quantize-mlp-with-bit: scores in one process, not with --world-size 2/,
    ],
    [
      "QR tables",
      [
        "predict",
        ...ARCH,
        "--raw-data-file",
        "rows.tsv",
        "--load-model",
        "m.safetensors",
        "--out",
        "x.txt",
        "--qr-flag",
        "--quantize-emb-with-bit",
        "4",
      ],
      /--quantize-emb-with-bit: cannot be combined with --qr-flag/,
    ],
    [
      "learned pooling weights",
      [
        "predict",
        ...ARCH,
        "--raw-data-file",
        "rows.tsv",
        "--load-model",
        "m.safetensors",
        "--out",
        "x.txt",
        "--weighted-pooling",
        "learned",
        "--quantize-emb-with-bit",
        "8",
      ],
      /--quantize-emb-with-bit: cannot be combined with --weighted-pooling learned/,
    ],
    [
      "sigmoid hidden layers",
      [
        "predict",
        ...ARCH,
        "--raw-data-file",
        "rows.tsv",
        "--load-model",
        "m.safetensors",
        "--out",
        "x.txt",
        "--activation-function",
        "sigmoid",
        "--quantize-mlp-with-bit",
        "8",
      ],
      /--quantize-mlp-with-bit: cannot be combined with --activation-function sigmoid/,
    ],
    [
      "float16 MLPs (16)",
      [
        "predict",
        ...ARCH,
        "--raw-data-file",
        "rows.tsv",
        "--load-model",
        "m.safetensors",
        "--out",
        "x.txt",
        "--quantize-mlp-with-bit",
        "16",
      ],
      /--quantize-mlp-with-bit.*16 \(float16 weights\) is not implemented/,
    ],
    [
      "dlrm export",
      ["export", "--load-model", "m.safetensors", "--onnx", "x.onnx", "--quantize-emb-with-bit", "8"],
      /--quantize-emb-with-bit: is for scoring \(dlrm predict, serve\); dlrm export writes the float32 graph/,
    ],
    [
      "--save-model beside it",
      [
        "train",
        ...ARCH,
        "--raw-data-file",
        "rows.tsv",
        "--inference-only",
        "--load-model",
        "m.safetensors",
        "--save-model",
        "y.safetensors",
        "--quantize-emb-with-bit",
        "8",
      ],
      /--quantize-emb-with-bit: cannot be combined with --save-model/,
    ],
  ];
  it.each(cases)("%s", (_n, args, message) => {
    const r = dlrm(dir, args);
    expect(r.status).not.toBe(0);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(message);
  });
});
