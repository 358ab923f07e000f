/**
 * `dlrm train --tensor-board-filename DIR` as a child process on real Criteo rows, its event
 * file read back by an independent reader (tools/tensorboard/read_tfevents.py: Python, its own
 * CRC-32C and protobuf decoding, both CRCs of every record checked): the file version record
 * first, Train/Loss and Train/Acc at every print step equal to the --log-jsonl values (as
 * float32), Test/Loss, Test/Acc and Test/AUC at every test equal to the printed ones; a
 * corrupted byte fails the reader; a file given as the directory is one error line.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { CRITEO, dlrm } from "./distributed/e2e-util.js";

const READER = fileURLToPath(new URL("../../../tools/tensorboard/read_tfevents.py", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "dlrm-tb-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, "train.txt"), readFileSync(CRITEO, "utf8").split("\n").slice(0, 3000).join("\n") + "\n");

interface TbEvent {
  wall_time: number;
  step: number;
  file_version?: string;
  values: { tag: string; simple_value: number }[];
}

/** The reader's events of `path`, or its exit status and error line. */
function readEvents(path: string): { status: number | null; events: TbEvent[]; stderr: string } {
  const r = spawnSync("/usr/bin/python3", [READER, path], { encoding: "utf8", timeout: 60_000 });
  return { status: r.status, events: r.status === 0 ? (JSON.parse(r.stdout) as TbEvent[]) : [], stderr: r.stderr };
}

const RUN = [
  "train",
  "--backend",
  "reference",
  "--data-generation",
  "dataset",
  "--raw-data-file",
  "train.txt",
  "--processed-data-file",
  "p",
  "--max-ind-range",
  "1000",
  "--arch-sparse-feature-size",
  "8",
  "--arch-mlp-bot",
  "13-16-8",
  "--arch-mlp-top",
  "32-1",
  "--loss-function",
  "bce",
  "--mini-batch-size",
  "64",
  "--print-freq",
  "10",
  "--test-freq",
  "20",
];

describe("dlrm train --tensor-board-filename", () => {
  it("writes an event file TensorBoard's format reads back with the printed and logged scalars", () => {
    const before = Date.now() / 1000;
    const r = dlrm(dir, [...RUN, "--tensor-board-filename", "tb/run1", "--log-jsonl", "log.jsonl"], {}, 120_000);
    const after = Date.now() / 1000;
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const files = readdirSync(join(dir, "tb/run1"));
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^events\.out\.tfevents\.\d+\./);
    const { status, events, stderr } = readEvents(join(dir, "tb/run1"));
    expect(status, stderr).toBe(0);
    expect(events[0]).toMatchObject({ step: 0, file_version: "brain.Event:2", values: [] });
    for (const [i, e] of events.entries()) {
      expect(e.wall_time).toBeGreaterThanOrEqual(Math.floor(before) - 1);
      expect(e.wall_time).toBeLessThanOrEqual(after + 1);
      if (i > 0) expect(e.wall_time).toBeGreaterThanOrEqual(events[i - 1]!.wall_time);
    }
    const logged = readFileSync(join(dir, "log.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { step: number; loss: number; accuracy: number; test?: unknown })
      .filter((x) => x.test === undefined);
    const train = events.filter((e) => e.values.some((v) => v.tag === "Train/Loss"));
    expect(train.map((e) => e.step)).toEqual([10, 20, 30, 40]);
    expect(train.map((e) => e.step)).toEqual(logged.map((x) => x.step));
    for (const [i, e] of train.entries()) {
      expect(e.values).toEqual([
        { tag: "Train/Loss", simple_value: Math.fround(logged[i]!.loss) },
        { tag: "Train/Acc", simple_value: Math.fround(logged[i]!.accuracy) },
      ]);
    }
    const printed = [
      ...r.stdout.matchAll(
        /^Testing at step (\d+) on test .*: loss (\d\.\d{6}), accuracy (\d+\.\d{3}) %, auc (\d\.\d{6}),/gm,
      ),
    ].map((m) => ({ step: Number(m[1]), loss: Number(m[2]), acc: Number(m[3]) / 100, auc: Number(m[4]) }));
    const tests = events.filter((e) => e.values.some((v) => v.tag === "Test/AUC"));
    expect(tests.map((e) => e.step)).toEqual([20, 40]);
    expect(printed.map((p) => p.step)).toEqual([20, 40]);
    for (const [i, e] of tests.entries()) {
      expect(e.values.map((v) => v.tag)).toEqual(["Test/Loss", "Test/Acc", "Test/AUC"]);
      const [loss, acc, auc] = e.values.map((v) => v.simple_value) as [number, number, number];
      expect(Math.abs(loss - printed[i]!.loss)).toBeLessThanOrEqual(5e-7 + 1e-7);
      expect(Math.abs(acc - printed[i]!.acc)).toBeLessThanOrEqual(5e-6 + 1e-7);
      expect(Math.abs(auc - printed[i]!.auc)).toBeLessThanOrEqual(5e-7 + 1e-7);
    }
    expect(events).toHaveLength(1 + train.length + tests.length);

    // One flipped byte in the last record's data: the reader's CRC check refuses it.
    const file = join(dir, "tb/run1", files[0]!);
    const bad = join(dir, "corrupt.tfevents");
    copyFileSync(file, bad);
    const bytes = readFileSync(bad);
    bytes[bytes.length - 8] = bytes[bytes.length - 8]! ^ 0x01;
    writeFileSync(bad, bytes);
    const corrupt = readEvents(bad);
    expect(corrupt.status).not.toBe(0);
    expect(corrupt.stderr).toMatch(/record \d+: data CRC mismatch/);
  });

  it("refuses a file as the directory in one line naming the flag", () => {
    writeFileSync(join(dir, "afile"), "x");
    const r = dlrm(dir, ["train", "--num-batches", "2", "--tensor-board-filename", "afile"]);
    expect(r.status).toBe(2);
    expect(r.stderr.trimEnd().split("\n")).toEqual([
      "dlrm: error: --tensor-board-filename: afile is a file: give a directory",
    ]);
  });
});
