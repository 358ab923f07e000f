/**
 * Issue 19's traps, end to end through `dlrm train`: --test-freq without a processed
 * directory is refused with what to add; the last step's test line prints once.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CRITEO, dlrm } from "./distributed/e2e-util.js";

const dir = mkdtempSync(join(tmpdir(), "dlrm-traps-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const raw = ["--data-generation", "dataset", "--max-ind-range", "100"];

describe("dlrm train: no silent traps", () => {
  it("--test-freq without --processed-data-file is refused, saying what to add", () => {
    const r = dlrm(dir, ["train", ...raw, "--raw-data-file", CRITEO, "--test-freq", "30"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^dlrm: error: --test-freq: .*add --processed-data-file DIR/);
  });

  it("with --test-freq 30 --num-batches 30 the test line prints once", () => {
    const r = dlrm(dir, [
      "train",
      ...raw,
      "--raw-data-file",
      CRITEO,
      "--processed-data-file",
      join(dir, "proc"),
      "--test-freq",
      "30",
      "--num-batches",
      "30",
      "--mini-batch-size",
      "32",
    ]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.match(/^Testing at step 30 /gm)).toHaveLength(1);
  });
});
