/**
 * Where a benchmark or conformance result was measured: the machine (CPU model, cores,
 * memory, Node), the git commit of the working tree, and each backend's package version,
 * and the command line that ran, so a figure is never read without its context.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { availableParallelism, cpus, platform, arch, totalmem } from "node:os";
import { dirname, join, relative } from "node:path";

/** The machine a result came from. */
export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryBytes: number;
  node: string;
  platform: string;
}

/** CPU model, usable cores, total memory, Node version and OS/architecture of this machine. */
export function machineInfo(): MachineInfo {
  return {
    cpu: cpus()[0]?.model ?? "unknown",
    cores: availableParallelism(),
    memoryBytes: totalmem(),
    node: process.version,
    platform: `${platform()}-${arch()}`,
  };
}

/**
 * `git rev-parse HEAD` (with "-dirty" when tracked files changed) of the repository holding
 * the current directory, else of the one holding this package; null when neither is a repository.
 */
export function gitCommit(): string | null {
  return commitIn(process.cwd()) ?? commitIn(dirname(new URL(import.meta.url).pathname));
}

function commitIn(cwd: string): string | null {
  try {
    const head = execFileSync("git", ["rev-parse", "HEAD"], {
      cwd,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
    const dirty = execFileSync("git", ["status", "--porcelain", "--untracked-files=no"], {
      cwd,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
    return dirty.length > 0 ? `${head}-dirty` : head;
  } catch {
    return null;
  }
}

/** The npm package that holds a registered backend: the reference lives in @dlrm/core, others in @dlrm/backend-<name>. */
export function backendPackage(name: string): string {
  return name === "reference" ? "@dlrm/core" : `@dlrm/backend-${name}`;
}

const require = createRequire(import.meta.url);

/** "<package>@<version>" of a backend's package, or "<package>@unknown" when it cannot be found. */
export function backendVersion(name: string): string {
  const pkg = backendPackage(name);
  try {
    let dir = dirname(require.resolve(pkg));
    for (let i = 0; i < 6; i++) {
      const file = join(dir, "package.json");
      if (existsSync(file)) {
        const json = JSON.parse(readFileSync(file, "utf8")) as { name?: string; version?: string };
        if (json.name === pkg) return `${pkg}@${json.version ?? "unknown"}`;
      }
      dir = dirname(dir);
    }
  } catch {
    // not resolvable from here: reported as unknown below
  }
  return `${pkg}@unknown`;
}

/** The command line of this process as a user would type it: "node apps/cli/bin/dlrm.js bench --config kaggle ...". */
export function commandLine(argv: readonly string[] = process.argv): string {
  const quote = (a: string): string => (/^[\w./,:=@+-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`);
  const [, script, ...args] = argv;
  const rel = script === undefined ? "dlrm" : relative(process.cwd(), script) || script;
  return ["node", rel, ...args].map(quote).join(" ");
}
