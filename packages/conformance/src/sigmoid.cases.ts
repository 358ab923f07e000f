/**
 * Conformance cases for `sigmoidForward` and `sigmoidBackward` (dlrm's
 * `--activation-function sigmoid`), out of place and in place, sizes 1, 7 (not a multiple of
 * 4) and 1000. Forward inputs span [-8, 8] plus a few large magnitudes (the exp overflow side
 * and saturation); backward takes outputs in (0, 1) as the forward makes them.
 */
import { defineCase, type ConformanceCase } from "./case.js";
import type { Rng } from "./rng.js";

const SIZES = [1, 7, 1000];

/** Pre-activations in [-8, 8], with -100, 100, 20 and -20 at the start when they fit. */
function preActivations(rng: Rng, size: number): Float32Array {
  const x = rng.f32(size, -8, 8);
  [-100, 100, 20, -20].forEach((v, i) => {
    if (i + 1 < size) x[i] = v;
  });
  return x;
}

/** Every sigmoid case. */
export const sigmoidCases: readonly ConformanceCase[] = SIZES.flatMap((size) => [
  defineCase({
    name: `sigmoidForward/${size}`,
    ops: ["sigmoidForward"],
    setup(env) {
      const x = env.input([size], preActivations(env.rng, size));
      const y = env.output("y", [size]);
      return () => env.backend.sigmoidForward({ x, y, size });
    },
  }),
  defineCase({
    name: `sigmoidForward/${size} in place`,
    ops: ["sigmoidForward"],
    setup(env) {
      const x = env.updated("x", [size], preActivations(env.rng, size));
      return () => env.backend.sigmoidForward({ x, y: x, size });
    },
  }),
  defineCase({
    name: `sigmoidBackward/${size}`,
    ops: ["sigmoidBackward"],
    setup(env) {
      const y = env.input([size], env.rng.f32(size, 0, 1));
      const dY = env.random([size]);
      const dX = env.output("dX", [size]);
      return () => env.backend.sigmoidBackward({ y, dY, dX, size });
    },
  }),
  defineCase({
    name: `sigmoidBackward/${size} in place`,
    ops: ["sigmoidBackward"],
    setup(env) {
      const y = env.input([size], env.rng.f32(size, 0, 1));
      const dY = env.updated("dY", [size], env.rng.f32(size));
      return () => env.backend.sigmoidBackward({ y, dY, dX: dY, size });
    },
  }),
]);
