/**
 * The byte parser and its worker pool against the line-by-line reference: every file of the
 * processed directory (rows, records with their digests, rejects, manifest) byte for byte
 * the same, on the real Kaggle rows and on hostile input, for 0, 1 and 2 worker threads,
 * modulo and dictionary mappings, sub-sampling, gzip, and pieces that cross chunk ends.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import type { CategoricalMapping } from "./categorical-map.js";
import { PIECE_LINES } from "./chunk-convert.js";
import { preprocessCriteo, type PreprocessOptions } from "./preprocess.js";

const SAMPLE = new URL("../../../../../fixtures/criteo/kaggle-train-first10k.tsv", import.meta.url).pathname;
const real = readFileSync(SAMPLE);
const tmp = mkdtempSync(join(tmpdir(), "dlrm-parser-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Every file under `dir` (relative path to bytes), the lock file aside. */
function tree(dir: string, at = ""): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const name of readdirSync(join(dir, at)).sort()) {
    const rel = join(at, name);
    if (name.endsWith(".lock")) continue;
    if (statSync(join(dir, rel)).isDirectory()) for (const [k, v] of tree(dir, rel)) out.set(k, v);
    else out.set(rel, readFileSync(join(dir, rel)));
  }
  return out;
}

let n = 0;
/** Runs both parsers on the same input and options; returns the reference's result and both trees. */
async function both(
  file: string,
  extra: Partial<PreprocessOptions>,
  threads: number,
): Promise<{ ref: Map<string, Buffer>; fast: Map<string, Buffer>; refRejects: string; fastRejects: string }> {
  const run = async (parser: "bytes" | "lines"): Promise<string> => {
    const output = join(tmp, `out-${n++}`);
    await preprocessCriteo({
      inputs: [file],
      output,
      dataSet: "kaggle",
      mapping: { kind: "modulo", range: 1000 },
      ...extra,
      parser,
      threads,
      rejectsFile: `${output}.rejects.tsv`,
    });
    return output;
  };
  const a = await run("lines");
  const b = await run("bytes");
  const rejects = (d: string): string => {
    try {
      return readFileSync(`${d}.rejects.tsv`, "utf8");
    } catch {
      return "";
    }
  };
  return { ref: tree(a), fast: tree(b), refRejects: rejects(a), fastRejects: rejects(b) };
}

const expectSame = (r: Awaited<ReturnType<typeof both>>): void => {
  expect([...r.fast.keys()]).toEqual([...r.ref.keys()]);
  for (const [k, v] of r.ref) expect(r.fast.get(k)!.equals(v), k).toBe(true);
  expect(r.fastRejects).toBe(r.refRejects);
};

/** Lines the fast path must hand to the strict parser, each kept or refused exactly as it does. */
const HOSTILE = [
  "1\t0000000000005\t1\t\t\t\t\t\t\t\t\t\t\t\tABCDEF12\t" + "a\t".repeat(24) + "b",
  "0\t-0\t\t\t\t\t\t\t\t\t\t\t\t\t" + "\t".repeat(25),
  "0\t2147483648" + "\t".repeat(38),
  "0\t-2147483648" + "\t".repeat(38),
  "2" + "\t".repeat(39),
  "",
  "0\t1,2" + "\t".repeat(38),
  "1\t5" + "\t".repeat(37),
  "1\t5" + "\t".repeat(39),
  "0" + "\t".repeat(13) + "123456789" + "\t".repeat(25),
  "0" + "\t".repeat(13) + "zz" + "\t".repeat(25),
  "1\t7\t\u00e9" + "\t".repeat(37),
  "0\t3" + "\t".repeat(38) + "\r",
  "0\t3\r" + "\t".repeat(38),
  "1" + "\t".repeat(13) + "\t".repeat(25) + "1a2B3c4D",
];

describe("the byte parser gives the line parser's bytes", () => {
  it("on the real rows, modulo, for 0, 1 and 2 threads and small chunks", async () => {
    for (const threads of [0, 1, 2]) expectSame(await both(SAMPLE, { chunkRows: 700 }, threads));
  });

  it("with pieces that cross into the next chunk and a final line without LF", async () => {
    const big = join(tmp, "big.tsv");
    const body = Buffer.concat([real, real, real, real]);
    writeFileSync(big, body.subarray(0, body.length - 1));
    expect(4 * 10000).toBeGreaterThan(2 * PIECE_LINES);
    expectSame(await both(big, { chunkRows: PIECE_LINES + 1000 }, 2));
  });

  it("with dictionaries (with and without modulo), sub-sampling and gzip input", async () => {
    const maps: CategoricalMapping[] = [
      { kind: "dictionary", minFrequency: 2 },
      { kind: "dictionary", minFrequency: 1, modulo: 1000 },
    ];
    for (const mapping of maps) expectSame(await both(SAMPLE, { mapping, chunkRows: 3000 }, 2));
    expectSame(await both(SAMPLE, { subSampleRate: 0.5, seed: 7, chunkRows: 1500 }, 2));
    const gz = join(tmp, "sample.tsv.gz");
    writeFileSync(gz, gzipSync(real));
    expectSame(await both(gz, { chunkRows: 4000 }, 1));
  });

  it("on hostile lines (BOM, CR, invalid UTF-8, long digits, bad fields) in skip mode", async () => {
    const lines = real.toString("utf8").split("\n").slice(0, 2000);
    HOSTILE.forEach((h, i) => lines.splice(100 * i + 7, 0, h));
    const bytes = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from(lines.slice(0, 1000).join("\n") + "\n"),
      Buffer.from([0x31, 0x09, 0xff, 0xfe, 0x0a]),
      Buffer.from(lines.slice(1000).join("\n")),
    ]);
    const f = join(tmp, "hostile.tsv");
    writeFileSync(f, bytes);
    const r = await both(f, { chunkRows: 250, badLines: { mode: "skip", maxBadLineRatio: 0.05 } }, 2);
    expectSame(r);
    expect(r.refRejects.split("\n").length).toBeGreaterThan(8);
  });

  it("stops at the same first bad line in strict mode, with the same message", async () => {
    const lines = real.toString("utf8").split("\n").slice(0, 3000);
    lines.splice(2222, 0, "1\t9\tx" + "\t".repeat(37));
    const f = join(tmp, "strict.tsv");
    writeFileSync(f, lines.join("\n"));
    const errorOf = async (parser: "bytes" | "lines"): Promise<string> =>
      preprocessCriteo({
        inputs: [f],
        output: join(tmp, `strict-${parser}`),
        dataSet: "kaggle",
        mapping: { kind: "modulo", range: 1000 },
        chunkRows: 500,
        parser,
        threads: 2,
      }).then(
        () => "no error",
        (e: Error) => e.message,
      );
    const want = await errorOf("lines");
    expect(want).toMatch(/strict\.tsv:2223: I2: not an integer/);
    expect(await errorOf("bytes")).toBe(want);
  });
});
