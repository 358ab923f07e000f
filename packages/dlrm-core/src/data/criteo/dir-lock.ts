/**
 * An exclusive lock beside a processed directory (`<dir>.lock`, holding the owner's pid and
 * host), so two processes never build the same directory at once: a second one waits until
 * the first is done (then finds the work done), and a lock left by a dead process is taken
 * over. Used by preprocessCriteo around everything it reads and writes in the directory.
 */
import { hostname } from "node:os";
import { closeSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";

const POLL_MS = 200;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The lock's owner when it is held by a live process on this host, else undefined. */
function liveOwner(path: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
  const [pid, host] = text.trim().split(" ");
  const n = Number(pid);
  if (host !== hostname()) return Number.isInteger(n) ? n : -1;
  return Number.isInteger(n) && n > 0 && alive(n) ? n : undefined;
}

/** Runs `fn` holding `<dir>.lock`; `onWait(pid)` is called once if another process holds it. */
export async function withDirectoryLock<T>(
  dir: string,
  fn: () => Promise<T>,
  onWait?: (pid: number) => void,
): Promise<T> {
  const path = `${dir}.lock`;
  let told = false;
  for (;;) {
    try {
      const fd = openSync(path, "wx");
      writeSync(fd, `${process.pid} ${hostname()}\n`);
      closeSync(fd);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
    const owner = liveOwner(path);
    if (owner === undefined) {
      rmSync(path, { force: true });
      continue;
    }
    if (!told) onWait?.(owner);
    told = true;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  try {
    return await fn();
  } finally {
    rmSync(path, { force: true });
  }
}
