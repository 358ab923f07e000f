/** A rank's default thread count: its share of the node's cores, at least one. */
import { describe, expect, it } from "vitest";
import { rankThreads } from "./rank-threads.js";

describe("rankThreads", () => {
  it("is the backend's default in one process", () => {
    expect(rankThreads(1, {}, 16)).toBeUndefined();
  });
  it("shares the cores among the ranks on this node (Open MPI's local size), at least one each", () => {
    expect(rankThreads(4, { OMPI_COMM_WORLD_LOCAL_SIZE: "2" }, 16)).toBe(8);
    expect(rankThreads(2, {}, 16)).toBe(8);
    expect(rankThreads(3, { OMPI_COMM_WORLD_LOCAL_SIZE: "3" }, 2)).toBe(1);
    expect(rankThreads(2, { OMPI_COMM_WORLD_LOCAL_SIZE: "x" }, 7)).toBe(3);
  });
});
