#!/usr/bin/env node
/**
 * clang-format over every tracked C++ file (the native addons' .cc and .h), with the
 * lockfile-pinned clang-format from npm and the root .clang-format style.
 * `--check` (the default) fails listing the files that differ; `--write` formats in place.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const write = process.argv.includes("--write");
const root = join(dirname(new URL(import.meta.url).pathname), "..");
const files = execFileSync("git", ["ls-files", "*.cc", "*.h"], { cwd: root, encoding: "utf8" })
  .split("\n")
  .filter((f) => f.length > 0);
const binary = join(dirname(createRequire(import.meta.url).resolve("clang-format/package.json")), "index.js");
const args = write ? ["-i", ...files] : ["--dry-run", "--Werror", ...files];
const run = spawnSync(process.execPath, [binary, "--style=file", ...args], { cwd: root, encoding: "utf8" });
if (run.status !== 0) {
  const bad = [...new Set([...(run.stderr ?? "").matchAll(/^(\S+?):\d+:\d+: (?:error|warning)/gm)].map((m) => m[1]))];
  process.stderr.write(
    bad.length > 0
      ? `clang-format: ${bad.length} file(s) not formatted (run npm run format):\n  ${bad.join("\n  ")}\n`
      : run.stderr,
  );
  process.exit(1);
}
console.log(`clang-format: ${files.length} C++ files ${write ? "formatted" : "clean"}`);
