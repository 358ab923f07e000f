/**
 * Fault injection for atomic writes: a writer that fails after k bytes, a failing rename,
 * disk full and a read-only directory. The error names the path and errno, no temporary
 * file is left, and an earlier file stays byte-identical and loadable.
 */
import {
  closeSync,
  fsyncSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  readSafetensors,
  writeFileAtomic,
  writeSafetensors,
  AtomicWriteError,
  type AtomicWriteIo,
} from "./safetensors.js";

const errno = (code: string): NodeJS.ErrnoException => Object.assign(new Error(`${code}: injected`), { code });
const realIo: AtomicWriteIo = {
  openSync,
  writeSync: (fd, b, o, l) => writeSync(fd, b, o, l),
  fsyncSync,
  closeSync,
  renameSync,
  rmSync,
};
const sd = (v: number) =>
  new Map([["w", { dtype: "F32" as const, shape: [1000], data: new Float32Array(1000).fill(v) }]]);

function failingAfter(k: number, code = "EIO"): AtomicWriteIo {
  let total = 0;
  return {
    ...realIo,
    writeSync: (fd, b, o, l) => {
      const n = Math.min(l, 1000);
      if (total + n > k) throw errno(code);
      total += n;
      return writeSync(fd, b, o, n);
    },
  };
}

describe("atomic writes under faults", () => {
  for (const [name, io, code] of [
    ["a writer failing midway", failingAfter(2500), "EIO"],
    ["a full disk", failingAfter(100, "ENOSPC"), "ENOSPC"],
    [
      "a failing rename",
      {
        ...realIo,
        renameSync: () => {
          throw errno("EXDEV");
        },
      },
      "EXDEV",
    ],
    [
      "a read-only directory",
      {
        ...realIo,
        openSync: () => {
          throw errno("EROFS");
        },
      },
      "EROFS",
    ],
  ] as const) {
    it(`${name} with no earlier file: error names path and ${code}, nothing left behind`, () => {
      const dir = mkdtempSync(join(tmpdir(), "dlrm-atomic-"));
      const path = join(dir, "m.safetensors");
      expect(() => writeFileAtomic(path, new Uint8Array(5000), io)).toThrow(AtomicWriteError);
      expect(() => writeFileAtomic(path, new Uint8Array(5000), io)).toThrow(new RegExp(`${path}: ${code}`));
      expect(readdirSync(dir)).toEqual([]);
    });

    it(`${name} over an earlier good file: it stays byte-identical and loadable`, () => {
      const dir = mkdtempSync(join(tmpdir(), "dlrm-atomic-"));
      const path = join(dir, "m.safetensors");
      writeSafetensors(path, sd(1));
      const before = readFileSync(path);
      expect(() => writeFileAtomic(path, new Uint8Array(5000), io)).toThrow(AtomicWriteError);
      expect(readFileSync(path)).toEqual(before);
      expect(readSafetensors(path).get("w")!.data[0]).toBe(1);
      expect(readdirSync(dir)).toEqual(["m.safetensors"]);
    });
  }
});
