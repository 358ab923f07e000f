/**
 * The synthetic multi-hot lookups against numpy's own draws (fixtures/multi-hot-ids.json,
 * made by tools/torch/multi_hot_ids.py as torchrec_dlrm's multi_hot.py draws them):
 * uniform and pareto, id for id, including pareto draws past int32.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { multiHotTables } from "./multi-hot.js";

const fixture = JSON.parse(
  readFileSync(new URL("../../../../fixtures/multi-hot-ids.json", import.meta.url), "utf8"),
) as { rows: number[]; sizes: number[]; seed: number; uniform: number[][]; pareto: number[][] };

describe("MLPerf synthetic multi-hot lookups", () => {
  for (const dist of ["uniform", "pareto"] as const) {
    it(`${dist}: every id equals numpy's`, () => {
      const ours = multiHotTables(fixture.sizes, fixture.rows, fixture.seed, dist);
      ours.forEach((table, t) => expect(Array.from(table)).toEqual(fixture[dist][t]));
    });
  }

  it("pareto is heavy-tailed: most ids are small, and draws past int32 land on one row", () => {
    const [table] = multiHotTables([3], [1000], 0, "pareto");
    const extra = Array.from(table!).filter((_, i) => i % 3 !== 0);
    expect(extra.filter((v) => v < 50).length / extra.length).toBeGreaterThan(0.5);
    expect(extra.filter((v) => v === ((-2147483648 % 1000) + 1000) % 1000).length).toBeGreaterThan(0);
  });
});
