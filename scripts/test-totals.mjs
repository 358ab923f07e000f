#!/usr/bin/env node
/**
 * Totals a test run: reads every vitest JSON report in test-reports/ (one per workspace,
 * written through vitest.shared.js) and prints one closing line "N passed, N failed".
 * Exit 0 only when at least one test ran, none failed, and every report was readable.
 * Usage: node scripts/test-totals.mjs [reports-dir]
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** Reads one report; returns its counts, or an error string. */
function readReport(path) {
  try {
    const r = JSON.parse(readFileSync(path, "utf8"));
    if (!Number.isInteger(r.numPassedTests) || !Number.isInteger(r.numFailedTests)) {
      return { error: `${path}: not a vitest JSON report (no numPassedTests / numFailedTests)` };
    }
    return {
      passed: r.numPassedTests,
      failed: r.numFailedTests,
      skipped: (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0),
    };
  } catch (err) {
    return { error: `${path}: unreadable (${err instanceof Error ? err.message : String(err)})` };
  }
}

/** Totals every report in `dir`; prints per-report details to stderr and the totals line last to stdout. */
function main(dir) {
  let files = [];
  try {
    files = readdirSync(dir)
      .filter((f) => f.endsWith(".json"))
      .sort();
  } catch {
    process.stderr.write(`test-totals: no ${dir}/ folder: no workspace wrote a report\n`);
  }
  let passed = 0;
  let failed = 0;
  let problems = 0;
  for (const f of files) {
    const r = readReport(join(dir, f));
    if ("error" in r) {
      problems++;
      process.stderr.write(`test-totals: ${r.error}\n`);
      continue;
    }
    passed += r.passed;
    failed += r.failed;
    process.stderr.write(
      `test-totals: ${f.replace(/\.json$/, "")} - ${r.passed} passed / ${r.failed} failed / ${r.skipped} skipped\n`,
    );
  }
  if (passed + failed === 0) process.stderr.write("test-totals: no test ran\n");
  process.stdout.write(`${passed} passed, ${failed} failed\n`);
  return passed + failed > 0 && failed === 0 && problems === 0 ? 0 : 1;
}

process.exitCode = main(process.argv[2] ?? "test-reports");
