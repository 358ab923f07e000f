/**
 * `dlrm conformance`: every conformance case at --dtype (fp32: each op of the contract, the
 * fused ops, the whole training step, with --medium the seed's Medium shapes too; bf16: the
 * matrix-product ops and training steps in bf16 mixed precision) on each registered backend
 * against the float64 reference, printed as an op x backend table with what each backend
 * compares (comparisons that hold by construction are listed, not counted), then the error
 * cases (each bad call's error class, message and stage) as a rule x backend table; exit 1 on
 * any failure, including an unavailable backend listed in DLRM_REQUIRED_BACKENDS.
 */
import { writeFileSync } from "node:fs";
import { Command, Option } from "commander";
import { backendLabel, type BackendFactory } from "@dlrm/core";
import { BACKENDS } from "@dlrm/backends";
import {
  EXPECTED_FAILURES,
  MEDIUM_CASES,
  casesAt,
  formatErrorReport,
  formatReport,
  parseRequiredBackends,
  runConformanceReport,
  runErrorReport,
  summarizeByOp,
  tallyComparisons,
  type ConformanceReport,
} from "@dlrm/conformance";
import { gitCommit, machineInfo } from "@dlrm/bench";
import { selectBackends, toJson } from "../shared/select-backends.js";

/** Parsed flags of `dlrm conformance`. */
export interface ConformanceFlags {
  backends?: string;
  dtype: "fp32" | "bf16";
  json?: string;
  medium: boolean;
}

/** Where the command writes; tests pass their own. */
export interface ConformanceIo {
  registry: readonly BackendFactory[];
  required: readonly string[];
  out(text: string): void;
  progress(line: string): void;
}

/** Runs the report at flags.dtype, prints the table (and writes --json); returns the report. */
export async function runConformanceCommand(flags: ConformanceFlags, io: ConformanceIo): Promise<ConformanceReport> {
  const factories = selectBackends(flags.backends, io.registry);
  const medium = flags.medium ? MEDIUM_CASES.filter((c) => c.precision === flags.dtype) : [];
  const cases = [...casesAt(flags.dtype), ...medium];
  io.progress(
    `conformance: ${cases.length} ${flags.dtype} cases on ${factories.map((f) => backendLabel(f.name)).join(", ")} against the reference` +
      `${medium.length > 0 ? " (with Medium shapes)" : flags.medium ? " (no Medium-shaped cases at this precision)" : ""}`,
  );
  const report = await runConformanceReport({
    factories,
    cases,
    expectedFailures: EXPECTED_FAILURES,
    required: io.required,
    onProgress: io.progress,
  });
  io.out(`${formatReport(report)}\n`);
  const errors = await runErrorReport(factories);
  io.out(`${formatErrorReport(errors)}\n`);
  if (flags.json !== undefined) {
    const summary = summarizeByOp(report).map((row) => ({
      op: row.op,
      tolerance: row.tolerance,
      backends: Object.fromEntries(row.cells),
    }));
    writeFileSync(
      flags.json,
      toJson({
        kind: "dlrm-conformance",
        dtype: flags.dtype,
        medium: flags.medium,
        createdAt: new Date().toISOString(),
        machine: machineInfo(),
        commit: gitCommit(),
        required: io.required,
        passed: report.passed,
        backends: report.backends,
        comparisons: tallyComparisons(report.results),
        summary,
        results: report.results,
        errors: errors.results,
      }),
    );
    io.progress(`conformance: wrote ${flags.json}`);
  }
  return { ...report, passed: report.passed && errors.passed };
}

/** Registers `dlrm conformance` on the program. */
export function registerConformance(program: Command): void {
  program
    .command("conformance")
    .description(
      "Check every op, fused op and the whole training step of each backend against the float64 reference; exit 1 on any failure.",
    )
    .option("--backends <list>", "comma-separated backend names (default: every registered backend)")
    .addOption(new Option("--dtype <dtype>", "precision of the cases").choices(["fp32", "bf16"]).default("fp32"))
    .option("--json <file>", "also write the full report (every case on every backend) as JSON")
    .option("--medium", "add the seed's Medium shapes (gemm 512x4096x4096, 38-index bags of D = 64): slow", false)
    .action(async (flags: ConformanceFlags) => {
      const report = await runConformanceCommand(flags, {
        registry: BACKENDS,
        required: parseRequiredBackends(process.env.DLRM_REQUIRED_BACKENDS),
        out: (text) => process.stdout.write(text),
        progress: (line) => process.stderr.write(`${line}\n`),
      });
      if (!report.passed) throw new Error("conformance failed: see the FAIL lines above");
    });
}
