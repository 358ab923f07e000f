/**
 * The start-up block of `dlrm train` names the backend with core's backendLabel: the
 * backend named "gaudi" computes on the host CPU and says so beside its name.
 */
import { describe, expect, it } from "vitest";
import { DEFAULT_TRAIN_CONFIG, ReferenceBackend, type Backend, type BatchSource } from "@dlrm/core";
import { startupLines } from "./startup-report.js";

const source: BatchSource = {
  batchesPerEpoch: 1,
  maxIndicesPerBag: 1,
  description: "random",
  batches: async function* () {},
};

function linesFor(name: string): string[] {
  const backend: Backend = Object.assign(new ReferenceBackend(), { info: { ...new ReferenceBackend().info, name } });
  return startupLines({
    config: DEFAULT_TRAIN_CONFIG,
    backend,
    requestedBackend: name,
    fallbackNotes: [],
    source,
    notes: [],
  });
}

describe("start-up block", () => {
  it("says gaudi runs natively on the host CPU", () => {
    expect(linesFor("gaudi")).toContain("  backend     gaudi native (host CPU) (--backend gaudi)");
  });

  it("names other backends plainly", () => {
    expect(linesFor("wasm")).toContain("  backend     wasm (--backend wasm)");
  });
});
