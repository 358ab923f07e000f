#!/usr/bin/env node
/**
 * Builds the native addon with cmake-js when CMake, a C++ compiler and OpenBLAS are
 * present. When one is missing it prints one line naming what is missing and the script
 * that installs it, and exits 0 (the TypeScript part still builds; the backend reports
 * itself unavailable). `--never-fail` (the npm install hook) also turns a failed compile
 * into that one line; otherwise a compile error fails the build. DLRM_SKIP_NATIVE=1 skips.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const pkg = join(dirname(fileURLToPath(import.meta.url)), "..");
const neverFail = process.argv.includes("--never-fail");
const hint = "run scripts/install-native-deps.sh (Debian/Ubuntu), then npm run build -w @dlrm/backend-gaudi";

function ok(cmd, args) {
  const r = spawnSync(cmd, args, { stdio: "ignore" });
  return r.status === 0;
}

function hasOpenBlas() {
  const incs = [
    "/usr/include",
    "/usr/include/openblas",
    "/usr/include/x86_64-linux-gnu",
    "/usr/include/aarch64-linux-gnu",
    "/usr/local/include",
    "/usr/local/include/openblas",
  ];
  const libs = ["/usr/lib", "/usr/lib64", "/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/local/lib"];
  const header = incs.some((d) => existsSync(join(d, "cblas.h")));
  const lib = libs.some((d) => existsSync(d) && readdirSync(d).some((f) => /^libopenblas\.(so|a|dylib)/.test(f)));
  return header && lib;
}

if (process.env.DLRM_SKIP_NATIVE === "1") {
  console.log("@dlrm/backend-gaudi: native addon skipped (DLRM_SKIP_NATIVE=1)");
  process.exit(0);
}

const missing = [];
if (!ok("cmake", ["--version"])) missing.push("cmake");
if (!ok("c++", ["--version"]) && !ok("g++", ["--version"])) missing.push("a C++17 compiler (g++)");
if (!hasOpenBlas()) missing.push("OpenBLAS (libopenblas-dev)");
if (missing.length > 0) {
  console.log(`@dlrm/backend-gaudi: native addon not built, missing ${missing.join(", ")}: ${hint}`);
  process.exit(0);
}

let cmakeJs;
try {
  cmakeJs = createRequire(import.meta.url).resolve("cmake-js/bin/cmake-js");
} catch {
  console.log("@dlrm/backend-gaudi: native addon not built, missing the cmake-js package: run npm install");
  process.exit(0);
}

const extra = process.env.DLRM_SANITIZE === "1" ? ["--CDDLRM_SANITIZE=ON"] : [];
const r = spawnSync(process.execPath, [cmakeJs, "compile", "--parallel", "2", "--log-level", "warn", ...extra], {
  cwd: pkg,
  stdio: "inherit",
});
if (r.status !== 0) {
  const line = `@dlrm/backend-gaudi: native addon build failed (cmake-js exit ${r.status ?? r.signal}); see the output above`;
  if (neverFail) {
    console.log(line);
    process.exit(0);
  }
  console.error(line);
  process.exit(1);
}
