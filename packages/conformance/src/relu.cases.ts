/**
 * Conformance cases for `reluForward` and `reluBackward`, out of place and in place, with
 * exact zeros in the input (the mask uses y > 0) and sizes 1, 7 (not a multiple of 4) and
 * 1000.
 */
import { defineCase, withZeros, type ConformanceCase } from "./case.js";

const SIZES = [1, 7, 1000];

/** Every relu case. */
export const reluCases: readonly ConformanceCase[] = SIZES.flatMap((size) => [
  defineCase({
    name: `reluForward/${size}`,
    ops: ["reluForward"],
    setup(env) {
      const x = env.input([size], withZeros(env.rng, size, 0.1));
      const y = env.output("y", [size]);
      return () => env.backend.reluForward({ x, y, size });
    },
  }),
  defineCase({
    name: `reluForward/${size} in place`,
    ops: ["reluForward"],
    setup(env) {
      const x = env.updated("x", [size], withZeros(env.rng, size, 0.1));
      return () => env.backend.reluForward({ x, y: x, size });
    },
  }),
  defineCase({
    name: `reluBackward/${size}`,
    ops: ["reluBackward"],
    setup(env) {
      const yData = withZeros(env.rng, size, 0.2);
      for (let i = 0; i < size; i++) yData[i] = Math.max(yData[i]!, 0);
      const y = env.input([size], yData);
      const dY = env.random([size]);
      const dX = env.output("dX", [size]);
      return () => env.backend.reluBackward({ y, dY, dX, size });
    },
  }),
  defineCase({
    name: `reluBackward/${size} in place`,
    ops: ["reluBackward"],
    setup(env) {
      const y = env.input([size], withZeros(env.rng, size, 0.2));
      const dY = env.updated("dY", [size], env.rng.f32(size));
      return () => env.backend.reluBackward({ y, dY, dX: dY, size });
    },
  }),
]);
