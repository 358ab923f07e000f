/**
 * scripts/readme-figures.mjs on docs/*.md: docs/SCALING.md's blocks are filled from the
 * committed scaling projection, `--check` then passes, and it fails on a figure written
 * outside a block or a generated figure edited by hand, naming the docs file.
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

const dir = mkdtempSync(join(tmpdir(), "readme-figures-docs-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const BLOCKS = ["scaling-measured", "scaling-plan", "scaling-step"]
  .map((id) => `<!-- figures:begin ${id} -->\n<!-- figures:end ${id} -->\n`)
  .join("\n");

describe("readme-figures on docs/*.md", () => {
  it("fills docs/SCALING.md from scaling-projection.json and checks it like a README", () => {
    const root = join(dir, "docs");
    mkdirSync(join(root, "bench-results"), { recursive: true });
    mkdirSync(join(root, "docs"), { recursive: true });
    cpSync(join(ROOT, "bench-results/scaling-projection.json"), join(root, "bench-results/scaling-projection.json"));
    const doc = join(root, "docs/SCALING.md");
    writeFileSync(doc, `# Scaling\n\n${BLOCKS}`);
    expect(run("--check", "--root", root).stderr).toMatch(/docs\/SCALING\.md: block "scaling-step" differs/);
    expect(run("--root", root).status).toBe(0);
    const filled = readFileSync(doc, "utf8");
    expect(filled).toMatch(/^\| 512 \| 128 \| row x \d+ \|/m);
    expect(run("--check", "--root", root).status).toBe(0);

    writeFileSync(doc, `${filled}\nA step takes 3.5 ms at 512 ranks.\n`);
    const outside = run("--check", "--root", root);
    expect(outside.status).toBe(1);
    expect(outside.stderr).toMatch(/docs\/SCALING\.md:\d+: a figure outside a figures block/);

    writeFileSync(doc, filled.replace(/^(\| 8 \| )[\d.]+/m, "$1" + "0.01"));
    const edited = run("--check", "--root", root);
    expect(edited.status).toBe(1);
    expect(edited.stderr).toMatch(/block "scaling-\w+" differs/);
  });
});
