/**
 * Tests of backend selection: a name, `auto` with fallbacks and their reasons, and the
 * errors for unknown or unavailable backends. Uses stub factories, not real backends.
 */
import { describe, expect, it } from "vitest";
import type { Backend, BackendFactory } from "@dlrm/core";
import { BackendUnavailableError, openBackend, resolveBackend } from "./resolve.js";
import { BACKENDS, backendNames } from "./registry.js";

function stubBackend(name: string): Backend {
  return { info: { name, device: "stub", deterministic: true, precisions: ["fp32"] } } as unknown as Backend;
}

function stub(name: string, reason?: string, createError?: string): BackendFactory {
  return {
    name,
    unavailableReason: async () => reason,
    create: async () => {
      if (createError !== undefined) throw new Error(createError);
      return stubBackend(name);
    },
  };
}

describe("resolveBackend", () => {
  it("auto picks the first available backend and notes the ones passed over", async () => {
    const registry = [stub("fast", "no GPU adapter"), stub("mid"), stub("slow")];
    const r = await resolveBackend("auto", registry);
    expect(r.factory.name).toBe("mid");
    expect(r.fallbackNotes).toEqual(["fast: no GPU adapter"]);
  });

  it("auto with everything available takes the first, with no notes", async () => {
    const r = await resolveBackend("auto", [stub("a"), stub("b")]);
    expect(r.factory.name).toBe("a");
    expect(r.fallbackNotes).toEqual([]);
  });

  it("a name returns that backend even when an earlier one is available", async () => {
    const r = await resolveBackend("b", [stub("a"), stub("b")]);
    expect(r.factory.name).toBe("b");
  });

  it("a named backend that cannot start throws its reason", async () => {
    await expect(resolveBackend("a", [stub("a", "addon not built: run npm run build:native")])).rejects.toThrow(
      /backend "a" is not available: addon not built/,
    );
  });

  it("an unknown name lists the known ones", async () => {
    await expect(resolveBackend("tpu", [stub("a"), stub("b")])).rejects.toThrow(
      /unknown backend "tpu" \(known: auto, a, b\)/,
    );
  });

  it("auto with nothing available gives every reason", async () => {
    const err = await resolveBackend("auto", [stub("a", "r1"), stub("b", "r2")]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendUnavailableError);
    expect((err as Error).message).toBe("no backend is available (a: r1; b: r2)");
  });
});

describe("openBackend", () => {
  it("auto passes over a backend whose create fails, keeping every note", async () => {
    const registry = [stub("a", "r1"), stub("b", undefined, "out of memory"), stub("c")];
    const r = await openBackend("auto", {}, registry);
    expect(r.backend.info.name).toBe("c");
    expect(r.fallbackNotes).toEqual(["a: r1", "b: failed to start: out of memory"]);
  });

  it("a named backend whose create fails throws", async () => {
    await expect(openBackend("b", {}, [stub("b", undefined, "boom")])).rejects.toThrow(
      /backend "b" failed to start: boom/,
    );
  });

  it("auto throws with every note when nothing starts", async () => {
    await expect(openBackend("auto", {}, [stub("a", "r1"), stub("b", undefined, "boom")])).rejects.toThrow(
      "no backend could start (a: r1; b: failed to start: boom)",
    );
  });
});

describe("BACKENDS", () => {
  it("lists wasm before the reference oracle, which comes last", () => {
    const names = backendNames();
    expect(names.indexOf("wasm")).toBeGreaterThanOrEqual(0);
    expect(names.indexOf("wasm")).toBeLessThan(names.indexOf("reference"));
    expect(names[names.length - 1]).toBe("reference");
    expect(new Set(names).size).toBe(BACKENDS.length);
  });

  it("the reference backend is always available", async () => {
    const r = await resolveBackend("reference");
    expect(await r.factory.unavailableReason()).toBeUndefined();
  });
});
