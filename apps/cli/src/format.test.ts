/**
 * Unit tests of the CLI's number formatting: byte sizes, counts, and dlrm's per-print
 * line with and without --print-time, numbered within the epoch.
 */
import { describe, expect, it } from "vitest";
import type { PrintReport } from "@dlrm/core";
import { formatBytes, formatCount, formatPrintLine } from "./format.js";

const report: PrintReport = {
  epoch: 1,
  step: 110,
  totalSteps: 200,
  loss: 0.6931471,
  accuracy: 0.5123,
  msPerIteration: 12.3449,
  dataWaitMsPerIteration: 0.5,
  samplesPerSecond: 10_000,
  learningRate: 0.01,
};

describe("format", () => {
  it("formats byte sizes with binary units", () => {
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(1536)).toBe("1.5 KiB");
    expect(formatBytes(1.5 * 2 ** 30)).toBe("1.5 GiB");
  });

  it("formats counts with thousands separators", () => {
    expect(formatCount(295385153)).toBe("295,385,153");
    expect(formatCount(0)).toBe("0");
  });

  it("writes dlrm's line, numbering steps within the epoch", () => {
    expect(formatPrintLine(report, 100, true)).toBe(
      "Finished training it 10/100 of epoch 1, 12.34 ms/it, loss 0.693147, accuracy 51.2 %",
    );
  });

  it("leaves ms/it out without --print-time", () => {
    expect(formatPrintLine(report, 100, false)).toBe(
      "Finished training it 10/100 of epoch 1, loss 0.693147, accuracy 51.2 %",
    );
  });
});
