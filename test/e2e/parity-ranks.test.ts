/**
 * PyTorch's QR, MD and learned-pooling fixtures at world size 2 (in-process ranks, each table
 * whole on one rank with its sub-tables, projection or v_W_l.<t>): every step's loss within
 * 1e-5 relative of PyTorch's and the final weights within the fixture's absolute tolerance,
 * on the reference backend and gaudi, eager; and within 1e-5 relative of one process.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { describeBackend } from "@dlrm/conformance/vitest";
import { gaudiBackendFactory } from "@dlrm/backend-gaudi";
import {
  readSafetensors,
  referenceBackendFactory,
  trainRanks,
  type BackendFactory,
  type TrainConfig,
} from "@dlrm/core";
import { fixtureInputSource } from "./fixture-inputs.js";
import { FIXTURES, WEIGHT_TOLERANCE, fixtureConfig } from "./torch-parity.js";

const RANK_FIXTURES = [
  "torch-parity-qr-mult",
  "torch-parity-qr-add",
  "torch-parity-qr-concat",
  "torch-parity-md",
  "torch-parity-weighted-learned",
  "torch-parity-weighted-learned-sgd",
];

async function runRanks(factory: BackendFactory, fixture: string, n: number) {
  const dir = join(FIXTURES, fixture);
  const expected = JSON.parse(readFileSync(join(dir, "losses.json"), "utf8")) as {
    losses: number[];
    args: Parameters<typeof fixtureConfig>[0];
  };
  const cfg: TrainConfig = fixtureConfig(expected.args, "eager");
  const init = join(dir, "init.safetensors");
  const r = await trainRanks(
    n,
    () => factory.create({ mode: "eager" }),
    cfg,
    () => fixtureInputSource(join(dir, "inputs.safetensors"), cfg.model.tableRows.length),
    () => ({ initialWeights: readSafetensors(init), initialWeightsSource: init }),
  );
  return { ...r, expected: expected.losses, final: readSafetensors(join(dir, "final.safetensors")) };
}

for (const factory of [referenceBackendFactory, gaudiBackendFactory]) {
  describeBackend(
    factory.name,
    await factory.unavailableReason(),
    `PyTorch's QR, MD and learned-pooling fixtures at world size 2 on ${factory.name}`,
    () => {
      for (const fixture of RANK_FIXTURES) {
        const tolerance = WEIGHT_TOLERANCE[fixture] ?? 1e-3;
        it(`${fixture}: world size 2 as PyTorch (losses 1e-5 relative, weights ${tolerance}) and as one process`, async () => {
          const two = await runRanks(factory, fixture, 2);
          expect(two.losses).toHaveLength(two.expected.length);
          two.losses.forEach((l, i) =>
            expect(Math.abs(l - two.expected[i]!) / Math.abs(two.expected[i]!)).toBeLessThan(1e-5),
          );
          for (const [name, want] of two.final) {
            const got = two.weights.get(name);
            expect(got, name).toBeDefined();
            let worst = 0;
            want.data.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - got!.data[i]!))));
            expect(worst, name).toBeLessThan(tolerance);
          }
          const one = await runRanks(factory, fixture, 1);
          two.losses.forEach((l, i) =>
            expect(Math.abs(l - one.losses[i]!) / Math.abs(one.losses[i]!)).toBeLessThan(1e-5),
          );
        }, 120_000);
      }
    },
  );
}
