/**
 * `dlrm train --help` end to end: the topic headings appear in order, every option the
 * command defines is listed exactly once, and a few flags sit under the heading a dlrm user
 * would look in.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { afterAll, describe, expect, it } from "vitest";
import { dlrm } from "./distributed/e2e-util.js";
import { HELP_GROUPS } from "./shared/help-groups.js";
import { addInferenceOnlyOptions } from "./shared/inference-flags.js";
import { defineTrainOptions } from "./shared/train-options.js";

const dir = mkdtempSync(join(tmpdir(), "dlrm-help-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The heading each option line of `help` is under, keyed by its long flag. */
function sections(help: string): Map<string, string[]> {
  const where = new Map<string, string[]>();
  let heading = "";
  for (const line of help.split("\n")) {
    if (/^\S.*:$/.test(line)) heading = line;
    const m = /^ {2}(?:-\w, )?(--[\w-]+)/.exec(line);
    if (m !== null) where.set(m[1]!, [...(where.get(m[1]!) ?? []), heading]);
  }
  return where;
}

describe("dlrm train --help", () => {
  it("groups options by topic, each listed exactly once", () => {
    const r = dlrm(dir, ["train", "--help"]);
    expect(r.status, r.stderr).toBe(0);
    const headings = r.stdout.split("\n").filter((l) => /^\S.*:$/.test(l));
    expect(headings).toEqual([...HELP_GROUPS]);
    const where = sections(r.stdout);
    const defined = addInferenceOnlyOptions(defineTrainOptions(new Command("train")))
      .options.filter((o) => !o.hidden)
      .map((o) => o.long!);
    expect(defined.length).toBeGreaterThan(50);
    for (const flag of [...defined, "--help"]) expect(where.get(flag), flag).toHaveLength(1);
    expect([...where.keys()].sort()).toEqual([...defined, "--help"].sort());
    for (const [flag, heading] of [
      ["--arch-mlp-bot", "Model:"],
      ["--raw-data-file", "Data:"],
      ["--learning-rate", "Optimizer and loss:"],
      ["--num-batches", "Run control:"],
      ["--load-model", "Checkpoints:"],
      ["--world_size", "Distributed:"],
      ["--backend", "Backend:"],
    ] as const)
      expect(where.get(flag), flag).toEqual([heading]);
  });
});
