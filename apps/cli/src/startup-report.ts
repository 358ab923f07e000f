/**
 * The start-up block `dlrm train` prints before training: which backend and device (and
 * why others were passed over), execution mode and precision, a model summary, the
 * parameter count, the memory estimate and the data source.
 */
import {
  backendLabel,
  dcnShape,
  estimateMemory,
  mlpLayers,
  parameterCount,
  type Backend,
  type BatchSource,
  type TrainConfig,
} from "@dlrm/core";
import { formatBytes, formatCount } from "./format.js";

/** What the start-up block describes. */
export interface StartupFacts {
  config: TrainConfig;
  backend: Backend;
  /** "auto" or the name the user asked for. */
  requestedBackend: string;
  /** One note per backend passed over by auto selection. */
  fallbackNotes: readonly string[];
  source: BatchSource;
  /** Notes from flag parsing. */
  notes: readonly string[];
}

/** The model in one line: tables, MLPs with the interaction, optimizer, loss and learning rate. */
export function modelSummary(cfg: TrainConfig): string {
  const m = cfg.model;
  const { bottom, top } = mlpLayers(m);
  const rows = m.tableRows.every((r) => r === m.tableRows[0])
    ? `${formatCount(m.tableRows[0] ?? 0)} rows`
    : `rows ${m.tableRows.join("-")}`;
  const tables = `${m.tableRows.length} table${m.tableRows.length === 1 ? "" : "s"} of ${rows} x ${m.embeddingDim}`;
  const interaction =
    m.interaction === "dcn"
      ? `dcn (${dcnShape(m).layers} cross layers, rank ${dcnShape(m).rank})`
      : `${m.interaction}${m.interaction === "dot" && m.interactionItself ? " (with itself)" : ""}`;
  return `${tables}; bottom MLP ${bottom.join("-")}; ${interaction} interaction; top MLP ${top.join("-")}`;
}

/** The start-up block, one string per line. */
export function startupLines(f: StartupFacts): string[] {
  const c = f.config;
  const memory = estimateMemory(c, f.source);
  const largest = [...memory.breakdown].sort((a, b) => b.bytes - a.bytes)[0];
  const how = f.requestedBackend === "auto" ? "auto: the first available" : `--backend ${f.requestedBackend}`;
  const lines = [
    "dlrm train",
    `  backend     ${backendLabel(f.backend.info.name)} (${how})`,
    ...f.fallbackNotes.map((n) => `  passed over ${n}`),
    `  device      ${f.backend.info.device}`,
    `  mode        ${f.backend.mode}, ${c.precision}`,
    `  model       ${modelSummary(c)}`,
    `  training    ${c.optimizer}, lr ${c.learningRate}, ${c.loss} loss, batch ${c.batchSize}, ${c.epochs} epoch${c.epochs === 1 ? "" : "s"}, seed ${c.seed}`,
    `  parameters  ${formatCount(parameterCount(c.model))}`,
    `  memory      ~${formatBytes(memory.totalBytes)} estimated` +
      (largest === undefined ? "" : ` (largest: ${largest.name}, ${formatBytes(largest.bytes)})`),
    `  data        ${f.source.description}`,
    ...f.notes.map((n) => `  note        ${n}`),
  ];
  return lines;
}
