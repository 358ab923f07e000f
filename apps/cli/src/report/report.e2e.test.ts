/**
 * `dlrm report` and `dlrm train --html` end to end on the built command: two short real
 * trainings on the Criteo fixture (a processed directory, --test-freq) logged with
 * --log-jsonl, drawn together by `dlrm report`; `train --html` rewriting its page while it
 * trains (every read of it a whole page) and writing the final one; and bad input, one line
 * naming the file and line.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CRITEO, MAIN, dlrm } from "../distributed/e2e-util.js";

const dir = mkdtempSync(join(tmpdir(), "dlrm-report-e2e-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const at = (f: string): string => join(dir, f);

/** A small model on the fixture's processed rows: 12 steps, a print every 3, a test every 6. */
const TRAIN = [
  "train",
  "--backend",
  "reference",
  "--data-generation",
  "dataset",
  "--raw-data-file",
  CRITEO,
  "--processed-data-file",
  at("proc"),
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
  "--test-mini-batch-size",
  "256",
  "--num-batches",
  "12",
  "--print-freq",
  "3",
  "--test-freq",
  "6",
];

/** The markup of chart `id` of a page. */
const chart = (html: string, id: string): string =>
  new RegExp(`<svg data-chart="${id}"[^]*?</svg>`).exec(html)?.[0] ?? "";
const count = (s: string, re: RegExp): number => s.match(re)?.length ?? 0;
const CHARTS = ["loss", "accuracy", "test-auc", "test-log-loss", "learning-rate", "ms-per-step"];

describe("dlrm report of two dlrm train --log-jsonl runs", () => {
  beforeAll(() => {
    for (const [tag, lr] of [
      ["a", "0.01"],
      ["b", "0.1"],
    ] as const) {
      const r = dlrm(dir, [...TRAIN, "--learning-rate", lr, "--log-jsonl", at(`${tag}.jsonl`)]);
      expect(r.status, r.stderr).toBe(0);
    }
  }, 180_000);

  it("logs a {step, test} line per test evaluation beside the print steps", () => {
    const lines = readFileSync(at("a.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => [l.step, "test" in l])).toEqual([
      [3, false],
      [6, false],
      [6, true],
      [9, false],
      [12, false],
      [12, true],
    ]);
    const test = lines[2]!.test as Record<string, number>;
    expect(Object.keys(test).sort()).toEqual(["accuracy", "auc", "logLoss", "loss", "samples"]);
    expect(test.auc).toBeGreaterThan(0.4);
    expect(test.auc).toBeLessThan(1);
  });

  it("draws both runs in every chart, named by --label", () => {
    const r = dlrm(dir, [
      "report",
      "a.jsonl",
      "b.jsonl",
      "--label",
      "lr 0.01",
      "--label",
      "lr 0.1",
      "--html",
      "ab.html",
    ]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toBe("report: wrote ab.html\n");
    const html = readFileSync(at("ab.html"), "utf8");
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toMatch(/<script|https?:\/\//);
    for (const id of CHARTS) {
      const svg = chart(html, id);
      expect(count(svg, /aria-roledescription="line mark"/g), id).toBe(2);
      expect(
        count(svg, /aria-label="lr 0\.01 step \d+: [^"]+" role="graphics-symbol" aria-roledescription="point"/g),
        id,
      ).toBe(id.startsWith("test-") ? 2 : 4);
      expect(svg, id).toMatch(/<text[^>]*>lr 0\.1<\/text>/);
    }
    expect(html).toContain("<td>lr 0.01</td><td>a.jsonl</td>");
  });

  it("names the runs by their files without --label", () => {
    const r = dlrm(dir, ["report", "a.jsonl", "b.jsonl", "--html", "files.html"]);
    expect(r.status, r.stderr).toBe(0);
    const loss = chart(readFileSync(at("files.html"), "utf8"), "loss");
    expect(loss).toMatch(/<text[^>]*>a\.jsonl<\/text>/);
    expect(loss).toMatch(/<text[^>]*>b\.jsonl<\/text>/);
  });

  it.each([
    [["missing.jsonl"], /^dlrm: error: missing\.jsonl: does not exist; check the path/],
    [["a.jsonl", "bad.jsonl"], /^dlrm: error: bad\.jsonl:2: not JSON \(/],
    [["empty.jsonl"], /^dlrm: error: empty\.jsonl: no training steps \(the file is empty\)/],
  ])("refuses %j with one line naming the file and line", (runs, message) => {
    writeFileSync(at("bad.jsonl"), `${readFileSync(at("a.jsonl"), "utf8").split("\n")[0]}\n{"step": 6,\n`);
    writeFileSync(at("empty.jsonl"), "");
    const r = dlrm(dir, ["report", ...runs, "--html", "bad.html"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(existsSync(at("bad.html"))).toBe(false);
  });

  it("refuses an --html path in a missing directory and a label count that does not match", () => {
    const r = dlrm(dir, ["report", "a.jsonl", "--html", "nodir/r.html"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe("dlrm: error: --html: nodir/r.html: directory nodir does not exist; create it first\n");
    const l = dlrm(dir, ["report", "a.jsonl", "b.jsonl", "--label", "one", "--html", "r.html"]);
    expect(l.status).toBe(2);
    expect(l.stderr).toMatch(/^dlrm: error: --label: 1 label\(s\) for 2 run\(s\)/);
  });
});

describe("dlrm train --html", () => {
  it("rewrites the page at print steps while training, always whole, and writes the final one", async () => {
    const page = at("live.html");
    const seen: string[] = [];
    const args = [MAIN, ...TRAIN, "--num-batches", "120", "--print-freq", "10", "--test-freq", "60"];
    const code = await new Promise<number | null>((resolve) => {
      const child = spawn(process.execPath, [...args, "--log-jsonl", "live.jsonl", "--html", page], { cwd: dir });
      const poll = setInterval(() => {
        if (existsSync(page)) seen.push(readFileSync(page, "utf8"));
      }, 25);
      const timer = setTimeout(() => child.kill("SIGKILL"), 150_000);
      child.stdout.resume();
      child.stderr.resume();
      child.on("exit", (c) => {
        clearInterval(poll);
        clearTimeout(timer);
        resolve(c);
      });
    });
    expect(code).toBe(0);
    for (const html of seen) expect(html.endsWith("</body></html>\n")).toBe(true);
    const running = seen.map((h) => /running: step (\d+) of 120/.exec(h)?.[1]).filter((s) => s !== undefined);
    expect(running.length).toBeGreaterThan(0);
    const final = readFileSync(page, "utf8");
    expect(final).toMatch(/finished after step 120; Done: 120 steps/);
    for (const id of CHARTS) expect(count(chart(final, id), /aria-roledescription="line mark"/g), id).toBe(1);
    expect(count(chart(final, "loss"), /aria-roledescription="point"/g)).toBe(12);
    expect(count(chart(final, "test-auc"), /aria-roledescription="point"/g)).toBe(2);
    expect(final).toContain("<td>live</td><td>live.jsonl</td>");
    expect(readdirSync(dir).filter((f) => f.includes(".tmp"))).toEqual([]);
  }, 180_000);

  it("refuses an --html path in a missing directory before training", () => {
    const r = dlrm(dir, ["train", "--num-batches", "2", "--html", "nodir/t.html"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe("dlrm: error: --html: nodir/t.html: directory nodir does not exist; create it first\n");
  });
});
