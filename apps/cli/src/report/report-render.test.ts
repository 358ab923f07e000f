/**
 * The training report in headless Chromium (Debian's chromium via playwright-core), two
 * runs overlaid: the six charts render as SVG, each has both runs as lines with their points
 * and legend entries (in different colours, inside the chart), and the page loads nothing but
 * itself. A screenshot of the page is written to DLRM_REPORT_SCREENSHOT (.ci/run points it
 * at ci-artifacts/), else to test-reports/training-report.png. Skipped with the reason when
 * /usr/bin/chromium is missing, except under CI (scripts/install-chromium.sh).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import type { JsonlRecord, JsonlTestRecord } from "../jsonl-log.js";
import type { TrainingRun } from "./read-run.js";
import { renderTrainingPage } from "./training-page.js";

const CHROMIUM = "/usr/bin/chromium";
const available = existsSync(CHROMIUM);
if (!available && process.env.CI === "true") throw new Error(`${CHROMIUM} is missing: run scripts/install-chromium.sh`);

const SCREENSHOT =
  process.env.DLRM_REPORT_SCREENSHOT ||
  fileURLToPath(new URL("../../../../test-reports/training-report.png", import.meta.url));

/** The part of an element's box the checks use (the tsconfig has no DOM lib). */
type Boxed = { getBoundingClientRect(): { left: number; right: number; top: number; bottom: number } };

const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

const LABELS = ["lr 0.01", "lr 0.1"];
const PRINTS = 8;

/** A run of PRINTS print steps (every 5 steps) and a test evaluation every 10, its loss falling at `rate`. */
function run(label: string, rate: number): TrainingRun {
  const steps: JsonlRecord[] = Array.from({ length: PRINTS }, (_, i) => ({
    step: 5 * (i + 1),
    epoch: 0,
    loss: 0.7 * Math.exp(-rate * i),
    accuracy: 0.5 + rate * i * 0.2,
    msPerIteration: 3 + 20 * rate + (i % 3) * 0.4,
    samplesPerSecond: 40000,
    learningRate: rate / (1 + i / 4),
  }));
  const tests: JsonlTestRecord[] = [10, 20, 30, 40].map((step, i) => ({
    step,
    test: { samples: 700, loss: 0.5, accuracy: 0.75, auc: 0.6 + rate * i, logLoss: 0.55 - rate * i * 0.1 },
  }));
  return { label, path: `${label}.jsonl`, steps, tests };
}

describe.skipIf(!available)(
  `training report in headless Chromium (${available ? CHROMIUM : `skipped: ${CHROMIUM} not installed; run scripts/install-chromium.sh`})`,
  () => {
    let dir = "";
    let context: BrowserContext;
    let page: Page;
    const requested: string[] = [];

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), "dlrm-report-html-"));
      const file = join(dir, "report.html");
      const html = await renderTrainingPage([run(LABELS[0]!, 0.05), run(LABELS[1]!, 0.12)], {
        title: "dlrm training report",
        status: "two runs",
      });
      writeFileSync(file, html);
      context = await chromium.launchPersistentContext(join(dir, "profile"), {
        executablePath: CHROMIUM,
        args: ARGS,
        viewport: { width: 1000, height: 900 },
      });
      page = await context.newPage();
      page.on("request", (r) => requested.push(r.url()));
      await page.goto(pathToFileURL(file).href);
      mkdirSync(dirname(SCREENSHOT), { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
    });

    afterAll(async () => {
      await context?.close();
      if (dir !== "") rmSync(dir, { recursive: true, force: true });
    });

    const CHARTS = ["loss", "accuracy", "test-auc", "test-log-loss", "learning-rate", "ms-per-step"];

    it("has the six charts, each drawn with a non-empty box", async () => {
      const charts = await page.$$eval("svg[data-chart]", (els) =>
        els.map((e) => {
          const b = (e as unknown as Boxed).getBoundingClientRect();
          return { id: e.getAttribute("data-chart"), w: b.right - b.left, h: b.bottom - b.top };
        }),
      );
      expect(charts.map((c) => c.id)).toEqual(CHARTS);
      for (const c of charts) {
        expect(c.w).toBeGreaterThan(300);
        expect(c.h).toBeGreaterThan(150);
      }
    });

    it.each(CHARTS)("chart %s has both runs: a line each, their points and legend entries", async (id) => {
      const chart = page.locator(`svg[data-chart="${id}"]`);
      const lines = await chart
        .locator('[aria-roledescription="line mark"]')
        .evaluateAll((els) =>
          els.map((e) => ({ label: e.getAttribute("aria-label") ?? "", stroke: e.getAttribute("stroke") })),
        );
      expect(lines).toHaveLength(2);
      expect(lines[0]!.label.startsWith(`${LABELS[0]} step `)).toBe(true);
      expect(lines[1]!.label.startsWith(`${LABELS[1]} step `)).toBe(true);
      expect(lines[0]!.stroke).not.toBe(lines[1]!.stroke);
      const points = await chart
        .locator('[aria-roledescription="point"]')
        .evaluateAll((els) => els.map((e) => (e.getAttribute("aria-label") ?? "").split(" step ")[0]));
      const per = id.startsWith("test-") ? 4 : PRINTS;
      expect(points.filter((p) => p === LABELS[0])).toHaveLength(per);
      expect(points.filter((p) => p === LABELS[1])).toHaveLength(per);
      expect(await chart.locator(".role-legend-label text").allTextContents()).toEqual(LABELS);
    });

    it("keeps every legend inside its chart", async () => {
      const boxes = await page.$$eval("svg[data-chart] .role-legend-label text", (els) =>
        els.map((e) => ({
          text: (e as unknown as Boxed).getBoundingClientRect(),
          svg: (e.closest("svg") as unknown as Boxed).getBoundingClientRect(),
        })),
      );
      expect(boxes).toHaveLength(2 * 6);
      for (const b of boxes) {
        expect(b.text.right).toBeLessThanOrEqual(b.svg.right);
        expect(b.text.bottom).toBeLessThanOrEqual(b.svg.bottom);
      }
    });

    it("loads nothing but the page itself", () => {
      expect(requested.filter((u) => !u.startsWith("file://"))).toEqual([]);
      expect(requested).toHaveLength(1);
    });

    it("wrote the screenshot as a PNG", () => {
      const png = readFileSync(SCREENSHOT);
      expect(png.subarray(1, 4).toString("latin1")).toBe("PNG");
      expect(png.length).toBeGreaterThan(20_000);
    });
  },
);
