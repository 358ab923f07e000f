/**
 * `--backends a,b,c` for `dlrm conformance` and `dlrm bench`: the named registry entries in
 * the order given, or every registered backend when the flag is absent. An unknown name is
 * a usage error listing the known ones; nothing is hard-coded, new backends join by registering.
 */
import type { BackendFactory } from "@dlrm/core";
import { UsageError } from "../errors.js";

/** The factories `value` names (comma-separated), or the whole registry when undefined. */
export function selectBackends(value: string | undefined, registry: readonly BackendFactory[]): BackendFactory[] {
  if (value === undefined) return [...registry];
  const names = value
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (names.length === 0) throw new UsageError("--backends", "expected a comma-separated list of backend names");
  return names.map((name) => {
    const factory = registry.find((f) => f.name === name);
    if (factory === undefined) {
      throw new UsageError(
        "--backends",
        `unknown backend "${name}" (known: ${registry.map((f) => f.name).join(", ")})`,
      );
    }
    return factory;
  });
}

/** JSON.stringify that writes NaN and infinities as strings instead of null. */
export function toJson(value: unknown): string {
  return `${JSON.stringify(value, (_k, v: unknown) => (typeof v === "number" && !Number.isFinite(v) ? String(v) : v), 2)}\n`;
}
