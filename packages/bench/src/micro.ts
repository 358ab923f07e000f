/**
 * Per-op micro-benchmarks on an eager backend, on the tensors of a model already built for
 * the configuration (so the shapes are the DLRM config's): the forward GEMM of every
 * distinct MLP layer shape, embeddingBagsForward, interactionForward/Backward, the dense
 * Adagrad step over every MLP tensor and the sparse Adagrad step on the batch's unique rows.
 * Each call is followed by `await backend.sync()`; GEMMs and the interaction run at the config's precision.
 */
import { ADAGRAD_EPS, backendInteraction, type DlrmModel } from "@dlrm/core";
import { gflopsOf, layerGemms } from "./flops.js";
import { summarize, timeIt, type Repeats } from "./stats.js";
import type { MicroRow } from "./types.js";

/** One op to time: its label, shape in words, FLOPs (GEMMs only) and the call. */
interface MicroOp {
  op: string;
  shape: string;
  flops: number | null;
  call(): void;
}

/** The ops to time on `model` (its backend must be eager, with a batch uploaded). */
export function microOps(model: DlrmModel): MicroOp[] {
  const be = model.backend;
  const cfg = model.config;
  const m = cfg.model;
  const B = cfg.batchSize;
  const precision = cfg.precision;
  const D = m.embeddingDim;
  const T = m.tableRows.length;
  const layers = [...model.bottom, ...model.top];
  const ops: MicroOp[] = [];
  const seen = new Set<string>();
  // The MLP layers' GEMMs, in model.bottom then model.top order (the DCN's are in the op split).
  const mlpGemms = layerGemms(cfg).filter((g) => !g.name.startsWith("inter_arch."));
  mlpGemms.forEach((g, i) => {
    const key = `${g.m}x${g.n}x${g.k}`;
    if (seen.has(key)) return;
    seen.add(key);
    const l = layers[i]!;
    ops.push({
      op: "gemm",
      shape: `${key} nt (${g.name} forward)`,
      flops: 2 * g.m * g.n * g.k,
      call: () =>
        be.gemm({
          a: l.input,
          b: l.weight,
          c: l.output,
          m: g.m,
          n: g.n,
          k: g.k,
          transA: false,
          transB: true,
          alpha: 1,
          beta: 0,
          precision,
        }),
    });
  });
  const x = model.bottom[model.bottom.length - 1]!.output;
  const emb = model.groups[0]!;
  const inter = {
    batchSize: B,
    dim: D,
    numTables: T,
    op: backendInteraction(m),
    itself: m.interactionItself,
    precision,
  };
  ops.push(
    {
      op: "embeddingBagsForward",
      shape: `B=${B} T=${T} D=${D}`,
      flops: null,
      call: () =>
        be.embeddingBagsForward({
          tables: emb.tables,
          sparse: emb.sparse,
          pooled: model.pooled,
          batchSize: B,
          dim: D,
        }),
    },
    {
      op: "interactionForward",
      shape: `B=${B} F=${T + 1} D=${D} ${m.interaction}`,
      flops: null,
      call: () => be.interactionForward({ x, pooled: model.pooled, out: model.interaction, ...inter }),
    },
    {
      op: "interactionBackward",
      shape: `B=${B} F=${T + 1} D=${D} ${m.interaction}`,
      flops: null,
      call: () =>
        be.interactionBackward({
          x,
          pooled: model.pooled,
          dOut: model.dInteraction,
          dX: model.dBottomOut,
          dPooled: model.dPooled,
          ...inter,
        }),
    },
  );
  if (cfg.optimizer !== "sgd") {
    const params = layers.flatMap((l) => [l.weight, l.bias]);
    const grads = layers.flatMap((l) => [l.dWeight, l.dBias]);
    const accs = layers.flatMap((l) => [l.accWeight!, l.accBias!]);
    const count = params.reduce((a, p) => a + p.size, 0);
    const lr = 1e-6;
    ops.push({
      op: be.fusedAdagradStep ? "fusedAdagradStep" : "adagradStep",
      shape: `${params.length} MLP tensors, ${count} values`,
      flops: null,
      call: () => {
        if (be.fusedAdagradStep) be.fusedAdagradStep({ params, grads, accs, lr, eps: ADAGRAD_EPS });
        else
          params.forEach((p, i) =>
            be.adagradStep({ param: p, grad: grads[i]!, acc: accs[i]!, lr, eps: ADAGRAD_EPS, size: p.size }),
          );
      },
    });
    ops.push({
      op: "sparseAdagradStep",
      shape: `B=${B} T=${T} D=${D} unique rows`,
      flops: null,
      call: () =>
        be.sparseAdagradStep({
          tables: emb.tables,
          accs: emb.accs,
          sparse: emb.sparse,
          dRows: emb.dRows,
          lr,
          eps: ADAGRAD_EPS,
          dim: D,
          numTables: T,
          rowWise: cfg.optimizer === "rwsadagrad",
        }),
    });
  }
  return ops;
}

/** Times every micro op on `model`'s (eager) backend. */
export async function runMicro(model: DlrmModel, r: Repeats): Promise<MicroRow[]> {
  const be = model.backend;
  const rows: MicroRow[] = [];
  for (const op of microOps(model)) {
    const samples = await timeIt(
      op.op,
      async () => {
        op.call();
        await be.sync();
      },
      r,
    );
    const timing = summarize(samples);
    rows.push({
      backend: be.info.name,
      op: op.op,
      shape: op.shape,
      timing,
      gflops: op.flops === null ? null : gflopsOf(op.flops, timing.medianMs),
    });
  }
  return rows;
}
