/**
 * The DLRM graph as two flat lists of op calls: `forward` (bottom MLP, embedding bags,
 * interaction, top MLP, loss) and `backward` (loss gradient, top MLP, interaction,
 * embedding bags with the sparse update, bottom MLP), then the dense optimizer step.
 * Every tensor is allocated once for the maximum batch; nothing is allocated per step.
 */
import type { Backend, SparseBatchTensors, Tensor } from "../backend.js";
import { interactionWidth, localBatchSize, type OptimizerName, type TrainConfig } from "../config.js";
import type { StateDict } from "../checkpoint/safetensors.js";
import type { Communicator } from "../comm/communicator.js";
import type { TablePlan } from "../parallel/plan.js";
import { checkStateDict, initialiseParameters, mlpLayers, StateDictMismatchError } from "./parameters.js";

/**
 * One rank's check of the tensors read for it (the whole file's names and shapes were
 * checked against the model before anything was read): each present with its size.
 */
function checkShardTensors(byName: Map<string, Tensor>, weights: StateDict, source: string): void {
  const problems: string[] = [];
  for (const [name, t] of byName) {
    const w = weights.get(name);
    if (w === undefined) problems.push(`missing tensor ${name}`);
    else if (w.data.length !== t.size)
      problems.push(`tensor ${name} has ${w.data.length} values, the model needs ${t.size}`);
  }
  if (problems.length > 0) throw new StateDictMismatchError(source, problems);
}

/** torch.optim.Adagrad's default eps. */
export const ADAGRAD_EPS = 1e-10;

/** One linear layer: parameters, their gradients and optimizer state, its output and output gradient. */
interface LinearLayer {
  name: string;
  inFeatures: number;
  outFeatures: number;
  relu: boolean;
  weight: Tensor;
  bias: Tensor;
  dWeight: Tensor;
  dBias: Tensor;
  accWeight?: Tensor;
  accBias?: Tensor;
  input: Tensor;
  output: Tensor;
  /** Gradient of the loss w.r.t. this layer's input (undefined for the first bottom layer). */
  dInput?: Tensor;
  dOutput: Tensor;
}

/** Upper bounds that size the per-step buffers. */
export interface BatchLimits {
  batchSize: number;
  /** Maximum indices per bag (NNZmax = T * B * this). */
  maxIndicesPerBag: number;
}

/**
 * This rank's part of a hybrid-parallel model (table-wise model parallel, MLPs data
 * parallel). The embedding bags run over the global batch B for `ownedTables` only; the
 * MLPs, interaction and loss over this rank's slice of B / worldSize samples.
 */
export interface ModelShard {
  rank: number;
  worldSize: number;
  /** Global numbers of the tables this rank holds, ascending. */
  ownedTables: readonly number[];
  /** The table placement of every rank (ownedTables = plan.ownedTables[rank]). */
  plan: TablePlan;
  /** The ranks' transport. */
  comm: Communicator;
}

export class DlrmModel {
  /** This rank's tables (all T in one process), in `ownedTables` order. */
  readonly tables: Tensor[];
  readonly tableAccs: Tensor[] = [];
  /** Global table numbers of `tables`. */
  readonly ownedTables: readonly number[];
  /** Samples the MLPs see per step: B, or B / worldSize on one rank of several. */
  readonly localBatch: number;
  /** Pooled embeddings of the owned tables over the global batch [B, Town*D] (= pooled in one process). */
  readonly pooledOwn: Tensor;
  /** Its gradient (= dPooled in one process). */
  readonly dPooledOwn: Tensor;
  readonly bottom: LinearLayer[];
  readonly top: LinearLayer[];
  readonly dense: Tensor;
  readonly targets: Tensor;
  readonly sparse: SparseBatchTensors;
  readonly pooled: Tensor;
  readonly dPooled: Tensor;
  readonly interaction: Tensor;
  readonly dInteraction: Tensor;
  readonly dBottomOut: Tensor;
  readonly dRows: Tensor;
  readonly probs: Tensor;
  readonly dLogits: Tensor;
  /** [sum of losses, correct predictions, samples] since the last `resetStats`. */
  readonly stats: Tensor;
  readonly nnzMax: number;

  /** Local batch (the MLPs' rows). */
  private readonly B: number;
  /** Batch of the embedding bags: the global batch. */
  private readonly BE: number;
  private readonly D: number;
  /** All tables (the interaction's). */
  private readonly T: number;
  /** Tables on this rank. */
  private readonly Town: number;

  constructor(
    readonly backend: Backend,
    readonly config: TrainConfig,
    limits: BatchLimits,
    readonly shard?: ModelShard,
  ) {
    const m = config.model;
    const be = backend;
    const worldSize = shard?.worldSize ?? 1;
    this.BE = limits.batchSize;
    this.B = localBatchSize(limits.batchSize, worldSize);
    this.localBatch = this.B;
    this.D = m.embeddingDim;
    this.T = m.tableRows.length;
    this.ownedTables = shard?.ownedTables ?? m.tableRows.map((_, t) => t);
    this.Town = this.ownedTables.length;
    const { B, BE, D, T, Town } = this;
    this.nnzMax = Town * BE * limits.maxIndicesPerBag;
    const rowWise = config.optimizer === "rwsadagrad";
    const adagrad = config.optimizer !== "sgd";

    this.tables = this.ownedTables.map((t) => be.alloc([m.tableRows[t]!, D], "f32", `emb_l.${t}.weight`));
    if (adagrad) {
      for (const t of this.ownedTables) {
        const rows = m.tableRows[t]!;
        this.tableAccs.push(be.alloc(rowWise ? [rows, 1] : [rows, D], "f32", `emb_l.${t}.weight (Adagrad state)`));
      }
    }
    this.dense = be.alloc([B, m.bottomMlp[0]!], "f32", "dense input");
    this.targets = be.alloc([B], "f32", "targets");
    this.sparse = {
      indices: be.alloc([Math.max(this.nnzMax, 1)], "i32", "indices"),
      offsets: be.alloc([Town * BE + 1], "i32", "offsets"),
      uniqueRows: be.alloc([Math.max(this.nnzMax, 1)], "i32", "unique rows"),
      tableUniqueOffsets: be.alloc([Town + 1], "i32", "table unique offsets"),
      csrOffsets: be.alloc([this.nnzMax + 1], "i32", "CSR offsets"),
      csrBags: be.alloc([Math.max(this.nnzMax, 1)], "i32", "CSR bags"),
    };
    this.pooled = be.alloc([B, T * D], "f32", "pooled embeddings");
    this.dPooled = be.alloc([B, T * D], "f32", "pooled embeddings gradient");
    if (worldSize === 1) {
      this.pooledOwn = this.pooled;
      this.dPooledOwn = this.dPooled;
    } else {
      this.pooledOwn = be.alloc([BE, Math.max(Town, 1) * D], "f32", "pooled embeddings of this rank's tables");
      this.dPooledOwn = be.alloc(
        [BE, Math.max(Town, 1) * D],
        "f32",
        "pooled embeddings gradient of this rank's tables",
      );
    }
    this.dRows = be.alloc([Math.max(this.nnzMax, 1), D], "f32", "unique-row gradients");
    const { bottom, top } = mlpLayers(m);
    this.bottom = this.makeLayers("bot_l", bottom, this.dense, false, adagrad);
    const bottomOut = this.bottom[this.bottom.length - 1]!;
    this.dBottomOut = bottomOut.dOutput;
    this.interaction = be.alloc([B, interactionWidth(m)], "f32", "interaction output");
    this.dInteraction = be.alloc([B, interactionWidth(m)], "f32", "interaction gradient");
    this.top = this.makeLayers("top_l", top, this.interaction, true, adagrad);
    this.top[0]!.dInput = this.dInteraction;
    this.probs = be.alloc([B], "f32", "probabilities");
    this.dLogits = this.top[this.top.length - 1]!.dOutput;
    this.stats = be.alloc([3], "f32", "loss statistics");
  }

  private makeLayers(
    prefix: string,
    widths: number[],
    input: Tensor,
    sigmoidLast: boolean,
    adagrad: boolean,
  ): LinearLayer[] {
    const be = this.backend;
    const layers: LinearLayer[] = [];
    let x = input;
    let dX: Tensor | undefined;
    for (let i = 0; i + 1 < widths.length; i++) {
      const n = widths[i]!;
      const out = widths[i + 1]!;
      const name = `${prefix}.${2 * i}`;
      const output = be.alloc([this.B, out], "f32", `${name} output`);
      const dOutput = be.alloc([this.B, out], "f32", `${name} output gradient`);
      const layer: LinearLayer = {
        name,
        inFeatures: n,
        outFeatures: out,
        relu: !(sigmoidLast && i === widths.length - 2),
        weight: be.alloc([out, n], "f32", `${name}.weight`),
        bias: be.alloc([out], "f32", `${name}.bias`),
        dWeight: be.alloc([out, n], "f32", `${name}.weight gradient`),
        dBias: be.alloc([out], "f32", `${name}.bias gradient`),
        input: x,
        output,
        dOutput,
      };
      if (dX !== undefined) layer.dInput = dX;
      if (adagrad) {
        layer.accWeight = be.alloc([out, n], "f32", `${name}.weight (Adagrad state)`);
        layer.accBias = be.alloc([out], "f32", `${name}.bias (Adagrad state)`);
      }
      layers.push(layer);
      x = output;
      dX = dOutput;
    }
    return layers;
  }

  /** Every optimizer accumulator (tables first, then MLP weight/bias in layer order). */
  optimizerState(): Tensor[] {
    const mlp = [...this.bottom, ...this.top].flatMap((l) =>
      l.accWeight && l.accBias ? [l.accWeight, l.accBias] : [],
    );
    return [...this.tableAccs, ...mlp];
  }

  /** Parameters in state_dict order, with their names. */
  namedParameters(): [string, Tensor][] {
    const out: [string, Tensor][] = this.tables.map((t, i) => [`emb_l.${this.ownedTables[i]}.weight`, t]);
    for (const l of [...this.bottom, ...this.top]) {
      out.push([`${l.name}.weight`, l.weight], [`${l.name}.bias`, l.bias]);
    }
    return out;
  }

  /** Optimizer accumulators by parameter name (state_dict order); empty for SGD. */
  namedOptimizerState(): [string, Tensor][] {
    if (this.tableAccs.length === 0) return [];
    const out: [string, Tensor][] = this.tableAccs.map((t, i) => [`emb_l.${this.ownedTables[i]}.weight`, t]);
    for (const l of [...this.bottom, ...this.top])
      out.push([`${l.name}.weight`, l.accWeight!], [`${l.name}.bias`, l.accBias!]);
    return out;
  }

  /** Writes saved optimizer accumulators after checking every name and shape. */
  loadOptimizerState(state: StateDict, source: string): void {
    const named = this.namedOptimizerState();
    const problems: string[] = [];
    for (const [name, t] of named) {
      const s = state.get(name);
      if (s === undefined) problems.push(`missing optimizer state for ${name}`);
      else if (s.data.length !== t.size)
        problems.push(`optimizer state for ${name} has ${s.data.length} values, the model needs ${t.size}`);
    }
    const expected = new Set(named.map(([n]) => n));
    for (const name of state.keys()) if (!expected.has(name)) problems.push(`unexpected optimizer state ${name}`);
    if (problems.length > 0) throw new StateDictMismatchError(source, problems);
    for (const [name, t] of named) this.backend.write(t, state.get(name)!.data);
  }

  /** Reads every optimizer accumulator back to the host. */
  async optimizerStateDict(): Promise<StateDict> {
    const out: StateDict = new Map();
    for (const [name, t] of this.namedOptimizerState()) {
      out.set(name, { dtype: "F32", shape: [...t.shape], data: (await this.backend.read(t)) as Float32Array });
    }
    return out;
  }

  /**
   * Writes seeded initial weights (dlrm's distributions), or the given state dict after a
   * strict check, then zeroes the optimizer state and loss statistics. Call it once, first.
   */
  loadInitialWeights(weights?: StateDict, source = "initial weights"): void {
    const byName = new Map(this.namedParameters());
    if (weights !== undefined) {
      if (this.shard === undefined) checkStateDict(this.config.model, weights, source);
      else checkShardTensors(byName, weights, source);
      for (const [name, t] of byName) this.backend.write(t, weights.get(name)!.data);
    } else {
      initialiseParameters(
        this.config.model,
        this.config.seed,
        (spec, data) => this.backend.write(byName.get(spec.name)!, data),
        (spec) => byName.has(spec.name),
      );
    }
    // Zeroed after the weights: a lazy backend can then write them at once, without a copy.
    this.backend.fill({ t: this.stats, value: 0 });
    for (const acc of this.optimizerState()) this.backend.fill({ t: acc, value: 0 });
  }

  /** Reads every parameter back to the host as a state dict (dlrm names, float32). */
  async stateDict(): Promise<StateDict> {
    const out: StateDict = new Map();
    for (const [name, t] of this.namedParameters()) {
      out.set(name, { dtype: "F32", shape: [...t.shape], data: (await this.backend.read(t)) as Float32Array });
    }
    return out;
  }

  private linearForward(l: LinearLayer): void {
    const be = this.backend;
    const precision = this.config.precision;
    if (be.linearForward) {
      be.linearForward({
        x: l.input,
        weight: l.weight,
        bias: l.bias,
        y: l.output,
        batchSize: this.B,
        inFeatures: l.inFeatures,
        outFeatures: l.outFeatures,
        activation: l.relu ? "relu" : "none",
        precision,
      });
      return;
    }
    be.gemm({
      a: l.input,
      b: l.weight,
      c: l.output,
      m: this.B,
      n: l.outFeatures,
      k: l.inFeatures,
      transA: false,
      transB: true,
      alpha: 1,
      beta: 0,
      precision,
    });
    be.biasAddForward({ y: l.output, bias: l.bias, rows: this.B, cols: l.outFeatures });
    if (l.relu) be.reluForward({ x: l.output, y: l.output, size: this.B * l.outFeatures });
  }

  private linearBackward(l: LinearLayer): void {
    const be = this.backend;
    const precision = this.config.precision;
    const B = this.B;
    if (l.relu) be.reluBackward({ y: l.output, dY: l.dOutput, dX: l.dOutput, size: B * l.outFeatures });
    be.gemm({
      a: l.dOutput,
      b: l.input,
      c: l.dWeight,
      m: l.outFeatures,
      n: l.inFeatures,
      k: B,
      transA: true,
      transB: false,
      alpha: 1,
      beta: 0,
      precision,
    });
    be.biasAddBackward({ dY: l.dOutput, dBias: l.dBias, rows: B, cols: l.outFeatures });
    if (l.dInput !== undefined) {
      be.gemm({
        a: l.dOutput,
        b: l.weight,
        c: l.dInput,
        m: B,
        n: l.inFeatures,
        k: l.outFeatures,
        transA: false,
        transB: false,
        alpha: 1,
        beta: 0,
        precision,
      });
    }
  }

  /** Forward pass: bottom MLP, embedding bags, interaction, top MLP, loss (probs and stats). */
  forward(): void {
    this.forwardBottom();
    this.forwardTop();
  }

  /**
   * First half of the forward pass: the bottom MLP over the local batch, and the embedding
   * bags of this rank's tables over the embedding batch into `pooledOwn`. On one rank of
   * several, the pooled embeddings then travel by all-to-all into `pooled`.
   */
  forwardBottom(): void {
    this.bottomForward();
    this.embeddingsForward();
  }

  /** The bottom MLP over the local batch. */
  bottomForward(): void {
    for (const l of this.bottom) this.linearForward(l);
  }

  /** This rank's tables' embedding bags over the embedding batch, into `pooledOwn`. */
  embeddingsForward(): void {
    if (this.Town > 0)
      this.backend.embeddingBagsForward({
        tables: this.tables,
        sparse: this.sparse,
        pooled: this.pooledOwn,
        batchSize: this.BE,
        dim: this.D,
      });
  }

  /** Second half: interaction of the bottom MLP's output with `pooled`, top MLP, loss. */
  forwardTop(): void {
    const be = this.backend;
    const m = this.config.model;
    const { B, D, T } = this;
    be.interactionForward({
      x: this.bottom[this.bottom.length - 1]!.output,
      pooled: this.pooled,
      out: this.interaction,
      batchSize: B,
      dim: D,
      numTables: T,
      op: m.interaction,
      itself: m.interactionItself,
      precision: this.config.precision,
    });
    for (const l of this.top) this.linearForward(l);
    be.lossForward({
      logits: this.top[this.top.length - 1]!.output,
      targets: this.targets,
      probs: this.probs,
      stats: this.stats,
      batchSize: B,
      loss: this.config.loss,
      threshold: this.config.lossThreshold,
    });
  }

  /** Backward pass and every parameter update at learning rate `lr`. */
  backwardAndUpdate(lr: number): void {
    this.backwardTop();
    this.sparseUpdate(lr);
    this.backwardBottom();
    this.denseUpdate(lr);
  }

  /**
   * Loss gradient (of the mean over the global batch: on one rank of several, its samples'
   * share of it), top MLP and interaction backward:
   * writes `dPooled` and the bottom MLP's output gradient.
   */
  backwardTop(): void {
    const be = this.backend;
    const m = this.config.model;
    const { B, D, T } = this;
    be.lossBackward({
      logits: this.top[this.top.length - 1]!.output,
      targets: this.targets,
      dLogits: this.dLogits,
      batchSize: B,
      loss: this.config.loss,
      threshold: this.config.lossThreshold,
      ...(this.shard === undefined ? {} : { meanOver: this.BE }),
    });
    for (let i = this.top.length - 1; i >= 0; i--) this.linearBackward(this.top[i]!);
    be.interactionBackward({
      x: this.bottom[this.bottom.length - 1]!.output,
      pooled: this.pooled,
      dOut: this.dInteraction,
      dX: this.dBottomOut,
      dPooled: this.dPooled,
      batchSize: B,
      dim: D,
      numTables: T,
      op: m.interaction,
      itself: m.interactionItself,
      precision: this.config.precision,
    });
  }

  /** Bottom MLP backward (weight and bias gradients). */
  backwardBottom(): void {
    for (let i = this.bottom.length - 1; i >= 0; i--) this.linearBackward(this.bottom[i]!);
  }

  /** Every MLP gradient tensor (weight, bias per layer; bottom then top): what ranks all-reduce. */
  mlpGradients(): Tensor[] {
    return [...this.bottom, ...this.top].flatMap((l) => [l.dWeight, l.dBias]);
  }

  /**
   * Embedding bags backward from `dPooledOwn` (the global batch's gradient of this rank's
   * tables) with the sparse optimizer update of the rows touched.
   */
  sparseUpdate(lr: number): void {
    const be = this.backend;
    const { BE: B, D, Town: T } = this;
    if (T === 0) return;
    const opt: OptimizerName = this.config.optimizer;
    const rowWise = opt === "rwsadagrad";
    if (be.embeddingBagsBackwardSparseStep) {
      be.embeddingBagsBackwardSparseStep({
        dPooled: this.dPooledOwn,
        tables: this.tables,
        ...(opt === "sgd" ? {} : { accs: this.tableAccs }),
        sparse: this.sparse,
        dRows: this.dRows,
        lr,
        eps: ADAGRAD_EPS,
        batchSize: B,
        dim: D,
        numTables: T,
        rowWise,
      });
      return;
    }
    be.embeddingBagsBackward({
      dPooled: this.dPooledOwn,
      sparse: this.sparse,
      dRows: this.dRows,
      batchSize: B,
      dim: D,
      numTables: T,
    });
    if (opt === "sgd") {
      be.sparseSgdStep({ tables: this.tables, sparse: this.sparse, dRows: this.dRows, lr, dim: D, numTables: T });
    } else {
      be.sparseAdagradStep({
        tables: this.tables,
        accs: this.tableAccs,
        sparse: this.sparse,
        dRows: this.dRows,
        lr,
        eps: ADAGRAD_EPS,
        dim: D,
        numTables: T,
        rowWise,
      });
    }
  }

  /** The dense optimizer step of every MLP parameter (fused Adagrad where the backend has it). */
  denseUpdate(lr: number): void {
    const be = this.backend;
    const layers = [...this.bottom, ...this.top];
    if (this.config.optimizer === "sgd") {
      for (const l of layers) {
        be.sgdStep({ param: l.weight, grad: l.dWeight, lr, size: l.weight.size });
        be.sgdStep({ param: l.bias, grad: l.dBias, lr, size: l.bias.size });
      }
      return;
    }
    const params = layers.flatMap((l) => [l.weight, l.bias]);
    const grads = layers.flatMap((l) => [l.dWeight, l.dBias]);
    const accs = layers.flatMap((l) => [l.accWeight!, l.accBias!]);
    if (be.fusedAdagradStep) {
      be.fusedAdagradStep({ params, grads, accs, lr, eps: ADAGRAD_EPS });
      return;
    }
    params.forEach((p, i) =>
      be.adagradStep({ param: p, grad: grads[i]!, acc: accs[i]!, lr, eps: ADAGRAD_EPS, size: p.size }),
    );
  }

  /** Zeroes the loss statistics (after a print step reads them). */
  resetStats(): void {
    this.backend.fill({ t: this.stats, value: 0 });
  }
}
