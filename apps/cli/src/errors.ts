/**
 * The CLI's error kinds and exit codes: usage errors (a bad flag or value, exit 2) and
 * everything else (exit 1), printed as one `dlrm: error: ...` line; DLRM_DEBUG=1 adds
 * the stack trace.
 */

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

/** One line for the user: the message with newlines folded, no stack trace. */
export function oneLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.replace(/\s*\n\s*/g, " ").trim();
}
