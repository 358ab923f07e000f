/**
 * The typed binding of the native addon (build/Release/dlrm_gaudi.node) and its loader.
 * The addon takes tensor ids (numbers) where the contract has Tensors; every method
 * validates its arguments and throws TypeError / RangeError naming the argument.
 * `loadNative()` never throws: it says why the addon is missing and how to build it.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { withLoadEnvironment } from "./load-env.js";
import { RouteSettingError } from "./routes.js";

/** One engine: a tensor table, the ops, and eager or (async) lazy execution. */
export interface NativeEngine {
  alloc(size: number, dtype: "f32" | "i32", label: string): number;
  free(id: number): void;
  write(id: number, data: Float32Array | Int32Array, offset: number): void;
  /** Copies the tensor into `out` (same kind, exactly its size); throws while a lazy step runs. */
  read(id: number, out: Float32Array | Int32Array): void;
  /** Lazy: queues the recorded ops as one step, run off the JS thread. Throws a failed step's error. */
  markStep(): void;
  /** Settles when every queued step has run; rejects with the first failed op's error. */
  sync(): Promise<void>;
  /** True while a lazy step is queued or running. */
  busy(): boolean;
  stats(): { submissions: number; recordedOps: number; tensors: number };
  dispose(): void;
  /** Ops of the contract, with tensor ids for tensors (see backend.ts for each). */
  [op: string]: unknown;
}

export interface NativeAddon {
  Engine: new (lazy: boolean) => NativeEngine;
  /**
   * The route in force and the build: `isa` the level (forced by DLRM_CPU_ISA when
   * `isaForced`, else the CPU's highest), `gemmLibrary` DLRM_GEMM_LIBRARY's setting,
   * `cpuFeatures` the flags the levels depend on, `onednnIsa` oneDNN's instruction ceiling;
   * blasThreading: "openmp" for OpenBLAS's OpenMP build, "pthreads" for its own threads
   * (either way it runs single-threaded inside the pool's GEMM tiles, blasThreads 1).
   */
  info(): {
    avx2: boolean;
    isa: "portable" | "avx2" | "avx512";
    isaForced: boolean;
    gemmLibrary: "auto" | "openblas" | "onednn";
    cpuFeatures: string;
    onednnIsa: string;
    threads: number;
    blasThreads: number;
    blas: string;
    blasCore: string;
    blasThreading: "openmp" | "pthreads" | "serial";
    onednn: string;
    device: string;
  };
  setThreads(n: number): void;
  /** Which library runs a GEMM of this shape with alpha 1, beta 0, fp32 or bf16 (gemm_route.h). */
  gemmLibrary(
    m: number,
    n: number,
    k: number,
    transA: boolean,
    transB: boolean,
    bf16?: boolean,
  ): "openblas" | "onednn-matmul" | "onednn-bf16-matmul";
}

/** The command that builds the addon, and the script that installs what it needs. */
export const BUILD_HINT =
  "run scripts/install-native-deps.sh (cmake, g++, libopenblas-dev), then npm run build -w @dlrm/backend-gaudi";

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), "..");

/** Where the built addon lives. */
export const ADDON_PATH = join(packageRoot, "build", "Release", "dlrm_gaudi.node");

let cached: { addon?: NativeAddon; reason?: string } | undefined;

/** Loads the addon once; `reason` is a one-line explanation and remedy when it cannot. */
export function loadNative(): { addon?: NativeAddon; reason?: string } {
  if (cached !== undefined) return cached;
  if (!existsSync(ADDON_PATH)) {
    cached = { reason: `the native addon is not built (${ADDON_PATH} is missing): ${BUILD_HINT}` };
    return cached;
  }
  try {
    const require = createRequire(import.meta.url);
    cached = { addon: withLoadEnvironment(() => require(ADDON_PATH) as NativeAddon) };
  } catch (e) {
    const first = String(e instanceof Error ? e.message : e).split("\n")[0] ?? "";
    // A refused DLRM_CPU_ISA / DLRM_GEMM_LIBRARY (here or by the addon) is the user's setting, not the build.
    const setting = e instanceof RouteSettingError || /^DLRM_(CPU_ISA|GEMM_LIBRARY)=/.test(first);
    cached = {
      reason: setting
        ? `the native backend refuses its settings: ${first}`
        : `the native addon failed to load (${first}): ${BUILD_HINT}`,
    };
  }
  return cached;
}
