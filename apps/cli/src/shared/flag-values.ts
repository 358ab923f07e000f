/**
 * Parsers of flag values shared by every command (commander argParsers): integers,
 * numbers, numbers in a range, dash-separated lists and explicit booleans. Each throws
 * commander's InvalidArgumentError, which commander reports naming the flag.
 */
import { InvalidArgumentError } from "commander";

/** Parses an integer flag value (dlrm's `type=int`); range checks come later. */
export function intArg(value: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isInteger(n)) throw new InvalidArgumentError("expected an integer.");
  return n;
}

/** Parses a floating-point flag value such as 1e-05. */
export function floatArg(value: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n)) throw new InvalidArgumentError("expected a number.");
  return n;
}

/** A parser of numbers in [lo, hi]; `what` says what is expected ("a rate in [0, 1)"). */
export function numberIn(lo: number, hi: number, what: string): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (v.trim() === "" || !(n >= lo && n <= hi)) throw new InvalidArgumentError(`expected ${what}.`);
    return n;
  };
}

/** Parses a dash-separated list of positive integers ("13-512-256-64"). */
export function listArg(value: string): number[] {
  const parts = value.split("-");
  if (!parts.every((p) => /^[0-9]+$/.test(p) && Number(p) > 0)) {
    throw new InvalidArgumentError("expected dash-separated positive integers such as 13-512-256-64.");
  }
  return parts.map(Number);
}

/** Parses an explicit boolean value: dlrm scripts write `--round-targets True`. */
export function boolArg(value: string): boolean {
  const v = value.toLowerCase();
  if (v === "true" || v === "1" || v === "yes") return true;
  if (v === "false" || v === "0" || v === "no") return false;
  throw new InvalidArgumentError("expected True or False (or no value).");
}
