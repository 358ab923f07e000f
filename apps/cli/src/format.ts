/**
 * Number formatting for the CLI's output: byte sizes, counts with thousands separators,
 * and dlrm's per-print line ("Finished training it 10/100 of epoch 0, 12.34 ms/it,
 * loss 0.693147, accuracy 51.2 %").
 */
import type { PrintReport } from "@dlrm/core";

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB"];

/** 1536 -> "1.5 KiB", 1.6e9 -> "1.49 GiB" (three significant digits). */
export function formatBytes(bytes: number): string {
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 ? v : Number(v.toPrecision(3))} ${UNITS[u]}`;
}

/** 117440513 -> "117,440,513". */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

/** How a per-print line is written beyond --print-time (shared/run-report-flags.ts's PrintStyle). */
export interface PrintLineStyle {
  /** Digits of the loss and of the accuracy in %; undefined: 6 and 1. */
  precision?: number | undefined;
  /** Appended as it is (dlrm's " (HH:MM)" with --print-wall-time). */
  suffix?: string;
}

/** dlrm's line for one print step; ms/it only with --print-time. `stepsPerEpoch` numbers steps within the epoch. */
export function formatPrintLine(
  r: PrintReport,
  stepsPerEpoch: number,
  printTime: boolean,
  style: PrintLineStyle = {},
): string {
  const inEpoch = r.step - r.epoch * stepsPerEpoch;
  const time = printTime ? ` ${r.msPerIteration.toFixed(2)} ms/it,` : "";
  return (
    `Finished training it ${inEpoch}/${stepsPerEpoch} of epoch ${r.epoch},${time}` +
    ` loss ${r.loss.toFixed(style.precision ?? 6)}, accuracy ${(r.accuracy * 100).toFixed(style.precision ?? 1)} %` +
    (style.suffix ?? "")
  );
}
