/**
 * The start-of-job check that every rank runs the same job: each rank's fingerprint (parsed
 * configuration and CLI options, data files' sizes and times, the build) is all-gathered,
 * and every rank compares every other with rank 0's, so all refuse together, naming the
 * first difference.
 */
import { createHash } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import type { Communicator } from "@dlrm/core";
import { UsageError } from "../errors.js";
import type { TrainSetup } from "../shared/train-options.js";

/** Ranks started differently; every rank throws it, rank 0 prints it. */
export class RanksDisagreeError extends UsageError {
  constructor(message: string) {
    super("multi-process start", message);
    this.name = "RanksDisagreeError";
  }
}

function fileFacts(path: string): string {
  try {
    const s = statSync(path);
    return `${s.isDirectory() ? "directory" : `${s.size} bytes`}, modified ${s.mtime.toISOString()}`;
  } catch {
    return "missing";
  }
}

/** A hash of the code this rank runs: the CLI's and core's compiled training path. */
function buildId(): string {
  const h = createHash("sha256");
  const core = new URL(import.meta.resolve("@dlrm/core"));
  const files = [
    new URL("../main.js", import.meta.url),
    new URL("../run-train.js", import.meta.url),
    new URL("../shared/train-options.js", import.meta.url),
    core,
    new URL("model/dlrm.js", core),
    new URL("train/trainer.js", core),
    new URL("parallel/hybrid-step.js", core),
  ];
  for (const url of files) {
    try {
      h.update(readFileSync(url));
    } catch {
      h.update(url.href);
    }
  }
  return h.digest("hex").slice(0, 16);
}

/** Flat "path = JSON value" pairs, in a stable order, of what must match on every rank. */
export function fingerprint(setup: TrainSetup): [string, string][] {
  const out: [string, string][] = [];
  const walk = (prefix: string, v: unknown): void => {
    if (v !== null && typeof v === "object" && !Array.isArray(v)) {
      for (const k of Object.keys(v).sort())
        walk(prefix === "" ? k : `${prefix}.${k}`, (v as Record<string, unknown>)[k]);
    } else {
      out.push([prefix, JSON.stringify(v)]);
    }
  };
  const { worldSize: _w, worldSizeGiven: _g, ...cli } = setup.cli;
  walk("", { config: setup.config, data: setup.data, cli, dataset: setup.dataset ?? null });
  const files = setup.dataset?.rawFiles ?? (setup.data.kind === "criteo-tsv" ? [setup.data.path] : []);
  for (const f of files) out.push([`data file ${f}`, fileFacts(f)]);
  out.push(["build", buildId()]);
  return out;
}

/** Throws RanksDisagreeError on every rank unless every rank's fingerprint equals rank 0's. */
export async function checkRanksAgree(comm: Communicator, mine: [string, string][]): Promise<void> {
  if (comm.worldSize === 1) return;
  const bytes = new TextEncoder().encode(JSON.stringify(mine));
  const lengths = new Int32Array(comm.worldSize);
  lengths[comm.rank] = bytes.length;
  await comm.allReduceSum(lengths);
  const all = new Uint8Array(lengths.reduce((a, n) => a + n, 0));
  await comm.allGatherV(bytes, all, [...lengths]);
  const decoder = new TextDecoder();
  let at = 0;
  const prints = [...lengths].map((n) => {
    const p = JSON.parse(decoder.decode(all.subarray(at, at + n))) as [string, string][];
    at += n;
    return new Map(p);
  });
  const first = prints[0]!;
  for (let r = 1; r < prints.length; r++) {
    const other = prints[r]!;
    for (const key of new Set([...first.keys(), ...other.keys()])) {
      if (first.get(key) !== other.get(key)) {
        throw new RanksDisagreeError(
          `rank ${r} was started differently from rank 0: ${key} is ${other.get(key) ?? "absent"} on rank ${r}, ${first.get(key) ?? "absent"} on rank 0; start every rank with the same flags, seed, data and build`,
        );
      }
    }
  }
}
