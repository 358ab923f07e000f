/**
 * dlrm_s_pytorch.py's flags through `dlrm train`: each one the table marks refused is one
 * error line naming it (exit 2), never accepted; each other one is a flag of the command;
 * and README.md's "Coming from dlrm_s_pytorch.py" table shows the same list.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Command } from "commander";
import { afterAll, describe, expect, it } from "vitest";
import { dlrm } from "./distributed/e2e-util.js";
import { DLRM_FLAGS } from "./shared/dlrm-flags.js";
import { addInferenceOnlyOptions } from "./shared/inference-flags.js";
import { defineTrainOptions } from "./shared/train-options.js";

const dir = mkdtempSync(join(tmpdir(), "dlrm-flags-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const README = fileURLToPath(new URL("../../../README.md", import.meta.url));

describe("dlrm_s_pytorch.py's flags", () => {
  it("every refused flag is refused by name in one line, exit 2", () => {
    const refused = DLRM_FLAGS.filter((f) => f.status === "refused");
    expect(refused.length).toBeGreaterThan(0);
    for (const f of refused) {
      const args = ["train", "--num-batches", "1", f.flag, ...(f.takes === "value" ? ["1"] : [])];
      const r = dlrm(dir, args);
      expect(r.status, `${f.flag}: ${r.stderr}`).toBe(2);
      expect(r.stdout, f.flag).not.toMatch(/Done:/);
      expect(r.stderr.trimEnd().split("\n"), f.flag).toEqual([
        `dlrm: error: ${f.flag}: is dlrm_s_pytorch.py's, not implemented here: ${f.note}`,
      ]);
    }
  });

  it("every other flag is a dlrm train flag", () => {
    const own = new Set(addInferenceOnlyOptions(defineTrainOptions(new Command("train"))).options.map((o) => o.long));
    const missing = DLRM_FLAGS.filter((f) => f.status !== "refused" && !own.has(f.flag)).map((f) => f.flag);
    expect(missing).toEqual([]);
  });

  it("README's table lists every flag with its status and note", () => {
    const readme = readFileSync(README, "utf8");
    const word = { supported: "supported", differs: "supported with a difference", refused: "refused" };
    for (const f of DLRM_FLAGS) expect(readme).toContain(`| \`${f.flag}\` | ${word[f.status]} | ${f.note} |`);
    expect(new Set(DLRM_FLAGS.map((f) => f.flag)).size).toBe(DLRM_FLAGS.length);
  });
});
