/**
 * dlrm's trace-based synthetic indices (`--data-generation synthetic`, dlrm_data_pytorch.py's
 * read_dist_from_file and trace_generate_lru): a distribution file per table holds the
 * unique rows in first-access order, the stack distances seen and their cumulative
 * probabilities; each bag replays an LRU stack from that order, drawing a stack distance per
 * reference (0: the next new row), and keeps the distinct rows, sorted.
 */

/** One table's distribution file: three comma-separated lines (dlrm's write_dist_to_file). */
export interface TraceDistribution {
  /** Rows in the order they were first accessed (the LRU stack's initial contents). */
  lineAccesses: readonly number[];
  /** The stack distances seen, ascending (0: a new row). */
  listSd: readonly number[];
  /** Cumulative probability of each of listSd, ending at (about) 1. */
  cummSd: readonly number[];
}

/** Parses a distribution file's text; a RangeError names `path`, the line and what is wrong. */
export function parseTraceDistribution(text: string, path: string): TraceDistribution {
  const lines = text.split(/\r?\n/);
  const list = (i: number, what: string, parse: (s: string) => number, ok: (x: number) => boolean): number[] => {
    const line = lines[i];
    if (line === undefined || line.trim() === "") throw new RangeError(`${path}: line ${i + 1} (${what}) is missing`);
    return line.split(",").map((s, j) => {
      const x = parse(s.trim());
      if (s.trim() === "" || !ok(x))
        throw new RangeError(
          `${path}: line ${i + 1} (${what}), item ${j + 1}: ${JSON.stringify(s.trim())} is not valid`,
        );
      return x;
    });
  };
  const isInt = (x: number): boolean => Number.isSafeInteger(x) && x >= 0;
  const lineAccesses = list(0, "unique accesses", Number, isInt);
  const listSd = list(1, "stack distances", Number, isInt);
  const cummSd = list(2, "cumulative distribution", Number, (x) => x >= 0 && x <= 1 + 1e-9);
  if (listSd.length !== cummSd.length)
    throw new RangeError(`${path}: ${listSd.length} stack distances but ${cummSd.length} cumulative probabilities`);
  for (let i = 1; i < listSd.length; i++) {
    if (!(listSd[i]! > listSd[i - 1]!)) throw new RangeError(`${path}: line 2 (stack distances) must ascend`);
    if (!(cummSd[i]! >= cummSd[i - 1]!))
      throw new RangeError(`${path}: line 3 (cumulative distribution) must not decrease`);
  }
  if (listSd[listSd.length - 1]! > lineAccesses.length)
    throw new RangeError(
      `${path}: stack distance ${listSd[listSd.length - 1]} is past the ${lineAccesses.length} unique accesses`,
    );
  return { lineAccesses, listSd, cummSd };
}

/** The index of the last of `sorted` that is <= x (Python's bisect.bisect(sorted, x) - 1). */
function lastAtMost(sorted: readonly number[], x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (x < sorted[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo - 1;
}

/**
 * One stack distance (dlrm's generate_stack_distance): u uniform in [0, 1); while fewer than
 * the largest distance of new rows have been seen (`seen`), u is scaled into the mass of the
 * distances up to `seen`; with padding, once they have, u excludes the first value (no new
 * rows). The first distance whose cumulative probability reaches u (the last if none does).
 */
export function stackDistance(d: TraceDistribution, seen: number, enablePadding: boolean, u: number): number {
  const maxSd = d.listSd[d.listSd.length - 1]!;
  let v = u;
  if (seen < maxSd) {
    const j = lastAtMost(d.listSd, seen);
    v *= j >= 0 ? d.cummSd[j]! : d.cummSd[d.cummSd.length - 1]!;
  } else if (enablePadding) {
    const f0 = d.cummSd[0]!;
    v = (1 - f0) * v + f0;
  }
  for (let j = 0; j < d.cummSd.length; j++) if (v <= d.cummSd[j]!) return d.listSd[j]!;
  return maxSd;
}

/**
 * One bag of `count` references (dlrm's trace_generate_lru from a fresh copy of the file's
 * stack, then np.unique, then % rows where a row is past the table), `uniform` giving the
 * draws in dlrm's order (one per reference).
 */
export function traceBag(
  d: TraceDistribution,
  count: number,
  enablePadding: boolean,
  rows: number,
  uniform: () => number,
): number[] {
  const stack = [...d.lineAccesses];
  const l = stack.length;
  let seen = 0;
  const refs: number[] = [];
  for (let n = 0; n < count; n++) {
    const sd = stackDistance(d, seen, enablePadding, uniform());
    // sd = 0: the oldest row of the stack (a new reference); else the row sd from the top.
    const at = sd === 0 ? 0 : l - sd;
    const row = stack[at]!;
    stack.splice(at, 1);
    stack.push(row);
    if (sd === 0) seen++;
    refs.push(row);
  }
  const unique = [...new Set(refs)].sort((a, b) => a - b);
  return unique.some((r) => r >= rows) ? unique.map((r) => r % rows) : unique;
}
