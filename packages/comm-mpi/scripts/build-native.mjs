#!/usr/bin/env node
/**
 * Builds the Open MPI addon (build/Release/dlrm_comm_mpi.node) with cmake-js when CMake, a
 * C++ compiler and Open MPI's development files are present. When one is missing it prints
 * one line naming what is missing and the command that installs it, and exits 0 (the
 * TypeScript part still builds; `mpiAvailable()` then says why). `--never-fail` (the npm
 * install hook) also turns a failed compile into that one line; otherwise a compile error
 * fails the build. DLRM_SKIP_NATIVE=1 skips.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const pkg = join(dirname(fileURLToPath(import.meta.url)), "..");
const neverFail = process.argv.includes("--never-fail");
const hint =
  "run bash scripts/install-native-deps.sh (Debian/Ubuntu: openmpi-bin libopenmpi-dev), then npm run build -w @dlrm/comm-mpi";

function ok(cmd, args) {
  const r = spawnSync(cmd, args, { stdio: "ignore" });
  return r.status === 0;
}

/** mpi.h where CMake's FindMPI looks for it: mpicc knows, else the usual Debian/Red Hat places. */
function hasMpiHeaders() {
  if (ok("mpicc", ["--showme:incdirs"])) return true;
  const incs = [
    "/usr/include/x86_64-linux-gnu/openmpi",
    "/usr/include/aarch64-linux-gnu/openmpi",
    "/usr/lib/x86_64-linux-gnu/openmpi/include",
    "/usr/include/openmpi-x86_64",
    "/usr/local/include",
  ];
  return incs.some((d) => existsSync(join(d, "mpi.h")));
}

if (process.env.DLRM_SKIP_NATIVE === "1") {
  console.log("@dlrm/comm-mpi: native addon skipped (DLRM_SKIP_NATIVE=1)");
  process.exit(0);
}

const missing = [];
if (!ok("cmake", ["--version"])) missing.push("cmake");
if (!ok("c++", ["--version"]) && !ok("g++", ["--version"])) missing.push("a C++17 compiler (g++)");
if (!hasMpiHeaders()) missing.push("Open MPI (libopenmpi-dev)");
if (missing.length > 0) {
  console.log(`@dlrm/comm-mpi: native addon not built, missing ${missing.join(", ")}: ${hint}`);
  process.exit(0);
}

let cmakeJs;
try {
  cmakeJs = createRequire(import.meta.url).resolve("cmake-js/bin/cmake-js");
} catch {
  console.log("@dlrm/comm-mpi: native addon not built, missing the cmake-js package: run npm install");
  process.exit(0);
}

const r = spawnSync(process.execPath, [cmakeJs, "compile", "--parallel", "2", "--log-level", "warn"], {
  cwd: pkg,
  stdio: "inherit",
});
if (r.status !== 0) {
  const line = `@dlrm/comm-mpi: native addon build failed (cmake-js exit ${r.status ?? r.signal}); see the output above`;
  if (neverFail) {
    console.log(line);
    process.exit(0);
  }
  console.error(line);
  process.exit(1);
}
