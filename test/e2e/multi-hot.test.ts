/**
 * MLPerf DLRMv2's synthetic multi-hot reproduced from numpy's own stream: the Criteo rows'
 * one-hot indices expanded with `withMultiHot` (seed 0, the fixture's sizes) give exactly
 * the bags PyTorch trained on in fixtures/torch-parity-dcnv2-multihot (its inputs.safetensors).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { createCriteoTsvSource, withMultiHot, type Batch } from "@dlrm/core";
import { fixtureInputSource } from "./fixture-inputs.js";
import { CRITEO_SAMPLE, FIXTURES, fixtureConfig } from "./torch-parity.js";

const dir = join(FIXTURES, "torch-parity-dcnv2-multihot");

async function all(source: AsyncIterable<Batch>): Promise<Batch[]> {
  const out: Batch[] = [];
  for await (const b of source) out.push(b);
  return out;
}

it("the DCNv2 fixture's multi-hot bags, index for index, from the Criteo rows and numpy seed 0", async () => {
  const expected = JSON.parse(readFileSync(join(dir, "losses.json"), "utf8"));
  const a = expected.args;
  const cfg = fixtureConfig(a, "eager");
  const sizes = (a.multi_hot as string).split(",").map(Number);
  const oneHot = await createCriteoTsvSource(cfg, {
    kind: "criteo-tsv",
    path: CRITEO_SAMPLE,
    maxIndRange: a.rows,
    maxRows: a.batch * a.steps,
  });
  const ours = await all(withMultiHot(oneHot, sizes, cfg.model.tableRows, a.multi_hot_seed).batches(0));
  const theirs = await all(fixtureInputSource(join(dir, "inputs.safetensors"), 26).batches(0));
  expect(ours).toHaveLength(theirs.length);
  let multi = 0;
  ours.forEach((b, s) => {
    expect([...b.sparse.offsets]).toEqual([...theirs[s]!.sparse.offsets]);
    expect([...b.sparse.indices]).toEqual([...theirs[s]!.sparse.indices]);
    multi += b.sparse.indices.length;
  });
  expect(multi).toBeGreaterThan(a.batch * a.steps * 26);
});
