/**
 * Renders the `--html` report in headless Chromium (Debian's chromium via playwright-core)
 * and checks what a reader would see: the four Vega-Lite charts exist as SVG with non-zero
 * bars (@dlrm/charts' `bars` layer), the peak line is drawn, the op split's legend stays
 * inside its chart, and the page loads nothing from the network. Skipped with the
 * reason when /usr/bin/chromium is missing, except under CI (scripts/install-chromium.sh).
 * A fresh user-data-dir per run (playwright passes it as launchPersistentContext's argument).
 * DLRM_HTML_SCREENSHOT=path.png also saves a screenshot of the page.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { renderHtml } from "./html-report.js";
import { sampleReport } from "./testing/sample-report.js";

const CHROMIUM = "/usr/bin/chromium";
const available = existsSync(CHROMIUM);
if (!available && process.env.CI === "true") throw new Error(`${CHROMIUM} is missing: run scripts/install-chromium.sh`);

/** The part of an element's box the checks use (the tsconfig has no DOM lib). */
type Boxed = { getBoundingClientRect(): { left: number; right: number; width: number } };

/** The flags the page is rendered with: headless, no sandbox (root in CI), nothing fetched in the background. */
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

describe.skipIf(!available)(
  `HTML report in headless Chromium (${available ? CHROMIUM : `skipped: ${CHROMIUM} not installed; run scripts/install-chromium.sh`})`,
  () => {
    let dir = "";
    let context: BrowserContext;
    let page: Page;
    const requested: string[] = [];

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), "dlrm-html-"));
      const file = join(dir, "report.html");
      writeFileSync(file, await renderHtml(sampleReport()));
      context = await chromium.launchPersistentContext(join(dir, "profile"), {
        executablePath: CHROMIUM,
        args: ARGS,
        viewport: { width: 1000, height: 900 },
      });
      page = await context.newPage();
      page.on("request", (r) => requested.push(r.url()));
      await page.goto(pathToFileURL(file).href);
      const shot = process.env.DLRM_HTML_SCREENSHOT;
      if (shot !== undefined && shot !== "") await page.screenshot({ path: shot, fullPage: true });
    });

    afterAll(async () => {
      await context?.close();
      if (dir !== "") rmSync(dir, { recursive: true, force: true });
    });

    it("has the four charts", async () => {
      const ids = await page.$$eval("svg[data-chart]", (els) => els.map((e) => e.getAttribute("data-chart")));
      expect(ids).toEqual(["ms-per-iteration", "time-split", "op-split", "gemm-gflops"]);
    });

    it("keeps the op split's six-entry legend inside the chart", async () => {
      const boxes = await page.$$eval('svg[data-chart="op-split"] .role-legend-label text', (els) =>
        els.map((e) => ({
          text: e.textContent,
          right: (e as unknown as Boxed).getBoundingClientRect().right,
          svgRight: (e.closest("svg") as unknown as Boxed).getBoundingClientRect().right,
        })),
      );
      expect(boxes.map((b) => b.text)).toEqual(["gemm", "embedding", "interaction", "optimizer", "data", "other"]);
      for (const b of boxes) expect(b.right).toBeLessThan(b.svgRight);
    });

    it("draws every bar with a non-zero rendered width, one per row", async () => {
      const bars = await page.$$eval("svg[data-chart] .bars_marks path", (els) =>
        els.map((e) => ({
          chart: e.closest("svg")!.getAttribute("data-chart"),
          width: (e as unknown as Boxed).getBoundingClientRect().width,
          value: Number(/: ([-\d.e+]+) /.exec(e.getAttribute("aria-label") ?? "")?.[1]),
        })),
      );
      const count = (id: string) => bars.filter((b) => b.chart === id).length;
      expect(count("ms-per-iteration")).toBe(1 + 4);
      expect(count("time-split")).toBe(2 * 3);
      expect(count("op-split")).toBe(2 * 6);
      expect(count("gemm-gflops")).toBe(3 + 4);
      for (const b of bars) {
        expect(b.value).toBeGreaterThan(0);
        expect(b.width).toBeGreaterThan(0);
      }
    });

    it("scales bars by value: the slower reference bar is wider (PyTorch's bar first)", async () => {
      const widths = await page.$$eval('svg[data-chart="ms-per-iteration"] .bars_marks path', (els) =>
        els.map((e) => (e as unknown as Boxed).getBoundingClientRect().width),
      );
      expect(widths[3]!).toBeGreaterThan(widths[1]! * 5);
      expect(widths[0]!).toBeGreaterThan(widths[1]!);
    });

    it("draws the GEMM peak as a reference line", async () => {
      expect(await page.locator('svg[data-chart="gemm-gflops"] .reference_marks line').count()).toBe(1);
      expect(await page.locator('svg[data-chart="gemm-gflops"] .reflabel_marks text').textContent()).toMatch(
        /peak \(wasm, 1024\^3\): 40\.00 GFLOP\/s/,
      );
    });

    it("loads nothing but the page itself", () => {
      expect(requested.filter((u) => !u.startsWith("file://"))).toEqual([]);
      expect(requested).toHaveLength(1);
    });
  },
);
