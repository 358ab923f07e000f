/**
 * Conformance cases for `fill`: f32 tensors of sizes 1, 7 and 1000 with zero, a negative
 * fraction and a large value, and an i32 tensor (poisoned with junk instead of NaN).
 */
import { defineCase, type ConformanceCase } from "./case.js";

/** Every fill case. */
export const fillCases: readonly ConformanceCase[] = [
  ...[1, 7, 1000].flatMap((size) =>
    [0, -2.5, 1e30].map((value) =>
      defineCase({
        name: `fill/f32 ${size} value ${value}`,
        ops: ["fill"],
        setup(env) {
          const t = env.output("t", [size]);
          return () => env.backend.fill({ t, value });
        },
      }),
    ),
  ),
  defineCase({
    name: "fill/i32 13 value -3",
    ops: ["fill"],
    setup(env) {
      const t = env.output("t", [13], "i32");
      return () => env.backend.fill({ t, value: -3 });
    },
  }),
];
