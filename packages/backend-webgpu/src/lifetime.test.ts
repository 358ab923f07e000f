/**
 * Lifetime and limits: a child process that creates, uses and disposes the backend exits
 * by itself within seconds (nothing keeps Node alive); a disposed backend refuses calls;
 * a tensor whose single row is larger than the device's storage binding limit is refused up
 * front, naming the limit and the tensor (larger tensors are split by rows: split.test.ts).
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { WebGpuBackend } from "./backend.js";
import { describeGpu } from "./testing/describe-gpu.js";

const DIST = fileURLToPath(new URL("../dist/index.js", import.meta.url));

const CHILD = `
import { webgpuBackendFactory } from ${JSON.stringify(DIST)};
const be = await webgpuBackendFactory.create({ mode: "lazy" });
const t = be.alloc([8], "f32", "t");
be.fill({ t, value: 2 });
be.markStep();
const v = await be.read(t);
be.dispose();
console.log("read", v[7]);
`;

await describeGpu("webgpu lifetime and limits", () => {
  it("a process that disposes the backend exits by itself within seconds", () => {
    expect(existsSync(DIST), `${DIST} is missing: run npm run build -w @dlrm/backend-webgpu`).toBe(true);
    const started = Date.now();
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", CHILD], { timeout: 15_000, encoding: "utf8" });
    expect(r.signal, `child did not exit by itself; stderr: ${r.stderr}`).toBeNull();
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain("read 2");
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it("a disposed backend throws on use and dispose is idempotent", async () => {
    const be = await WebGpuBackend.create("eager");
    const t = be.alloc([2], "f32");
    be.dispose();
    be.dispose();
    expect(() => be.fill({ t, value: 1 })).toThrow(/disposed/);
    expect(() => be.alloc([1], "f32")).toThrow(/disposed/);
  });

  it("a tensor whose one row exceeds maxStorageBufferBindingSize is refused up front, naming the limit and the tensor", async () => {
    const be = await WebGpuBackend.create("eager");
    try {
      const { maxStorageBufferBindingSize: bind, maxBufferSize: max } = be.limits;
      const name = bind <= max ? "maxStorageBufferBindingSize" : "maxBufferSize";
      const cols = Math.floor(Math.min(bind, max) / 4) + 4;
      expect(() => be.alloc([2, cols], "f32", "emb_l.3.weight")).toThrow(RangeError);
      expect(() => be.alloc([2, cols], "f32", "emb_l.3.weight")).toThrow(
        new RegExp(`emb_l\\.3\\.weight.*${name}.*one row`),
      );
    } finally {
      be.dispose();
    }
  });

  it("info names the adapter and the native API", async () => {
    const be = await WebGpuBackend.create("eager");
    try {
      expect(be.info.name).toBe("webgpu");
      expect(be.info.device).toMatch(/via Dawn on (Vulkan|Metal|D3D12)/);
    } finally {
      be.dispose();
    }
  });
});
