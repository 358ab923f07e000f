/**
 * Every kernel route this CPU can run (routes.ts: each ISA level its /proc/cpuinfo flags
 * allow x each GEMM library built in), each forced in child processes through
 * DLRM_CPU_ISA and DLRM_GEMM_LIBRARY: the addon reports the route; resizing the pool keeps
 * results bit-identical (threads-child.mjs); GEMMs of every tile regime are bit-identical
 * on 1-4 threads and match float64 on sampled entries; whole training steps (every
 * parallel kernel) are bit-identical on 1-3 threads and lazily; and every unit
 * conformance case passes against the reference (route-child.mjs, through dist/).
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { readCpuId } from "./load-env.js";
import { ADDON_PATH } from "./native.js";
import { availableRoutes, OPENBLAS_CORE_FOR, routeEnvironment, supportedLevels, type Route } from "./routes.js";
import { addon, describeNative } from "./test-util.js";

const routeChild = fileURLToPath(new URL("./route-child.mjs", import.meta.url));
const threadsChild = fileURLToPath(new URL("./threads-child.mjs", import.meta.url));
const dist = fileURLToPath(new URL("../dist/index.js", import.meta.url));

interface GemmCheck {
  name: string;
  library: string;
  sameOnThreads: boolean[];
  maxRelError: number;
}
interface RouteReport {
  error?: string;
  info: ReturnType<ReturnType<typeof addon>["info"]>;
  device: string;
  gemm: GemmCheck[];
  steps: { name: string; same: { threads: number; mode: string; same: boolean }[] }[];
  conformance: { run: number; failed: string[]; passedButExpected: string[] };
}
interface ThreadsReport {
  resizes: number;
  reluSameAsFirst: number;
  gemmSameAsFirst: number;
  route: string;
}

/** Runs `script` with the route forced; resolves with its last stdout line parsed. */
function runChild<T>(script: string, args: string[], route: Route): Promise<T> {
  // threads-child loads the addon directly, so OpenBLAS's kernels are passed as the loader would set them.
  const env = { ...process.env, ...routeEnvironment(route), OPENBLAS_CORETYPE: OPENBLAS_CORE_FOR[route.isa] };
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [script, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    p.stdout.on("data", (d: Buffer) => (out += d.toString()));
    p.stderr.on("data", (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => p.kill("SIGKILL"), 180_000);
    p.on("close", (code, signal) => {
      clearTimeout(timer);
      if (code !== 0 || signal !== null)
        reject(new Error(`${script} (${route.isa}/${route.gemm}) exited ${code ?? signal}: ${err}`));
      else resolve(JSON.parse(out.trim().split("\n").pop() ?? "{}") as T);
    });
  });
}

describeNative("every kernel route this CPU can run", () => {
  const cpu = readCpuId();
  const withOneDnn = addon().info().onednn !== "";
  const routes = availableRoutes(cpu, withOneDnn);

  it("enumerates the routes from the CPU's flags and the build", () => {
    expect(existsSync(dist), "build the package first (npm run build -w @dlrm/backend-gaudi)").toBe(true);
    const levels = supportedLevels(cpu);
    expect(levels[0]).toBe("portable");
    if (cpu?.flags.has("avx2") && cpu.flags.has("fma")) expect(levels).toContain("avx2");
    if (cpu?.flags.has("avx512f") && cpu.flags.has("avx512bw")) expect(levels).toContain("avx512");
    expect(routes).toHaveLength(levels.length * (withOneDnn ? 2 : 1));
  });

  for (const route of routes) {
    describe(`route ${route.isa} x ${route.gemm}`, () => {
      let report: RouteReport;
      let threads: ThreadsReport;
      beforeAll(async () => {
        [report, threads] = await Promise.all([
          runChild<RouteReport>(routeChild, [], route),
          runChild<ThreadsReport>(threadsChild, [ADDON_PATH], route),
        ]);
        expect(report.error).toBeUndefined();
      }, 240_000);

      it("the addon and the device string report the forced route, and the libraries follow it", () => {
        expect([report.info.isa, report.info.isaForced, report.info.gemmLibrary]).toEqual([
          route.isa,
          true,
          route.gemm,
        ]);
        expect(report.info.avx2).toBe(route.isa !== "portable");
        expect(report.device).toContain(`ISA ${route.isa} (DLRM_CPU_ISA)`);
        expect(report.device).toContain(`DLRM_GEMM_LIBRARY=${route.gemm}`);
        expect(report.info.blasCore).toBe(OPENBLAS_CORE_FOR[route.isa]);
        if (withOneDnn)
          expect(report.info.onednnIsa).toBe(
            { portable: "sse41", avx2: "avx2", avx512: "avx512_core_bf16" }[route.isa],
          );
        const want = route.gemm === "openblas" ? ["openblas"] : ["onednn-matmul", "onednn-bf16-matmul"];
        for (const g of report.gemm) expect(want, g.name).toContain(g.library);
      });

      it("resizing the pool keeps relu and the bf16 GEMM 512x256x512 bit-identical", () => {
        expect(threads.resizes).toBe(5);
        expect(threads.reluSameAsFirst).toBe(5);
        expect(threads.gemmSameAsFirst).toBe(5);
      });

      it("GEMMs of every tile regime (one tile, column and row slabs, bf16, alpha/beta) are bit-identical on 1-4 threads", () => {
        expect(report.gemm.filter((g) => !g.sameOnThreads.every(Boolean)).map((g) => g.name)).toEqual([]);
        expect(report.gemm.length).toBeGreaterThanOrEqual(8);
      });

      it("those GEMMs match float64 products (of the bf16-rounded operands for bf16) on sampled entries", () => {
        // f32 sums of k products are off by a few ulp of sum |a b|; one wrong term is ~1e-3 of it.
        for (const g of report.gemm) expect(g.maxRelError, g.name).toBeLessThan(4e-6);
      });

      it("training steps (GEMM, bias gradient, embedding bags, sparse and fused Adagrad, interaction) are bit-identical on 1, 2, 3 threads and lazily", () => {
        expect(report.steps).toHaveLength(3);
        for (const s of report.steps)
          expect(
            s.same.filter((x) => !x.same),
            s.name,
          ).toEqual([]);
      });

      it("every unit conformance case passes against the reference (eager, lazy, rerun)", () => {
        expect(report.conformance.run).toBeGreaterThan(100);
        expect(report.conformance.failed).toEqual([]);
        expect(report.conformance.passedButExpected).toEqual([]);
      });
    });
  }
});
