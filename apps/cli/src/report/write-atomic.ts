/**
 * Writes a file so that a reader never sees half of it: the text goes to a temporary file
 * beside the target (same directory, so the same file system), which is then renamed over
 * it in one step. A browser refreshing the report sees the old page or the new one.
 */
import { renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";

/** Replaces `path` with `text` atomically; the temporary file is removed when the write fails. */
export function writeFileAtomic(path: string, text: string): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}
