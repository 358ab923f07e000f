/**
 * scripts/readme-figures.mjs, the one script behind every README figure: `--check` passes on
 * this repository (each marked block matches its committed bench-results JSON) and fails,
 * naming the block or line, when a generated figure is edited by hand, a figure stands
 * outside a block, or a result file lacks the command that made it.
 */
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const SCRIPT = join(ROOT, "scripts/readme-figures.mjs");
const run = (...args: string[]) => spawnSync(process.execPath, [SCRIPT, ...args], { encoding: "utf8" });

const dir = mkdtempSync(join(tmpdir(), "readme-figures-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A repository root holding only the webgpu README with its two blocks and their result files. */
function miniRepo(name: string, readmeBody: string): string {
  const root = join(dir, name);
  mkdirSync(join(root, "bench-results"), { recursive: true });
  mkdirSync(join(root, "packages/backend-webgpu"), { recursive: true });
  for (const f of ["webgpu-step-lavapipe.json", "webgpu-gemm-lavapipe.json"])
    cpSync(join(ROOT, "bench-results", f), join(root, "bench-results", f));
  writeFileSync(join(root, "packages/backend-webgpu/README.md"), readmeBody);
  return root;
}
const MARKED =
  "# webgpu\n\nText.\n\n<!-- figures:begin webgpu-gemm-lavapipe -->\n<!-- figures:end webgpu-gemm-lavapipe -->\n\n<!-- figures:begin webgpu-step-lavapipe -->\n<!-- figures:end webgpu-step-lavapipe -->\n";

describe("readme-figures --check", () => {
  it("passes on this repository: every README figure matches its committed JSON", () => {
    const r = run("--check");
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
  });

  it("fills a block from its JSON, then fails --check once a figure in it is edited by hand", () => {
    const root = miniRepo("edited", MARKED);
    expect(run("--check", "--root", root).stderr).toMatch(
      /block "webgpu-step-lavapipe" differs from bench-results\/webgpu-step-lavapipe\.json/,
    );
    expect(run("--root", root).status).toBe(0);
    const readme = join(root, "packages/backend-webgpu/README.md");
    const filled = readFileSync(readme, "utf8");
    expect(filled).toMatch(/^\| eager \| \d+ \| [\d.]+ \|/m);
    expect(filled).toContain("`node packages/bench/dist/webgpu-step.js");
    expect(run("--check", "--root", root).status).toBe(0);
    writeFileSync(readme, filled.replace(/^(\| eager \| \d+ \| )[\d.]+/m, "$1" + "0.01"));
    const r = run("--check", "--root", root);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/block "webgpu-step-lavapipe" differs/);
  });

  it("fails on a figure outside a block, but not on one inside a code fence", () => {
    const root = miniRepo(
      "outside",
      `${MARKED}\nThe step takes 2.55 ms on a GPU.\n\n\`\`\`\nexample output: 3 ms\n\`\`\`\n`,
    );
    run("--root", root);
    const r = run("--check", "--root", root);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/README\.md:\d+: a figure outside a figures block .*2\.55 ms on a GPU/);
    expect(r.stderr).not.toMatch(/example output/);
  });

  it("fails on a result file without its command, and on an unknown block", () => {
    const root = miniRepo("nocommand", `${MARKED}\n<!-- figures:begin nosuch -->\n<!-- figures:end nosuch -->\n`);
    const json = join(root, "bench-results/webgpu-step-lavapipe.json");
    const { command: _c, ...rest } = JSON.parse(readFileSync(json, "utf8")) as Record<string, unknown>;
    writeFileSync(json, JSON.stringify(rest));
    const r = run("--check", "--root", root);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/webgpu-step-lavapipe\.json has no "command" field/);
    expect(r.stderr).toMatch(/unknown block "nosuch"/);
  });
});
