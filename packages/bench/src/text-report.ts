/**
 * The terminal rendering of a BenchReport: a header with the machine, commit and peak,
 * PyTorch's step (or why it was not measured), the step table (one row per backend and mode,
 * with the ratio to PyTorch), the op-category split, the micro-benchmark table, the process's
 * peak memory and the notes on how everything was measured. Backends are named with
 * core's backendLabel ("gaudi native (host CPU)").
 */
import { backendLabel as label } from "@dlrm/core";
import { OP_CATEGORIES } from "./op-split.js";
import { table } from "./report.js";
import type { BenchReport, DistStepRow } from "./types.js";

const f2 = (x: number): string => (Number.isFinite(x) ? x.toFixed(2) : "n/a");
const mb = (bytes: number | null): string => (bytes === null ? "n/a" : (bytes / 2 ** 20).toFixed(0));
const perRound = (ms: readonly (number | null)[] | undefined): string =>
  (ms ?? []).map((x) => (x === null ? "failed" : x.toPrecision(3))).join(" ");

/** Whether PyTorch's step was measured (so the ratio columns mean something). */
const torchRan = (r: BenchReport): boolean => r.torch?.status === "ran" && r.torch.medianMs !== null;

/** The step rows as a table; PyTorch's row first, and the ratio columns, when it was measured. */
export function stepTable(r: BenchReport): string {
  const torch = torchRan(r);
  const rounds = (r.rounds ?? 1) > 1;
  const header = [
    "backend",
    "mode",
    "ms/it",
    "min-max",
    "samples/s",
    "GFLOP/s",
    "% peak",
    "upload",
    "forward",
    "bwd+upd",
    "RSS MiB",
    "backend MiB",
  ];
  if (torch) header.push("x PyTorch", "x PyT/round");
  if (rounds) header.push("per round");
  const rows = r.steps.map((s) => {
    const cells = [
      label(s.backend),
      s.mode,
      f2(s.timing.medianMs),
      `${f2(s.timing.minMs)}-${f2(s.timing.maxMs)}`,
      s.samplesPerSecond.toFixed(0),
      f2(s.gflops),
      s.fractionOfPeak === null ? "n/a" : (100 * s.fractionOfPeak).toFixed(1),
      s.phases ? f2(s.phases.uploadMs) : "-",
      s.phases ? f2(s.phases.forwardMs) : "-",
      s.phases ? f2(s.phases.backwardUpdateMs) : "-",
      mb(s.maxRssBytes),
      mb(s.backendBytes),
    ];
    if (torch)
      cells.push(s.vsTorch ? f2(s.vsTorch.ofMedians) : "n/a", s.vsTorch ? f2(s.vsTorch.medianOfRounds) : "n/a");
    if (rounds) cells.push(perRound(s.roundsMs));
    return cells;
  });
  if (torch) {
    const t = r.torch!;
    const ms = t.medianMs!;
    const ran = t.roundsMs.filter((x): x is number => x !== null);
    const gflops = r.flopsPerStep / (ms * 1e6);
    const cells = [
      "pytorch",
      "eager",
      f2(ms),
      `${f2(Math.min(...ran))}-${f2(Math.max(...ran))}`,
      ((r.batchSize * 1000) / ms).toFixed(0),
      f2(gflops),
      r.peak === null ? "n/a" : ((100 * gflops) / r.peak.gflops).toFixed(1),
      "-",
      "-",
      "-",
      "-",
      "-",
      "1.00",
      "1.00",
    ];
    if (rounds) cells.push(perRound(t.roundsMs));
    rows.unshift(cells);
  }
  return table(header, rows);
}

/** One line on PyTorch: what ran, or why it was not measured. */
export function torchLine(r: BenchReport): string {
  const t = r.torch;
  if (t === undefined) return "PyTorch not measured: not requested";
  if (!torchRan(r)) return `PyTorch not measured: ${t.reason ?? "unknown reason"}`;
  const failed = t.reason === undefined ? "" : `; some rounds failed: ${t.reason}`;
  return `PyTorch: ${f2(t.medianMs!)} ms/it fp32, median of ${t.roundsMs.length} round(s) (${t.command ?? "?"}); x PyTorch = our ms / PyTorch's (below 1: faster)${failed}`;
}

/** The op-category split of the eager rows as a table: ms and share per category, their sum and the step median. */
export function opSplitTable(r: BenchReport): string {
  const rows = r.steps.filter((s) => s.opSplit);
  return table(
    ["backend", "mode", ...OP_CATEGORIES, "sum", "step ms/it (that round)"],
    rows.map((s) => {
      const split = s.opSplit!;
      const cells = OP_CATEGORIES.map((c) => {
        const e = split.categories.find((x) => x.category === c);
        return e === undefined ? "-" : `${e.ms.toFixed(3)} (${(100 * e.share).toFixed(0)}%)`;
      });
      return [label(s.backend), s.mode, ...cells, split.totalMs.toFixed(3), split.stepMs.toFixed(3)];
    }),
  );
}

/** The micro-benchmark rows as a table. */
export function microTable(r: BenchReport): string {
  return table(
    ["backend", "op", "shape", "median ms", "p25-p75", "GFLOP/s"],
    r.micro.map((m) => [
      label(m.backend),
      m.op,
      m.shape,
      m.timing.medianMs.toFixed(3),
      `${m.timing.p25Ms.toFixed(3)}-${m.timing.p75Ms.toFixed(3)}`,
      m.gflops === null ? "" : f2(m.gflops),
    ]),
  );
}

/** Bytes in words: B, KiB or MiB. */
function bytes(b: number): string {
  if (!Number.isFinite(b)) return "n/a";
  if (b < 1024) return `${b.toFixed(0)} B`;
  if (b < 2 ** 20) return `${(b / 1024).toFixed(1)} KiB`;
  return `${(b / 2 ** 20).toFixed(2)} MiB`;
}

/** "waited/busy ms (bytes)" of one collective ("ms (bytes)" in reports without busy figures); "-" when it moved nothing (N = 1). */
const collective = (ms: number, b: number, busy?: number): string =>
  b === 0 && ms === 0 && !(busy !== undefined && busy > 0)
    ? "-"
    : `${ms.toFixed(2)}${busy === undefined ? "" : `/${busy.toFixed(2)}`} (${bytes(b)})`;

/** "median/overall" overlap fractions of a row; "-" where no collective ran. */
const overlap = (s: DistStepRow): string =>
  s.overlapMedian === undefined || s.overlapMedian === null
    ? "-"
    : `${s.overlapMedian.toFixed(2)}/${s.overlapOverall === null || s.overlapOverall === undefined ? "n/a" : s.overlapOverall.toFixed(2)}`;

/** The plan's table count per kind ("row 1", "table 20, replicated 6"); "?" in older reports. */
export const planKinds = (k: DistStepRow["shardKinds"]): string =>
  k === undefined
    ? "?"
    : Object.entries(k)
        .filter(([, n]) => n !== undefined && n > 0)
        .map(([kind, n]) => `${kind} ${n}`)
        .join(", ") || "-";

/** The --world-size step table: one row per backend, mode and N, PyTorch's at each N first. */
export function distTable(r: BenchReport): string {
  const d = r.distributed!;
  const rounds = (r.rounds ?? 1) > 1;
  const header = [
    "backend",
    "mode",
    "N",
    "threads/rank",
    "ms/step",
    "min-max",
    "samples/s",
    "all-to-all waited/busy ms (bytes)",
    "all-reduce waited/busy ms (bytes)",
    "overlap med/all",
    "plan (tables)",
    "PyTorch ms/step at N",
    "x PyTorch",
    "x PyT/round",
  ];
  if (rounds) header.push("per round");
  const rows: string[][] = [];
  for (const n of d.worldSizes) {
    const t = d.torch.find((x) => x.worldSize === n);
    const torchMs = t?.medianMs ?? null;
    if (t !== undefined && torchMs !== null) {
      const ran = t.roundsMs.filter((x): x is number => x !== null);
      const p = t.phasesMs ?? {};
      const a2a = (p["a2a_fwd"] ?? 0) + (p["a2a_bwd"] ?? 0);
      const cells = [
        "pytorch",
        "eager",
        String(n),
        t.threads === undefined ? "?" : String(t.threads),
        f2(torchMs),
        `${f2(Math.min(...ran))}-${f2(Math.max(...ran))}`,
        ((r.batchSize * 1000) / torchMs).toFixed(0),
        n === 1 ? "-" : `${a2a.toFixed(2)} (rank 0)`,
        n === 1 ? "-" : `${(p["allreduce"] ?? Number.NaN).toFixed(2)} (rank 0)`,
        "0 (synchronous)",
        `table ${n === 1 ? "all" : "slices"}`,
        f2(torchMs),
        "1.00",
        "1.00",
      ];
      if (rounds) cells.push(perRound(t.roundsMs));
      rows.push(cells);
    }
    for (const s of d.rows.filter((x) => x.worldSize === n)) {
      const cells = [
        label(s.backend),
        s.mode,
        String(n),
        s.threads === null ? "default" : String(s.threads),
        f2(s.timing.medianMs),
        `${f2(s.timing.minMs)}-${f2(s.timing.maxMs)}`,
        s.samplesPerSecond.toFixed(0),
        collective(s.allToAllMs, s.allToAllBytes, s.allToAllBusyMs),
        collective(s.allReduceMs, s.allReduceBytes, s.allReduceBusyMs),
        overlap(s),
        planKinds(s.shardKinds),
        torchMs === null ? "n/a" : f2(torchMs),
        s.vsTorch ? f2(s.vsTorch.ofMedians) : "n/a",
        s.vsTorch ? f2(s.vsTorch.medianOfRounds) : "n/a",
      ];
      if (rounds) cells.push(perRound(s.roundsMs));
      rows.push(cells);
    }
  }
  return table(header, rows);
}

/** The eager split of the --world-size rows beside PyTorch's phases at the same N. */
export function distSplitTable(r: BenchReport): string {
  const d = r.distributed!;
  const rows: string[][] = [];
  for (const n of d.worldSizes) {
    const t = d.torch.find((x) => x.worldSize === n);
    const p = t?.phasesMs;
    if (p !== undefined && Object.keys(p).length > 0) {
      const fwd = (p["emb_fwd"] ?? 0) + (p["a2a_fwd"] ?? 0) + (p["mlp_fwd"] ?? 0);
      const bwd = (p["bwd"] ?? 0) + (p["a2a_bwd"] ?? 0) + (p["allreduce"] ?? 0) + (p["opt"] ?? 0);
      rows.push([
        "pytorch",
        String(n),
        "-",
        f2(fwd),
        f2(bwd),
        f2((p["a2a_fwd"] ?? 0) + (p["a2a_bwd"] ?? 0)),
        f2(p["allreduce"] ?? 0),
        Object.entries(p)
          .map(([k, v]) => `${k}=${v.toFixed(2)}`)
          .join(" "),
      ]);
    }
    for (const s of d.rows.filter((x) => x.worldSize === n && x.phases !== null)) {
      const ph = s.phases!;
      rows.push([
        `${label(s.backend)} ${s.mode}`,
        String(n),
        f2(ph.uploadMs),
        f2(ph.forwardMs),
        f2(ph.backwardUpdateMs),
        f2(s.allToAllMs),
        f2(s.allReduceMs),
        "",
      ]);
    }
  }
  return table(
    ["who", "N", "upload", "forward", "bwd+upd", "all-to-all", "all-reduce", "PyTorch phases_ms (rank 0)"],
    rows,
  );
}

/** A --world-size report as text. */
export function formatDistBench(r: BenchReport): string {
  const m = r.machine;
  const d = r.distributed!;
  const rounds = r.rounds ?? 1;
  const t = d.torch.find((x) => x.command !== undefined);
  const torchTrouble =
    t === undefined
      ? []
      : d.torch
          .filter((x) => x.status !== "ran" || x.reason !== undefined)
          .map((x) => `PyTorch N=${x.worldSize}: ${x.reason ?? "not measured"}`);
  const lines = [
    `dlrm bench --world-size ${d.worldSizes.join(",")}: config ${r.config} (global batch ${r.batchSize}), ${r.dtype}, ${r.warmup} warm-up + ${r.iterations} iterations${rounds > 1 ? `, median of ${rounds} rounds` : ""}`,
    `machine: ${m.cpu}, ${m.cores} cores, ${(m.memoryBytes / 2 ** 30).toFixed(1)} GiB, Node ${m.node}, ${m.platform}; commit ${r.commit ?? "unknown"}`,
    `backends: ${r.backends.map((b) => (b.status === "ran" ? `${label(b.name)} (${b.version}, ${b.device})` : `${label(b.name)} ${b.status}: ${b.reason}`)).join("; ")}`,
    `sharding: ours --sharding ${d.sharding ?? "auto"} (plan column: tables per kind); PyTorch table-wise (each rank a contiguous slice of the table list)`,
    t === undefined
      ? `PyTorch not measured: ${d.torch[0]?.reason ?? "not requested"}`
      : `PyTorch: ${t.command}; x PyTorch = our ms / PyTorch's at the same N (below 1: faster)`,
    ...torchTrouble,
    "",
    distTable(r),
  ];
  if (d.rows.some((s) => s.phases !== null))
    lines.push(
      "",
      "split (ms/step, medians; ours: slowest rank per phase, eager with a sync after each phase; PyTorch: rank 0's phases):",
      distSplitTable(r),
    );
  if (d.failures.length > 0) lines.push("", ...d.failures.map((f) => `FAILED: ${f}`));
  if (r.peakRssBytes !== undefined)
    lines.push(
      "",
      `launcher peak RSS (maxRSS): ${mb(r.peakRssBytes)} MiB (every job runs in child processes, not counted)`,
    );
  lines.push("", ...r.notes.map((n) => `note: ${n}`));
  return lines.join("\n");
}

/** The whole report as text. */
export function formatBench(r: BenchReport): string {
  if (r.distributed !== undefined) return formatDistBench(r);
  const m = r.machine;
  const rounds = r.rounds ?? 1;
  const lines = [
    `dlrm bench: config ${r.config} (batch ${r.batchSize}, ${(r.flopsPerStep / 1e9).toFixed(3)} GFLOP of GEMM per step), ${r.dtype}, ${r.warmup} warm-up + ${r.iterations} iterations${rounds > 1 ? `, median of ${rounds} rounds` : ""}`,
    `machine: ${m.cpu}, ${m.cores} cores, ${(m.memoryBytes / 2 ** 30).toFixed(1)} GiB, Node ${m.node}, ${m.platform}; commit ${r.commit ?? "unknown"}`,
    `backends: ${r.backends.map((b) => (b.status === "ran" ? `${label(b.name)} (${b.version}, ${b.device})` : `${label(b.name)} ${b.status}: ${b.reason}`)).join("; ")}`,
    r.peak === null
      ? "peak: not measured"
      : `peak: ${f2(r.peak.gflops)} GFLOP/s (${label(r.peak.backend)}, gemm ${r.peak.size}^3${r.peak.op ? ` ${r.peak.op}` : ""}, best ${r.peak.timing.minMs.toFixed(2)} ms, median ${r.peak.timing.medianMs.toFixed(2)} ms)`,
    torchLine(r),
    "",
    stepTable(r),
  ];
  if (r.steps.some((s) => s.opSplit))
    lines.push(
      "",
      "op split (eager; each op of one step replayed alone, sync after each; ms per step, share of the sum):",
      opSplitTable(r),
    );
  if (r.micro.length > 0) lines.push("", microTable(r));
  if (r.peakRssBytes !== undefined)
    lines.push(
      "",
      `process peak RSS (maxRSS): ${mb(r.peakRssBytes)} MiB (PyTorch runs in a child process, not counted)`,
    );
  lines.push("", ...r.notes.map((n) => `note: ${n}`));
  return lines.join("\n");
}
