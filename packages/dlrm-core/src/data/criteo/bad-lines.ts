/**
 * The bad-line policy of a raw Criteo read: "strict" (default) stops at the first malformed
 * line with its CriteoParseError; "skip" counts it, keeps the line for the rejects file and
 * the first messages for the report, and stops with a BadLineRatioError once bad lines
 * exceed `maxBadLineRatio` of the lines seen (checked from MIN_LINES_FOR_RATIO lines on,
 * and always at the end).
 */
import type { CriteoParseError } from "../criteo-line.js";

export type BadLineMode = "strict" | "skip";

export interface BadLinePolicy {
  mode: BadLineMode;
  /** Largest allowed bad/seen fraction in skip mode (default 0.01). */
  maxBadLineRatio: number;
}

export const DEFAULT_BAD_LINE_POLICY: BadLinePolicy = { mode: "strict", maxBadLineRatio: 0.01 };

/** Lines seen before the ratio cap applies mid-stream (a few early bad lines do not abort). */
export const MIN_LINES_FOR_RATIO = 1000;
/** Messages kept for the report. */
const KEPT_MESSAGES = 10;

/** Thrown when skipped lines exceed the allowed ratio; says how many and where they went. */
export class BadLineRatioError extends Error {
  constructor(
    readonly bad: number,
    readonly seen: number,
    readonly maxRatio: number,
    readonly rejectsFile: string | undefined,
    firstMessage: string,
  ) {
    super(
      `${bad} of ${seen} lines are malformed (${((100 * bad) / seen).toFixed(2)} %), more than --max-bad-line-ratio ${maxRatio}; ` +
        `first: ${firstMessage}` +
        (rejectsFile ? `; rejected lines written to ${rejectsFile}` : ""),
    );
    this.name = "BadLineRatioError";
  }
}

export class BadLineTracker {
  seen = 0;
  bad = 0;
  readonly messages: string[] = [];
  /** Rejected lines (raw text) not yet flushed to a rejects file. */
  rejected: string[] = [];

  constructor(
    readonly policy: BadLinePolicy,
    readonly rejectsFile?: string,
  ) {}

  /** Records a good line. */
  good(): void {
    this.seen++;
  }

  /** Records `n` good lines. */
  goodLines(n: number): void {
    this.seen += n;
  }

  /** Records a malformed line: rethrows in strict mode, else counts and keeps it. */
  badLine(text: string, err: CriteoParseError): void {
    if (this.policy.mode === "strict") throw err;
    this.seen++;
    this.bad++;
    this.rejected.push(text);
    if (this.messages.length < KEPT_MESSAGES) this.messages.push(err.message);
    if (this.seen >= MIN_LINES_FOR_RATIO) this.checkRatio();
  }

  /** Adds counts from work done earlier (a resumed run's finished chunks). */
  addEarlier(seen: number, bad: number, messages: readonly string[]): void {
    this.seen += seen;
    this.bad += bad;
    for (const m of messages) if (this.messages.length < KEPT_MESSAGES) this.messages.push(m);
  }

  /** Throws BadLineRatioError when bad/seen exceeds the cap. */
  checkRatio(): void {
    if (this.bad > 0 && this.bad > this.policy.maxBadLineRatio * this.seen) {
      throw new BadLineRatioError(
        this.bad,
        this.seen,
        this.policy.maxBadLineRatio,
        this.rejectsFile,
        this.messages[0] ?? "",
      );
    }
  }
}
