/**
 * Deep freezing of a resolved configuration: after a command has parsed and checked its
 * flags, the result is frozen so that no later step can change it (an assignment then
 * throws a TypeError in these ES modules, which are strict).
 */

/** Freezes `value` and every plain object and array inside it; returns it, typed read-only. */
export function deepFreeze<T>(value: T): Readonly<T> {
  if (value !== null && typeof value === "object" && !ArrayBuffer.isView(value) && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as Record<string, unknown>)) deepFreeze(v);
  }
  return value;
}
