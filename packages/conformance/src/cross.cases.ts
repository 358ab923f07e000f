/**
 * Conformance cases for `crossForward` and `crossBackward` (the element-wise part of a DCNv2
 * cross layer): sizes 1, 7 (not a multiple of 4) and 4320 (a batch of 10 rows of 27 x 16);
 * forward with xl a separate tensor and xl the same tensor as x0 (layer 0); backward with and without dXl (layer 0 and later layers), overwriting and accumulating dX0.
 */
import { defineCase, type ConformanceCase } from "./case.js";

const SIZES = [1, 7, 4320];

/** Every cross-layer case. */
export const crossCases: readonly ConformanceCase[] = SIZES.flatMap((size) => [
  defineCase({
    name: `crossForward/${size}`,
    ops: ["crossForward"],
    setup(env) {
      const x0 = env.random([size]);
      const y = env.random([size]);
      const xl = env.random([size]);
      const out = env.output("out", [size]);
      return () => env.backend.crossForward({ x0, y, xl, out, size });
    },
  }),
  defineCase({
    name: `crossForward/${size} layer 0 (xl is x0)`,
    ops: ["crossForward"],
    setup(env) {
      const x0 = env.random([size]);
      const y = env.random([size]);
      const out = env.output("out", [size]);
      return () => env.backend.crossForward({ x0, y, xl: x0, out, size });
    },
  }),
  ...[false, true].flatMap((accumulate) =>
    [false, true].map((withXl) =>
      defineCase({
        name: `crossBackward/${size}${accumulate ? " accumulate" : ""}${withXl ? " dXl" : " layer 0"}`,
        ops: ["crossBackward"],
        setup(env) {
          const x0 = env.random([size]);
          const y = env.random([size]);
          const dOut = env.random([size]);
          const dY = env.output("dY", [size]);
          const dX0 = accumulate ? env.updated("dX0", [size], env.rng.f32(size)) : env.output("dX0", [size]);
          const dXl = withXl ? env.output("dXl", [size]) : undefined;
          return () =>
            env.backend.crossBackward({
              x0,
              y,
              dOut,
              dY,
              dX0,
              ...(dXl === undefined ? {} : { dXl }),
              size,
              accumulate,
            });
        },
      }),
    ),
  ),
]);
