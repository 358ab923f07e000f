/**
 * The pieces that need no MPI job: mpirun's flags, launcher detection, finding mpirun, the
 * availability report, and that MPI is never initialised outside mpirun (MpiCommunicator
 * and the addon's init() both refuse before calling MPI_Init).
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { availableParallelism } from "node:os";
import {
  findMpirun,
  mpiAvailable,
  MPIRUN_ROOT_ENV,
  mpirunArgs,
  mpirunSlots,
  MpiCommunicator,
  underMpiLauncher,
} from "./index.js";
import { loadNative } from "./native.js";
import { describeMpi } from "./test-util.js";

describe("mpirunArgs", () => {
  it("a loopback-only job on one machine, as an ordinary user", () => {
    expect(mpirunArgs({ np: 2, asRoot: false, oversubscribe: false, cores: 4 })).toEqual([
      "-np",
      "2",
      "--bind-to",
      "none",
      "--mca",
      "btl",
      "self,vader",
      "--mca",
      "oob_tcp_if_include",
      "lo",
      "--mca",
      "btl_tcp_if_include",
      "lo",
    ]);
  });
  it("--oversubscribe when np exceeds the cores or when asked; --allow-run-as-root as root", () => {
    expect(mpirunArgs({ np: 3, asRoot: false, oversubscribe: false, cores: 2 })).toContain("--oversubscribe");
    expect(mpirunArgs({ np: 2, asRoot: false, oversubscribe: true, cores: 8 })).toContain("--oversubscribe");
    expect(mpirunArgs({ np: 2, asRoot: false, oversubscribe: false, cores: 2 })).not.toContain("--oversubscribe");
    expect(mpirunArgs({ np: 2, asRoot: true, oversubscribe: false, cores: 2 })).toContain("--allow-run-as-root");
    expect(mpirunArgs({ np: 2, asRoot: false, oversubscribe: false, cores: 2 })).not.toContain("--allow-run-as-root");
    expect(mpirunArgs({ np: 2, asRoot: true, oversubscribe: true })).not.toContain("-x");
  });
  it("rejects a non-positive or fractional np", () => {
    for (const np of [0, -1, 1.5, NaN])
      expect(() => mpirunArgs({ np, asRoot: false, oversubscribe: false })).toThrow(RangeError);
  });
  it("slots are physical cores, at least 1 and at most availableParallelism()", () => {
    const slots = mpirunSlots();
    expect(Number.isInteger(slots) && slots >= 1 && slots <= availableParallelism()).toBe(true);
  });
  it("the root environment", () => {
    expect(MPIRUN_ROOT_ENV).toEqual({ OMPI_ALLOW_RUN_AS_ROOT: "1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM: "1" });
  });
});

describe("underMpiLauncher", () => {
  it("true under mpirun (OMPI_COMM_WORLD_SIZE) or a PMIx launcher (PMIX_RANK), false otherwise", () => {
    expect(underMpiLauncher({ OMPI_COMM_WORLD_SIZE: "2" })).toBe(true);
    expect(underMpiLauncher({ PMIX_RANK: "0" })).toBe(true);
    expect(underMpiLauncher({})).toBe(false);
    expect(underMpiLauncher({ OMPI_COMM_WORLD_SIZE: "" })).toBe(false);
    expect(underMpiLauncher({ PATH: "/usr/bin" })).toBe(false);
  });
  it("this test process was not started by mpirun", () => {
    expect(underMpiLauncher()).toBe(false);
  });
});

describe("findMpirun", () => {
  it("finds an executable mpirun on PATH, and nothing on an empty PATH", () => {
    const dir = mkdtempSync(join(tmpdir(), "dlrm-mpirun-"));
    try {
      writeFileSync(join(dir, "mpirun"), "#!/bin/sh\n");
      expect(findMpirun(`/nonexistent:${dir}`)).toBeUndefined();
      chmodSync(join(dir, "mpirun"), 0o755);
      expect(findMpirun(`/nonexistent:${dir}`)).toBe(join(dir, "mpirun"));
      expect(findMpirun("")).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("mpiAvailable", () => {
  it("ok, or a reason that names the build command", () => {
    const a = mpiAvailable();
    if (a.ok) expect(loadNative().addon).toBeDefined();
    else expect(a.reason).toContain("npm run build -w @dlrm/comm-mpi");
  });
});

describeMpi("MPI is never initialised outside mpirun", () => {
  it("MpiCommunicator.create() rejects, naming mpirun", async () => {
    await expect(MpiCommunicator.create()).rejects.toThrow(/not started by mpirun/);
  });
  it("the addon's init() throws before MPI_Init", () => {
    expect(() => loadNative().addon!.init()).toThrow(/not started by mpirun/);
  });
  it("collectives before init() throw instead of touching MPI", () => {
    expect(() => loadNative().addon!.barrier()).toThrow(/not initialised/);
  });
});
