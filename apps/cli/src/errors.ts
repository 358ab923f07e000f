/**
 * The CLI's error kinds and exit codes: usage errors (a bad flag or value, exit 2) and
 * everything else (exit 1), printed as one `dlrm: error: ...` line; DLRM_DEBUG=1 adds
 * the stack trace.
 */
import { StateDictMismatchError } from "@dlrm/core";

/** Exit code for a bad flag, value or configuration. */
export const EXIT_USAGE = 2;
/** Exit code for a failed run (bad file, unavailable backend, unsupported feature). */
export const EXIT_FAILURE = 1;

/** A bad flag or flag value; the message starts with the flag. */
export class UsageError extends Error {
  constructor(
    readonly flag: string,
    message: string,
  ) {
    super(`${flag}: ${message}`);
    this.name = "UsageError";
  }
}

/** A feature that parses but does not run here (on this backend or machine); the message says what to use instead. */
export class NotSupportedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NotSupportedError";
  }
}

/** Training stopped by a signal after writing a checkpoint; exits with `exitCode` (130 / 143). */
export class RunStoppedError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = "RunStoppedError";
  }
}

/**
 * The lines printed for an error: one, the message with newlines folded, except for a
 * weights file that does not match the model, which lists one tensor per line (and, for
 * embedding tables sized by the data, how to get dlrm's numbering).
 */
export function errorLines(err: unknown): string[] {
  if (!(err instanceof StateDictMismatchError)) return [oneLine(err)];
  const n = err.problems.length;
  const lines = [
    `${err.source} does not match the model (${n} tensor${n === 1 ? "" : "s"}):`,
    ...err.problems.map((p) => `  ${p}`),
  ];
  if (err.problems.some((p) => /^tensor emb_l\.\d+\.weight has shape/.test(p)))
    lines.push(
      "dlrm_s_pytorch.py sizes each table by the values seen in the data: train on the same rows with --cat-mapping dlrm and --processed-data-file DIR",
    );
  return lines;
}

/** One line for the user: the message with newlines folded, no stack trace. */
export function oneLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.replace(/\s*\n\s*/g, " ").trim();
}
