/**
 * Conformance cases for `lossForward` (probs overwritten, stats accumulated) and
 * `lossBackward`: bce and mse, with and without threshold, ordinary logits, large |logit|
 * (±50, ±200) where a naive sigmoid + log saturates, fractional targets and B = 1;
 * lossBackward also with meanOver = 3B (a rank's share of a global batch's mean).
 */
import type { LossFunction } from "@dlrm/core";
import { defineCase, type ConformanceCase } from "./case.js";
import type { Rng } from "./rng.js";

interface LogitSet {
  readonly label: string;
  logits(rng: Rng): number[];
  targets(rng: Rng, n: number): number[];
}

const binary = (rng: Rng, n: number): number[] => Array.from({ length: n }, () => (rng.next() < 0.5 ? 0 : 1));

const SETS: readonly LogitSet[] = [
  { label: "B=1", logits: () => [0.7], targets: () => [1] },
  { label: "B=37 ordinary", logits: (rng) => Array.from({ length: 37 }, () => rng.uniform(-6, 6)), targets: binary },
  {
    label: "B=8 large |logit|",
    logits: () => [50, -50, 200, -200, 50, -50, 200, -200],
    targets: () => [0, 1, 0, 1, 1, 0, 1, 0],
  },
  {
    label: "B=16 fractional targets",
    logits: (rng) => Array.from({ length: 16 }, () => rng.uniform(-3, 3)),
    targets: (rng, n) => Array.from({ length: n }, () => rng.next()),
  },
];

const VARIANTS: readonly { loss: LossFunction; threshold: number }[] = [
  { loss: "bce", threshold: 0 },
  { loss: "bce", threshold: 0.01 },
  { loss: "mse", threshold: 0 },
  { loss: "mse", threshold: 0.01 },
];

/** Every loss case. */
export const lossCases: readonly ConformanceCase[] = SETS.flatMap((set) =>
  VARIANTS.flatMap(({ loss, threshold }) => {
    const label = `${loss} threshold ${threshold} ${set.label}`;
    return [
      defineCase({
        name: `lossForward/${label}`,
        ops: ["lossForward"],
        setup(env) {
          const z = set.logits(env.rng);
          const B = z.length;
          const logits = env.input([B], z);
          const targets = env.input([B], set.targets(env.rng, B));
          const probs = env.output("probs", [B]);
          const stats = env.updated("stats", [3], [1.5, 2, 3]);
          return () => env.backend.lossForward({ logits, targets, probs, stats, batchSize: B, loss, threshold });
        },
      }),
      ...[undefined, 3].map((ranks) =>
        defineCase({
          name: `lossBackward/${label}${ranks === undefined ? "" : ` meanOver ${ranks}B (one rank of ${ranks})`}`,
          ops: ["lossBackward"],
          setup(env) {
            const z = set.logits(env.rng);
            const B = z.length;
            const logits = env.input([B], z);
            const targets = env.input([B], set.targets(env.rng, B));
            const dLogits = env.output("dLogits", [B]);
            const meanOver = ranks === undefined ? {} : { meanOver: ranks * B };
            return () =>
              env.backend.lossBackward({ logits, targets, dLogits, batchSize: B, loss, threshold, ...meanOver });
          },
        }),
      ),
    ];
  }),
);
