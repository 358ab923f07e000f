/**
 * The sharding flags: --memory-per-rank sizes in bytes and with decimal or binary units,
 * bad sizes refused; --sharding's choices and default; a command that already has the
 * flags keeps its own definitions.
 */
import { Command, InvalidArgumentError, Option } from "commander";
import { describe, expect, it } from "vitest";
import { addShardingOptions, shardingFromOptions, sizeArg } from "./sharding-flags.js";

describe("--memory-per-rank sizes", () => {
  it("reads bytes and units", () => {
    expect(sizeArg("17179869184")).toBe(17179869184);
    expect(sizeArg("16GiB")).toBe(16 * 2 ** 30);
    expect(sizeArg("512 MiB")).toBe(512 * 2 ** 20);
    expect(sizeArg("80GB")).toBe(80e9);
    expect(sizeArg("1.5tib")).toBe(1.5 * 2 ** 40);
    expect(sizeArg("4096B")).toBe(4096);
    expect(sizeArg("2KB")).toBe(2000);
  });

  it("refuses what is not a positive size", () => {
    for (const bad of ["", "0", "-1GiB", "16XB", "GiB", "1e9", "0.1B", "16 G i B"])
      expect(() => sizeArg(bad), bad).toThrow(InvalidArgumentError);
  });
});

describe("addShardingOptions", () => {
  it("defaults to auto with no budget and parses both flags", () => {
    const cmd = addShardingOptions(new Command("x")).exitOverride();
    cmd.parse([], { from: "user" });
    expect(shardingFromOptions(cmd)).toEqual({ sharding: "auto", memoryPerRank: undefined });
    const c2 = addShardingOptions(new Command("x")).exitOverride();
    c2.parse(["--sharding", "row", "--memory-per-rank", "2GiB"], { from: "user" });
    expect(shardingFromOptions(c2)).toEqual({ sharding: "row", memoryPerRank: 2 * 2 ** 30 });
    const c3 = addShardingOptions(new Command("x"))
      .exitOverride()
      .configureOutput({ writeErr: () => undefined });
    expect(() => c3.parse(["--sharding", "diagonal"], { from: "user" })).toThrow(/--sharding <kind>/);
  });

  it("leaves a command's own --sharding alone", () => {
    const cmd = new Command("x").addOption(new Option("--sharding <kind>").default("table"));
    addShardingOptions(cmd);
    expect(cmd.options.filter((o) => o.long === "--sharding")).toHaveLength(1);
    expect(cmd.options.some((o) => o.long === "--memory-per-rank")).toBe(true);
  });
});
