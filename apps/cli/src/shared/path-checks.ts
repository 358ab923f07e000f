/**
 * The files and directories a user names on the command line, checked once at the top of
 * each command's action (not while parsing: unit tests parse paths that do not exist). A
 * missing, unreadable or wrong-kind path is one `--flag: PATH: <what is wrong>; <what to do>`
 * line with exit 1 (a bad file, as errors.ts defines it), never a bare ENOENT.
 */
import { accessSync, constants, statSync, type Stats } from "node:fs";
import { dirname } from "node:path";
import type { Command } from "commander";
import type { CriteoDataSet } from "@dlrm/core";
import { expandRawFiles } from "./dataset-flags.js";

/** A path named by a flag that cannot be used; the message starts with the flag and the path. */
export class PathError extends Error {
  constructor(flag: string, path: string, problem: string) {
    super(`${flag}: ${path}: ${problem}`);
    this.name = "PathError";
  }
}

/**
 * What a flag's path must be: a file to read, a file or directory to read, a file to write
 * (its directory must exist), or a directory to write into (created when missing).
 */
type PathKind = "read-file" | "read-any" | "write-file" | "write-dir";

/** Every path flag of train, eval, predict, preprocess and report: option key, flag, kind. */
const PATH_FLAGS: readonly (readonly [string, string, PathKind])[] = [
  ["rawDataFile", "--raw-data-file", "read-file"],
  ["loadModel", "--load-model", "read-file"],
  ["resume", "--resume", "read-any"],
  ["saveModel", "--save-model", "write-file"],
  ["logJsonl", "--log-jsonl", "write-file"],
  ["html", "--html", "write-file"],
  ["out", "--out", "write-file"],
  ["checkpointDir", "--checkpoint-dir", "write-dir"],
  ["processedDataFile", "--processed-data-file", "write-dir"],
];

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

function canAccess(path: string, mode: number): boolean {
  try {
    accessSync(path, mode);
    return true;
  } catch {
    return false;
  }
}

/**
 * The problem with reading `path` (a file, or with `anyKind` also a directory), or undefined;
 * a pipe or device is readable too (`--raw-data-file <(zcat day_0.gz)`).
 */
function readProblem(path: string, anyKind: boolean): string | undefined {
  const st = statOrUndefined(path);
  if (st === undefined) return "does not exist; check the path (relative paths start at the current directory)";
  if (st.isDirectory() && !anyKind) return "is a directory; name a file";
  if (!canAccess(path, constants.R_OK)) return "is not readable; check its permissions";
  return undefined;
}

/** The problem with writing the file `path`, or undefined. */
function writeFileProblem(path: string): string | undefined {
  const st = statOrUndefined(path);
  if (st?.isDirectory() === true) return "is a directory; name a file to write";
  const dir = dirname(path);
  const parent = statOrUndefined(dir);
  if (parent === undefined) return `directory ${dir} does not exist; create it first`;
  if (!parent.isDirectory()) return `${dir} is not a directory; name a path in an existing directory`;
  if (!canAccess(dir, constants.W_OK)) return `directory ${dir} is not writable; check its permissions`;
  if (st !== undefined && !canAccess(path, constants.W_OK)) return "is not writable; check its permissions";
  return undefined;
}

/** The problem with writing into the directory `path` (created when missing), or undefined. */
function writeDirProblem(path: string): string | undefined {
  const st = statOrUndefined(path);
  if (st === undefined) return undefined;
  if (!st.isDirectory()) return "is a file, not a directory; name a directory";
  if (!canAccess(path, constants.R_OK | constants.W_OK)) return "is not readable and writable; check its permissions";
  return undefined;
}

/**
 * Checks every path flag given to `cmd` (a default that was not asked for is left alone);
 * throws a PathError for the first unusable one. --raw-data-file follows dlrm's Terabyte
 * spelling (PREFIX means PREFIX_0, PREFIX_1, ...).
 */
export function checkNamedPaths(cmd: Command): void {
  const o = cmd.opts<Record<string, unknown>>();
  for (const [key, flag, kind] of PATH_FLAGS) {
    const value = o[key];
    if (value === undefined || value === "" || cmd.getOptionValueSource(key) === "default") continue;
    let paths = (Array.isArray(value) ? value : [value]).map(String);
    if (key === "rawDataFile") paths = expandRawFiles(paths, (o.dataSet ?? "kaggle") as CriteoDataSet);
    for (const path of paths) {
      const problem =
        kind === "read-file" || kind === "read-any"
          ? readProblem(path, kind === "read-any")
          : kind === "write-file"
            ? writeFileProblem(path)
            : writeDirProblem(path);
      if (problem !== undefined) throw new PathError(flag, path, problem);
    }
  }
}
