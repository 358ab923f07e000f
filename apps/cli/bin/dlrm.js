#!/usr/bin/env node
/**
 * The `dlrm` launcher npm links into node_modules/.bin. It is committed (not built) so
 * that `npm install` can link it before the root `prepare` script builds dist/; it
 * only loads the built CLI, dist/main.js, or says how to build it.
 */
try {
  await import("../dist/main.js");
} catch (err) {
  const missing = err && err.code === "ERR_MODULE_NOT_FOUND" && String(err.message).includes("dist/main.js");
  if (!missing) throw err;
  process.stderr.write("dlrm: error: the CLI is not built yet; run `npm run build` at the repository root\n");
  process.exitCode = 1;
}
