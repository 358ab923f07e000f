/**
 * `dlrm plan` with --qr-flag, --md-flag and --weighted-pooling learned (the built CLI): every
 * table whole on one rank, each rank's parameters and optimizer state counted from the stored
 * tables (QR's weight_q and weight_r, MD's narrow table and projection, v_W_l.<t> with its
 * Adagrad state), the table lines naming the stored shapes, and --sharding row refused.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const MAIN = fileURLToPath(new URL("../../bin/dlrm.js", import.meta.url));

function plan(extra: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(
    process.execPath,
    [
      MAIN,
      "plan",
      ...["--arch-embedding-size", "100000-50", "--arch-sparse-feature-size", "16", "--arch-mlp-bot", "13-16"],
      ...["--arch-mlp-top", "1", "--mini-batch-size", "32", "--world-size", "2", ...extra],
    ],
    { encoding: "utf8", timeout: 60_000, env: { ...process.env, DLRM_DEBUG: "" } },
  );
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface Json {
  mlpParameters: number;
  placements: { table: number; kind: string; ranks: number[]; reason: string }[];
  perRank: { parameterBytes: number; optimizerBytes: number }[];
}

/** The plan's JSON and the rank holding table 0 (the large one). */
function planJson(extra: string[]): { json: Json; big: Json["perRank"][number]; mlp: number } {
  const r = plan([...extra, "--json"]);
  expect(r.status, r.stderr).toBe(0);
  const json = JSON.parse(r.stdout) as Json;
  expect(json.placements.map((p) => p.kind)).toEqual(["table", "table"]);
  return { json, big: json.perRank[json.placements[0]!.ranks[0]!]!, mlp: json.mlpParameters * 4 };
}

describe("dlrm plan counts compressed tables and pooling weights as stored", () => {
  it("--qr-flag: weight_q and weight_r with Adagrad state", () => {
    const { big, mlp } = planJson(["--qr-flag", "--qr-collisions", "7", "--optimizer", "adagrad"]);
    expect(big.parameterBytes - mlp).toBe((Math.ceil(100_000 / 7) + 7) * 16 * 4);
    expect(big.optimizerBytes - mlp).toBe((Math.ceil(100_000 / 7) + 7) * 16 * 4);
  });

  it("--md-flag: the narrow table and its projection; the table line names both", () => {
    const { big, mlp } = planJson(["--md-flag", "--md-round-dims", "--optimizer", "sgd"]);
    expect(big.parameterBytes - mlp).toBe((100_000 * 2 + 16 * 2) * 4);
    expect(big.optimizerBytes).toBe(0);
    const r = plan(["--md-flag", "--md-round-dims", "--optimizer", "sgd"]);
    expect(r.stdout).toMatch(
      /table 0 \(100000 x 16\): table on rank \d: embs\.weight 100000 x 2 \+ proj\.weight 16 x 2, /,
    );
  });

  it("--weighted-pooling learned: v_W_l.<t> and its Adagrad state on its table's rank", () => {
    const { big, mlp } = planJson(["--weighted-pooling", "learned", "--optimizer", "adagrad"]);
    expect(big.parameterBytes - mlp).toBe(100_000 * 17 * 4);
    expect(big.optimizerBytes - mlp).toBe(100_000 * 17 * 4);
  });

  it("--sharding row with --qr-flag is refused in one line naming --sharding", () => {
    const r = plan(["--qr-flag", "--sharding", "row"]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe(
      "dlrm: error: --sharding row: cannot be combined with --qr-flag: its tables are placed whole on one rank each; use --sharding auto or table",
    );
  });
});
