/**
 * Progress output for a training run: a cli-progress bar on stderr when stderr is a
 * terminal (per-print lines are logged above it), plain lines on stdout otherwise, so
 * logs and pipes never see bar redraws. The bar is redrawn from `step` itself, since a
 * training loop may not yield to the event loop's timers between steps.
 */
import cliProgress from "cli-progress";

/** Where a run reports progress. */
export interface Progress {
  /** A step finished (1-based), of `total`. */
  step(step: number, total: number): void;
  /** A line for the user (a print step, the summary). */
  line(text: string): void;
  /** Ends the bar, if any; lines written afterwards go straight to stdout. */
  stop(): void;
}

/** Plain lines on stdout, no bar. */
class PlainProgress implements Progress {
  step(): void {}
  line(text: string): void {
    process.stdout.write(`${text}\n`);
  }
  stop(): void {}
}

/** Nothing at all: the progress of ranks other than 0 of a multi-process run. */
export function silentProgress(): Progress {
  return { step: () => undefined, line: () => undefined, stop: () => undefined };
}

/** Milliseconds between bar redraws. */
const REDRAW_MS = 100;

/** A bar on stderr; lines go above it when stdout is the same terminal, else to stdout. */
class BarProgress implements Progress {
  private readonly multi: cliProgress.MultiBar;
  private bar: cliProgress.SingleBar | undefined;
  private stopped = false;
  private lastDraw = 0;

  constructor() {
    this.multi = new cliProgress.MultiBar(
      {
        stream: process.stderr,
        format: "training |{bar}| {percentage}% | step {value}/{total} | ETA {eta_formatted}",
        // Leave the cursor and line wrapping alone: Ctrl-C during a step kills the process
        // before any handler could restore them.
        hideCursor: false,
        linewrap: true,
        clearOnComplete: true,
        forceRedraw: true,
        etaBuffer: 50,
      },
      cliProgress.Presets.shades_classic,
    );
  }

  step(step: number, total: number): void {
    if (this.stopped) return;
    if (this.bar === undefined) this.bar = this.multi.create(total, 0);
    this.bar.update(step);
    const now = performance.now();
    if (now - this.lastDraw >= REDRAW_MS || step === total) this.redraw(now);
  }

  line(text: string): void {
    if (!this.stopped && this.bar !== undefined && process.stdout.isTTY) {
      this.multi.log(`${text}\n`);
      this.redraw(performance.now());
    } else {
      process.stdout.write(`${text}\n`);
    }
  }

  /** Flushes logged lines above the bar and draws it now. */
  private redraw(now: number): void {
    this.lastDraw = now;
    this.multi.update();
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.multi.stop();
  }
}

/** A bar when stderr is a terminal, plain lines otherwise. */
export function createProgress(): Progress {
  return process.stderr.isTTY ? new BarProgress() : new PlainProgress();
}
