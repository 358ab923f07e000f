/**
 * End-to-end `dlrm serve` on 127.0.0.1: a small model trained on real Criteo rows is served;
 * scores for 1,000 rows (TSV lines, and JSON rows in concurrent requests that the dynamic
 * batcher groups) equal `dlrm predict`'s; malformed JSON, a wrong field count, an oversized
 * body and a non-numeric dense value are each one clear 4xx while the server keeps serving;
 * SIGTERM with requests waiting in the batcher answers every one of them, then exits 0;
 * POST /reload and SIGHUP swap the weights under load without a failed request.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CRITEO, dlrm, MAIN } from "../distributed/e2e-util.js";

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
  "--backend",
  "reference",
];
let dir = "";
let lines: string[] = [];
let expected: number[] = [];
/** predict's scores with m2.safetensors (trained longer), for the reload test. */
let expected2: number[] = [];

interface Health {
  status: string;
  batches: number;
}

interface Server {
  child: ChildProcess;
  url: string;
  log: () => string;
  exited: Promise<number | null>;
}

/** Starts `dlrm serve` on a free port of 127.0.0.1 and waits for its "listening on" line. */
function serve(extra: string[] = []): Promise<Server> {
  const child = spawn(
    process.execPath,
    [MAIN, "serve", "--load-model", "m.safetensors", "--port", "0", "--backend", "reference", ...extra],
    { cwd: dir, env: { ...process.env, DLRM_DEBUG: "" } },
  );
  let log = "";
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`dlrm serve did not start: ${log}`)), 30_000);
    child.stderr!.on("data", (d: Buffer) => {
      log += d.toString();
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(log);
      if (m !== null) {
        clearTimeout(timer);
        resolve({ child, url: m[1]!, log: () => log, exited });
      }
    });
    void exited.then((code) => reject(new Error(`dlrm serve exited with ${code}: ${log}`)));
  });
}

/** POSTs `body` to /predict; returns the status and the parsed JSON answer. */
async function post(
  url: string,
  body: string,
  type: string,
): Promise<{ status: number; json: { scores?: number[]; error?: string } }> {
  const r = await fetch(`${url}/predict`, { method: "POST", body, headers: { "content-type": type } });
  return { status: r.status, json: (await r.json()) as { scores?: number[]; error?: string } };
}

/** Row `line` of a Criteo TSV as the JSON row format (cat as hex strings, missing = null). */
function jsonRow(line: string): { dense: (number | null)[]; cat: (string | null)[] } {
  const f = line.split("\t");
  return {
    dense: f.slice(1, 14).map((v) => (v === "" ? null : Number(v))),
    cat: f.slice(14).map((v) => (v === "" ? null : v)),
  };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "dlrm-serve-"));
  lines = readFileSync(CRITEO, "utf8").split("\n").slice(2000, 3000);
  writeFileSync(join(dir, "rows.tsv"), `${lines.join("\n")}\n`);
  const t = dlrm(dir, [
    "train",
    ...ARCH,
    "--raw-data-file",
    CRITEO,
    "--num-batches",
    "12",
    "--save-model",
    "m.safetensors",
  ]);
  expect(t.status, t.stderr).toBe(0);
  const p = dlrm(dir, [
    "predict",
    ...ARCH,
    "--raw-data-file",
    "rows.tsv",
    "--load-model",
    "m.safetensors",
    "--out",
    "p.txt",
  ]);
  expect(p.status, p.stderr).toBe(0);
  expected = readFileSync(join(dir, "p.txt"), "utf8").trimEnd().split("\n").map(Number);
  expect(expected).toHaveLength(1000);
  const t2 = dlrm(dir, [
    "train",
    ...ARCH,
    "--raw-data-file",
    CRITEO,
    "--num-batches",
    "40",
    "--save-model",
    "m2.safetensors",
  ]);
  expect(t2.status, t2.stderr).toBe(0);
  const p2 = dlrm(dir, [
    "predict",
    ...ARCH,
    "--raw-data-file",
    "rows.tsv",
    "--load-model",
    "m2.safetensors",
    "--out",
    "p2.txt",
  ]);
  expect(p2.status, p2.stderr).toBe(0);
  expected2 = readFileSync(join(dir, "p2.txt"), "utf8").trimEnd().split("\n").map(Number);
  expect(expected2.slice(0, 50)).not.toEqual(expected.slice(0, 50));
}, 180_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("dlrm serve", () => {
  it("scores 1,000 rows as dlrm predict does: TSV lines in one request, JSON rows in 10 concurrent ones", async () => {
    const s = await serve(["--max-batch", "64", "--max-latency-ms", "1000"]);
    try {
      const batches = async (): Promise<number> => ((await (await fetch(`${s.url}/health`)).json()) as Health).batches;
      const tsv = await post(s.url, `${lines.join("\n")}\n`, "text/plain");
      expect(tsv.status, JSON.stringify(tsv.json)).toBe(200);
      expect(tsv.json.scores).toEqual(expected);
      // 1,000 rows are 15 batches of 64 and one of 40.
      expect(await batches()).toBe(16);
      const parts = await Promise.all(
        Array.from({ length: 10 }, (_, k) =>
          post(s.url, JSON.stringify({ rows: lines.slice(100 * k, 100 * k + 100).map(jsonRow) }), "application/json"),
        ),
      );
      for (const p of parts) expect(p.status, JSON.stringify(p.json)).toBe(200);
      expect(parts.flatMap((p) => p.json.scores!)).toEqual(expected);
      // Requests of 100 rows share batches of 64: far fewer than two batches per request.
      expect((await batches()) - 16).toBeLessThanOrEqual(18);
      const health = (await (await fetch(`${s.url}/health`)).json()) as Health;
      expect(health).toMatchObject({ status: "ok", model: "m.safetensors", interaction: "dot", maxBatch: 64 });
    } finally {
      s.child.kill("SIGTERM");
      expect(await s.exited).toBe(0);
    }
  }, 60_000);

  it("answers malformed JSON, a wrong field count, an oversized body and a non-numeric dense value with one clear line each, and keeps serving", async () => {
    const s = await serve(["--body-limit", "4096"]);
    try {
      const bad = [
        { body: '{"rows": [', type: "application/json", status: 400, error: /^malformed request: .*not valid JSON/ },
        {
          body: `${lines[0]}\n0\t1\t2\n`,
          type: "text/plain",
          status: 400,
          error: /^row 2: fields: expected 40 fields, got 3$/,
        },
        {
          body: lines.slice(0, 40).join("\n"),
          type: "text/plain",
          status: 413,
          error: /larger than --body-limit 4096 bytes/,
        },
        {
          body: JSON.stringify({
            rows: [{ ...jsonRow(lines[0]!), dense: [1, 2, "x", 4, 5, 6, 7, 8, 9, 10, 11, 12, 13] }],
          }),
          type: "application/json",
          status: 400,
          error: /^row 1: dense\[2\] \(I3\): expected an integer, got "x"$/,
        },
        {
          body: lines[0]!.replace(/^(\d\t[^\t]*\t[^\t]*\t)[^\t]*/, "$112x"),
          type: "text/plain",
          status: 400,
          error: /^row 1: I3: not an integer: "12x"$/,
        },
      ];
      for (const b of bad) {
        const r = await post(s.url, b.body, b.type);
        expect(r.status, b.body.slice(0, 40)).toBe(b.status);
        expect(r.json.error).toMatch(b.error);
        const ok = await post(s.url, lines[5]!, "text/plain");
        expect(ok.status).toBe(200);
        expect(ok.json.scores).toEqual([expected[5]]);
      }
      expect(s.child.exitCode).toBe(null);
    } finally {
      s.child.kill("SIGTERM");
      expect(await s.exited).toBe(0);
    }
  }, 60_000);

  it("on SIGTERM answers every request waiting in the batcher, exits 0 and stops listening", async () => {
    const s = await serve(["--max-batch", "4096", "--max-latency-ms", "60000"]);
    const pending = Array.from({ length: 20 }, (_, k) =>
      post(s.url, lines.slice(50 * k, 50 * k + 50).join("\n"), "text/plain"),
    );
    // Wait until all 1,000 rows wait in the batcher (a batch would wait a minute), then stop.
    const t0 = Date.now();
    let waiting = 0;
    while (waiting < 1000 && Date.now() - t0 < 20_000) {
      await new Promise((r) => setTimeout(r, 20));
      waiting = ((await (await fetch(`${s.url}/health`)).json()) as { waitingRows: number }).waitingRows;
    }
    expect(waiting).toBe(1000);
    s.child.kill("SIGTERM");
    const answers = await Promise.all(pending);
    for (const a of answers) expect(a.status, JSON.stringify(a.json)).toBe(200);
    expect(answers.flatMap((a) => a.json.scores!)).toEqual(expected);
    expect(await s.exited).toBe(0);
    expect(s.log()).toMatch(/SIGTERM: answering accepted requests, then stopping\ndlrm serve: stopped\n$/);
    await expect(fetch(`${s.url}/health`)).rejects.toThrow();
  }, 60_000);

  it("POST /reload and SIGHUP swap the weights between batches under load: no request fails, each score is the old or the new model's", async () => {
    const s = await serve(["--max-batch", "64", "--max-latency-ms", "5"]);
    try {
      const body = lines.slice(0, 50).join("\n");
      let stop = false;
      const seen: number[][] = [];
      const load = (async () => {
        while (!stop) {
          const r = await post(s.url, body, "text/plain");
          expect(r.status, JSON.stringify(r.json)).toBe(200);
          seen.push(r.json.scores!);
        }
      })();
      await new Promise((r) => setTimeout(r, 200));
      const bad = await fetch(`${s.url}/reload`, {
        method: "POST",
        body: JSON.stringify({ model: "nope.safetensors" }),
        headers: { "content-type": "application/json" },
      });
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { error: string }).error).toBe("reload: nope.safetensors: no such file");
      const ok = await fetch(`${s.url}/reload`, {
        method: "POST",
        body: JSON.stringify({ model: "m2.safetensors" }),
        headers: { "content-type": "application/json" },
      });
      expect(ok.status).toBe(200);
      expect(await ok.json()).toEqual({ status: "reloaded", model: "m2.safetensors" });
      await new Promise((r) => setTimeout(r, 200));
      stop = true;
      await load;
      expect(seen.length).toBeGreaterThan(2);
      for (const scores of seen) scores.forEach((v, i) => expect([expected[i], expected2[i]], `row ${i}`).toContain(v));
      expect(seen[0]).toEqual(expected.slice(0, 50));
      expect(seen[seen.length - 1]).toEqual(expected2.slice(0, 50));
      expect(((await (await fetch(`${s.url}/health`)).json()) as { model: string }).model).toBe("m2.safetensors");
      s.child.kill("SIGHUP");
      const t0 = Date.now();
      while (!s.log().includes("now serving m.safetensors") && Date.now() - t0 < 20_000)
        await new Promise((r) => setTimeout(r, 50));
      expect((await post(s.url, body, "text/plain")).json.scores).toEqual(expected.slice(0, 50));
    } finally {
      s.child.kill("SIGTERM");
      expect(await s.exited).toBe(0);
    }
  }, 60_000);
});
