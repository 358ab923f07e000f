/**
 * The legend names of the runs of `dlrm report`: each `--label` in order, else the file's
 * name, or its path as given where two runs share a file name; a count of labels that does
 * not match the runs, or two runs with one name, is a usage error naming --label.
 */
import { basename } from "node:path";
import { UsageError } from "../errors.js";

/** One name per run, all different. */
export function runLabels(paths: readonly string[], labels: readonly string[]): string[] {
  if (labels.length > 0 && labels.length !== paths.length)
    throw new UsageError(
      "--label",
      `${labels.length} label(s) for ${paths.length} run(s); give one --label per run, in the runs' order, or none`,
    );
  const names = paths.map((p) => basename(p));
  const out =
    labels.length > 0 ? [...labels] : names.map((n, i) => (names.indexOf(n) === names.lastIndexOf(n) ? n : paths[i]!));
  const seen = new Set<string>();
  for (const l of out) {
    if (seen.has(l))
      throw new UsageError(
        "--label",
        `two runs are named "${l}"; give each run its own --label (or list each file once)`,
      );
    seen.add(l);
  }
  return out;
}
