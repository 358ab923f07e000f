/**
 * Helpers shared by this package's tests: `describeNative` (skips with the reason when the
 * addon is not built, unless DLRM_REQUIRED_BACKENDS names gaudi, as in CI), the loaded
 * addon, a seeded RNG, and `expectError`, which checks an error's class and its message.
 */
import { expect } from "vitest";
import { describeBackend } from "@dlrm/conformance/vitest";
import { loadNative, type NativeAddon } from "./native.js";

/** The addon; throws with the build hint when it is missing. */
export function addon(): NativeAddon {
  const { addon: a, reason } = loadNative();
  if (a === undefined) throw new Error(`these tests need the native addon: ${reason}`);
  return a;
}

/** `describe` for tests that need the addon: skipped with the reason when it is missing and not required. */
export function describeNative(name: string, fn: () => void): void {
  describeBackend("gaudi", loadNative().reason, name, fn);
}

/** mulberry32: a small seeded generator in [0, 1). */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Runs fn and checks it throws an instance of `cls` whose message contains every `parts`. */
export function expectError(fn: () => unknown, cls: new (...args: never[]) => Error, ...parts: string[]): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, `expected ${cls.name} mentioning ${parts.join(", ")}`).toBeInstanceOf(cls);
  for (const p of parts) expect((caught as Error).message).toContain(p);
}
