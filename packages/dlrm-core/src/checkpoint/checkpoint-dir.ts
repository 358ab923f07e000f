/**
 * A directory of periodic checkpoints, `checkpoint-<step>.safetensors`: the newest K are
 * kept; resuming from a directory takes the newest one that loads, and says out loud when
 * it falls back past a damaged one. A missing path is an error, never a fresh start.
 */
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { loadCheckpoint, saveCheckpoint, type Checkpoint } from "./checkpoint.js";

const NAME = /^checkpoint-(\d+)\.safetensors$/;

/** The file name of the checkpoint after `step` steps. */
export function checkpointName(step: number): string {
  return `checkpoint-${String(step).padStart(9, "0")}.safetensors`;
}

/** Checkpoint files in `dir`, newest (highest step) first. */
export function listCheckpoints(dir: string): string[] {
  return readdirSync(dir)
    .map((f) => ({ f, m: NAME.exec(f) }))
    .filter((e): e is { f: string; m: RegExpExecArray } => e.m !== null)
    .sort((a, b) => Number(b.m[1]) - Number(a.m[1]))
    .map((e) => join(dir, e.f));
}

/** Saves `c` into `dir` as the checkpoint of its step and deletes all but the newest `keep`. */
export function saveToCheckpointDir(dir: string, c: Checkpoint, keep: number): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, checkpointName(c.state.step));
  saveCheckpoint(path, c);
  pruneCheckpoints(dir, keep);
  return path;
}

/** Deletes all but the newest `keep` (at least one) checkpoints in `dir`. */
export function pruneCheckpoints(dir: string, keep: number): void {
  for (const old of listCheckpoints(dir).slice(Math.max(keep, 1))) rmSync(old, { force: true });
}

/**
 * Loads the checkpoint at `path` (a file, or a directory's newest loadable one). Damaged
 * newer files are reported through `warn` and skipped; no loadable checkpoint is an error.
 */
export function resolveResume(
  path: string,
  warn: (message: string) => void,
  wanted: (name: string) => boolean = () => true,
): { path: string; checkpoint: Checkpoint } {
  if (!existsSync(path)) throw new Error(`--resume ${path}: no such file or directory (refusing to start fresh)`);
  if (!statSync(path).isDirectory()) return { path, checkpoint: loadCheckpoint(path, wanted) };
  const files = listCheckpoints(path);
  if (files.length === 0)
    throw new Error(`--resume ${path}: the directory holds no checkpoint-<step>.safetensors file`);
  const errors: string[] = [];
  for (const file of files) {
    try {
      const checkpoint = loadCheckpoint(file, wanted);
      if (errors.length > 0)
        warn(`resuming from ${file}, the newest checkpoint that loads; skipped: ${errors.join("; ")}`);
      return { path: file, checkpoint };
    } catch (e) {
      errors.push((e as Error).message);
    }
  }
  throw new Error(`--resume ${path}: no checkpoint loads: ${errors.join("; ")}`);
}
