/**
 * The DLRM graph as two flat lists of op calls: `forward` (bottom MLP, embedding bags,
 * interaction, top MLP, loss) and `backward` (loss gradient, top MLP, interaction,
 * embedding bags with the sparse update, bottom MLP), then the dense optimizer step.
 * Every tensor is allocated once for the maximum batch; nothing is allocated per step.
 */
import type { Activation, Backend, Tensor } from "../backend.js";
import type { BagBounds } from "../data/batch.js";
import { backendInteraction, ConfigError, interactionWidth, localBatchSize, type TrainConfig } from "../config.js";
import { CrossNet, type DenseParam } from "./cross-net.js";
import type { StateDict } from "../checkpoint/safetensors.js";
import type { Communicator } from "../comm/communicator.js";
import { shardGroups, singleRankPlan, type ShardingPlan, type TableShard } from "../parallel/shards.js";
import { checkStateDict, initialiseParameters, mlpLayers, StateDictMismatchError } from "./parameters.js";
import { EmbeddingGroup, ADAGRAD_EPS } from "./embedding-group.js";
import { pieceOf } from "./pieces.js";
import type { EmbeddingLayer, LayerContext } from "./embedding-layer.js";
import { pooledWidth, tableLayouts } from "./embedding-variant.js";
import type { HostSparseInput } from "../data/sparse-batch.js";
import { QrEmbedding } from "./qr-embedding.js";
import { MdEmbedding } from "./md-embedding.js";

export { ADAGRAD_EPS } from "./embedding-group.js";

/** One linear layer: parameters, their gradients and optimizer state, its output and output gradient. */
interface LinearLayer {
  name: string;
  inFeatures: number;
  outFeatures: number;
  /** After the bias: the model's hidden activation, or none on the top MLP's logit layer. */
  activation: Activation;
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

/** Upper bounds that size the per-step buffers (NNZmax = B * sum over tables of the bag bound). */
export interface BatchLimits extends BagBounds {
  batchSize: number;
}

/**
 * This rank's part of a hybrid-parallel model (embedding tables placed by the plan, MLPs
 * data parallel). The embedding bags of this rank's table pieces run over the global batch
 * B; the MLPs, interaction and loss over this rank's slice of B / worldSize samples.
 */
export interface ModelShard {
  rank: number;
  worldSize: number;
  /** Every rank's pieces (this rank's: plan.shards[rank]). */
  plan: ShardingPlan;
  /** The ranks' transport. */
  comm: Communicator;
}

/** One table piece this rank holds, with its tensors (`name` is the whole table's parameter name). */
export interface TablePiece {
  name: string;
  shard: TableShard;
  weight: Tensor;
  acc?: Tensor;
}

/**
 * On one rank of several, QR/MD tables and learned pooling weights need whole tables: a QR
 * table's sub-tables, an MD table's projection and a v_W_l.<t> live with their table on one
 * rank. Refuses any other piece, naming --sharding.
 */
function checkWholeTables(m: TrainConfig["model"], mine: readonly TableShard[]): void {
  const why =
    m.embeddingVariant !== undefined
      ? m.embeddingVariant.kind === "qr"
        ? "--qr-flag"
        : "--md-flag"
      : m.weightedPooling === "learned"
        ? "--weighted-pooling learned"
        : undefined;
  const piece = why === undefined ? undefined : mine.find((s) => s.kind !== "table");
  if (piece !== undefined)
    throw new ConfigError(
      "--sharding",
      `${piece.kind}-wise table ${piece.table} cannot be combined with ${why}: every table is placed whole (--sharding auto or table)`,
    );
}

export class DlrmModel {
  /** This rank's table pieces by width (one group of every table whole in one process). */
  readonly groups: EmbeddingGroup[];
  /** The same pieces by table number, then the learned pooling weights v_W_l.<t> by table. */
  readonly pieces: TablePiece[];
  /** Samples the MLPs see per step: B, or B / worldSize on one rank of several. */
  readonly localBatch: number;
  readonly bottom: LinearLayer[];
  readonly top: LinearLayer[];
  /** DCNv2's cross network between the interaction and the top MLP (dcn only). */
  readonly cross: CrossNet | undefined;
  readonly dense: Tensor;
  readonly targets: Tensor;
  readonly pooled: Tensor;
  readonly dPooled: Tensor;
  readonly interaction: Tensor;
  readonly dInteraction: Tensor;
  readonly dBottomOut: Tensor;
  readonly probs: Tensor;
  readonly dLogits: Tensor;
  /** [sum of losses, correct predictions, samples] since the last `resetStats`. */
  readonly stats: Tensor;
  /** QR or MD embeddings (`embeddingVariant`): the physical tables and how they pool into `pooled`. */
  readonly embeddingLayer: EmbeddingLayer | undefined;
  /**
   * This rank's pooled outputs over the global batch that travel by all-to-all, in its plan
   * groups' order, each [BE, floats]: every non-replicated group's, or the QR/MD layer's one
   * (its tables' D-wide pooled vectors, 2D for QR concat). Unused in one process.
   */
  readonly exchanged: { pooled: Tensor; dPooled: Tensor; floats: number }[];
  /** The QR/MD layer's output on one rank of several. */
  private layerPooled?: { pooled: Tensor; dPooled: Tensor; floats: number };

  /** Local batch (the MLPs' rows). */
  private readonly B: number;
  /** Batch of the embedding bags: the global batch. */
  private readonly BE: number;
  /** Width of each pooled embedding (2D for QR concat). */
  private readonly D: number;
  /** All tables (the interaction's). */
  private readonly T: number;

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
    this.D = pooledWidth(m.embeddingDim, m.embeddingVariant);
    this.T = m.tableRows.length;
    const { B, D, T } = this;
    const adagrad = config.optimizer !== "sgd";
    this.dense = be.alloc([B, m.bottomMlp[0]!], "f32", "dense input");
    this.targets = be.alloc([B], "f32", "targets");
    this.pooled = be.alloc([B, T * D], "f32", "pooled embeddings");
    this.dPooled = be.alloc([B, T * D], "f32", "pooled embeddings gradient");
    const plan = shard?.plan ?? singleRankPlan(m.tableRows, D);
    const mine = plan.shards[shard?.rank ?? 0]!;
    const direct = worldSize === 1 ? { pooled: this.pooled, dPooled: this.dPooled } : undefined;
    const learned = m.weightedPooling === "learned";
    if (worldSize > 1) checkWholeTables(m, mine);
    this.embeddingLayer = this.makeEmbeddingLayer(
      limits,
      mine.map((s) => s.table),
      direct,
    );
    this.groups =
      this.embeddingLayer?.groups ??
      shardGroups(mine).map(
        (g) => new EmbeddingGroup(be, g, m.tableRows, D, this.BE, limits, config.optimizer, direct, undefined, learned),
      );
    this.exchanged =
      this.layerPooled === undefined
        ? this.groups
            .filter((g) => !g.replicated)
            .map((g) => ({ pooled: g.pooled, dPooled: g.dPooled, floats: g.shards.length * g.width }))
        : [this.layerPooled];
    const byTable = (a: TablePiece, b: TablePiece): number => a.shard.table - b.shard.table;
    this.pieces = this.embeddingLayer?.pieces ?? [
      ...this.groups
        .flatMap((g) =>
          g.shards.map((s, i) => ({
            name: `emb_l.${s.table}.weight`,
            shard: s,
            weight: g.tables[i]!,
            ...(g.accs[i] === undefined ? {} : { acc: g.accs[i] }),
          })),
        )
        .sort(byTable),
      ...this.groups
        .flatMap((g) =>
          g.rowWeights.map((w, i) => ({
            name: `v_W_l.${g.shards[i]!.table}`,
            shard: g.shards[i]!,
            weight: w,
            ...(g.rowWeightAccs[i] === undefined ? {} : { acc: g.rowWeightAccs[i] }),
          })),
        )
        .sort(byTable),
    ];
    const { bottom, top } = mlpLayers(m);
    this.bottom = this.makeLayers("bot_l", bottom, this.dense, false, adagrad);
    const bottomOut = this.bottom[this.bottom.length - 1]!;
    this.dBottomOut = bottomOut.dOutput;
    this.interaction = be.alloc([B, interactionWidth(m)], "f32", "interaction output");
    this.dInteraction = be.alloc([B, interactionWidth(m)], "f32", "interaction gradient");
    this.cross =
      m.interaction === "dcn" ? new CrossNet(be, m, B, this.interaction, this.dInteraction, adagrad) : undefined;
    this.top = this.makeLayers("top_l", top, this.cross?.output ?? this.interaction, true, adagrad);
    this.top[0]!.dInput = this.cross?.dOutput ?? this.dInteraction;
    this.probs = be.alloc([B], "f32", "probabilities");
    this.dLogits = this.top[this.top.length - 1]!.dOutput;
    this.stats = be.alloc([3], "f32", "loss statistics");
  }

  /**
   * The QR or MD layer of a model with `embeddingVariant` over the tables `held` (every table
   * in one process, pooling into the model's `pooled`; a rank's own tables, pooling into
   * `layerPooled` [BE, n * W] for the all-to-all). Undefined without a variant or tables.
   */
  private makeEmbeddingLayer(
    limits: BatchLimits,
    held: readonly number[],
    direct: { pooled: Tensor; dPooled: Tensor } | undefined,
  ): EmbeddingLayer | undefined {
    const m = this.config.model;
    const v = m.embeddingVariant;
    if (v === undefined || held.length === 0) return undefined;
    const layouts = tableLayouts(m.tableRows, m.embeddingDim, v);
    const ctx: LayerContext = {
      tableRows: held.map((t) => m.tableRows[t]!),
      tables: held,
      layouts: held.map((t) => layouts[t]!),
      dim: m.embeddingDim,
      batchSize: this.BE,
      maxIndicesPerBag: limits.maxIndicesPerBag,
      optimizer: this.config.optimizer,
      precision: this.config.precision,
    };
    const be = this.backend;
    const out = direct ?? {
      pooled: be.alloc([this.BE, held.length * this.D], "f32", "pooled embeddings of this rank's tables"),
      dPooled: be.alloc([this.BE, held.length * this.D], "f32", "pooled gradient of this rank's tables"),
    };
    if (direct === undefined) this.layerPooled = { ...out, floats: held.length * this.D };
    return v.kind === "qr"
      ? new QrEmbedding(be, ctx, v, out.pooled, out.dPooled)
      : new MdEmbedding(be, ctx, out.pooled, out.dPooled, this.config.optimizer !== "sgd");
  }

  /**
   * The sparse input of each group from the logical bags of each of this rank's plan groups
   * (shardGroups order; in one process the one group of every table): those bags as they are
   * for plain tables; with a QR or MD layer (whose tables form one plan group), each physical
   * group's remapping of them.
   */
  groupInputs(planInputs: readonly HostSparseInput[]): HostSparseInput[] {
    if (this.embeddingLayer === undefined) return [...planInputs];
    if (planInputs.length !== 1)
      throw new RangeError(`a QR or MD layer takes one plan group's bags, got ${planInputs.length} groups`);
    return this.groups.map((g) => g.inputMap!(planInputs[0]!));
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
        activation: sigmoidLast && i === widths.length - 2 ? "none" : (this.config.model.activation ?? "relu"),
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

  /**
   * The replicated dense parameters in state_dict order: bottom MLP, the cross network
   * (dcn), top MLP; `part` "bottom" is the bottom MLP, "top" the rest (what follows the
   * interaction in the backward pass).
   */
  denseParams(part?: "bottom" | "top"): DenseParam[] {
    const of = (layers: LinearLayer[]): DenseParam[] =>
      layers.flatMap((l) => [
        { name: `${l.name}.weight`, param: l.weight, grad: l.dWeight, ...(l.accWeight ? { acc: l.accWeight } : {}) },
        { name: `${l.name}.bias`, param: l.bias, grad: l.dBias, ...(l.accBias ? { acc: l.accBias } : {}) },
      ]);
    const bottom = part === "top" ? [] : [...(this.embeddingLayer?.denseParams ?? []), ...of(this.bottom)];
    const top = part === "bottom" ? [] : [...(this.cross?.params ?? []), ...of(this.top)];
    return [...bottom, ...top];
  }

  /** Every optimizer accumulator (table pieces first, then the dense parameters' in state_dict order). */
  optimizerState(): Tensor[] {
    const dense = this.denseParams().flatMap((d) => (d.acc === undefined ? [] : [d.acc]));
    return [...this.pieces.flatMap((p) => (p.acc === undefined ? [] : [p.acc])), ...dense];
  }

  /**
   * Parameters in state_dict order, with their names. On one rank of several, a table's
   * tensor is this rank's piece of it (`pieces` says which rows and columns).
   */
  namedParameters(): [string, Tensor][] {
    const out: [string, Tensor][] = this.pieces.map((p) => [p.name, p.weight]);
    for (const d of this.denseParams()) out.push([d.name, d.param]);
    return out;
  }

  /** Optimizer accumulators by parameter name (state_dict order; table pieces as in `namedParameters`); empty for SGD. */
  namedOptimizerState(): [string, Tensor][] {
    if (this.config.optimizer === "sgd") return [];
    const out: [string, Tensor][] = this.pieces.map((p) => [p.name, p.acc!]);
    for (const d of this.denseParams()) out.push([d.name, d.acc!]);
    return out;
  }

  /**
   * The values of `name` this process holds, out of `data`: the whole tensor's values, or
   * (on one rank of several) already its piece. Undefined when the size fits neither.
   */
  private valuesFor(name: string, data: Float32Array, accumulator: boolean): Float32Array | undefined {
    const piece = this.pieces.find((p) => p.name === name);
    if (piece === undefined || this.shard === undefined || piece.shard.kind === "table") return data;
    const rows = this.config.model.tableRows[piece.shard.table]!;
    const cols = accumulator && this.config.optimizer === "rwsadagrad" ? 1 : this.D;
    return pieceOf(data, rows, cols, piece.shard);
  }

  /** Writes `named` tensors from `state` after checking every name and size; `what` names them in errors. */
  private loadNamed(named: [string, Tensor][], state: StateDict, source: string, accumulator: boolean): void {
    const problems: string[] = [];
    const values: Float32Array[] = [];
    const what = accumulator ? "optimizer state for " : "tensor ";
    for (const [name, t] of named) {
      const s = state.get(name);
      const v = s === undefined ? undefined : this.valuesFor(name, s.data, accumulator);
      if (s === undefined) problems.push(`missing ${what}${name}`);
      else if (v === undefined || v.length !== t.size)
        problems.push(`${what}${name} has ${s.data.length} values, the model needs ${t.size}`);
      else values.push(v);
    }
    if (accumulator) {
      const expected = new Set(named.map(([n]) => n));
      for (const name of state.keys()) if (!expected.has(name)) problems.push(`unexpected optimizer state ${name}`);
    }
    if (problems.length > 0) throw new StateDictMismatchError(source, problems);
    named.forEach(([, t], i) => this.backend.write(t, values[i]!));
  }

  /** Writes saved optimizer accumulators after checking every name and shape. */
  loadOptimizerState(state: StateDict, source: string): void {
    this.loadNamed(this.namedOptimizerState(), state, source, true);
  }

  /** Reads every optimizer accumulator back to the host (table pieces as in `namedOptimizerState`). */
  async optimizerStateDict(): Promise<StateDict> {
    return this.readNamed(this.namedOptimizerState());
  }

  /**
   * Writes seeded initial weights (dlrm's distributions), or the given state dict after a
   * strict check, then zeroes the optimizer state and loss statistics. Call it once, first.
   * On one rank of several, `weights` holds the tensors this rank needs, whole or as its pieces.
   */
  loadInitialWeights(weights?: StateDict, source = "initial weights"): void {
    const named = this.namedParameters();
    if (weights !== undefined) {
      if (this.shard === undefined) checkStateDict(this.config.model, weights, source);
      this.loadNamed(named, weights, source, false);
    } else {
      const byName = new Map(named);
      initialiseParameters(
        this.config.model,
        this.config.seed,
        (spec, data) => this.backend.write(byName.get(spec.name)!, this.valuesFor(spec.name, data, false)!),
        (spec) => byName.has(spec.name),
      );
    }
    // Zeroed after the weights: a lazy backend can then write them at once, without a copy.
    this.backend.fill({ t: this.stats, value: 0 });
    for (const acc of this.optimizerState()) this.backend.fill({ t: acc, value: 0 });
    this.embeddingLayer?.init(this.backend);
  }

  /** Reads every parameter back to the host as a state dict (dlrm names, float32; table pieces as in `namedParameters`). */
  async stateDict(): Promise<StateDict> {
    return this.readNamed(this.namedParameters());
  }

  private async readNamed(named: [string, Tensor][]): Promise<StateDict> {
    const out: StateDict = new Map();
    for (const [name, t] of named) {
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
        activation: l.activation,
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
    const size = this.B * l.outFeatures;
    if (l.activation === "relu") be.reluForward({ x: l.output, y: l.output, size });
    if (l.activation === "sigmoid") be.sigmoidForward({ x: l.output, y: l.output, size });
  }

  private linearBackward(l: LinearLayer): void {
    const be = this.backend;
    const precision = this.config.precision;
    const B = this.B;
    const size = B * l.outFeatures;
    if (l.activation === "relu") be.reluBackward({ y: l.output, dY: l.dOutput, dX: l.dOutput, size });
    if (l.activation === "sigmoid") be.sigmoidBackward({ y: l.output, dY: l.dOutput, dX: l.dOutput, size });
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
   * bags of this rank's table pieces over the global batch into each group's `pooled`. On
   * one rank of several, those then travel by all-to-all into the model's `pooled`.
   */
  forwardBottom(): void {
    this.bottomForward();
    this.embeddingsForward();
  }

  /** The bottom MLP over the local batch. */
  bottomForward(): void {
    for (const l of this.bottom) this.linearForward(l);
  }

  /** This rank's table pieces' embedding bags over the global batch, into each group's `pooled`. */
  embeddingsForward(): void {
    if (this.embeddingLayer !== undefined) this.embeddingLayer.forward(this.backend);
    else for (const g of this.groups) g.forward(this.backend);
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
      op: backendInteraction(m),
      itself: m.interactionItself,
      precision: this.config.precision,
    });
    this.cross?.forward(be, this.config.precision);
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
   * share of it; of the sum of the mini-batch means with config.gradAccumIter), top MLP and
   * interaction backward:
   * writes `dPooled` and the bottom MLP's output gradient.
   */
  backwardTop(): void {
    const be = this.backend;
    const m = this.config.model;
    const accum = this.config.gradAccumIter ?? 1;
    const { B, D, T } = this;
    be.lossBackward({
      logits: this.top[this.top.length - 1]!.output,
      targets: this.targets,
      dLogits: this.dLogits,
      batchSize: B,
      loss: this.config.loss,
      threshold: this.config.lossThreshold,
      ...(this.shard === undefined && accum === 1 ? {} : { meanOver: this.BE / accum }),
    });
    for (let i = this.top.length - 1; i >= 0; i--) this.linearBackward(this.top[i]!);
    this.cross?.backward(be, this.config.precision);
    be.interactionBackward({
      x: this.bottom[this.bottom.length - 1]!.output,
      pooled: this.pooled,
      dOut: this.dInteraction,
      dX: this.dBottomOut,
      dPooled: this.dPooled,
      batchSize: B,
      dim: D,
      numTables: T,
      op: backendInteraction(m),
      itself: m.interactionItself,
      precision: this.config.precision,
    });
  }

  /** Bottom MLP backward (weight and bias gradients). */
  backwardBottom(): void {
    for (let i = this.bottom.length - 1; i >= 0; i--) this.linearBackward(this.bottom[i]!);
  }

  /**
   * The replicated dense parameters' gradients (`denseParams` order, all or one part): what
   * ranks all-reduce. An MD projection is not among them: it lives with its table, whose
   * owner computes its whole gradient over the global batch.
   */
  mlpGradients(part?: "bottom" | "top"): Tensor[] {
    const own = new Set(this.embeddingLayer?.denseParams ?? []);
    return this.denseParams(part)
      .filter((d) => !own.has(d))
      .map((d) => d.grad);
  }

  /**
   * Embedding bags backward from each group's `dPooled` (the global batch's gradient of this
   * rank's pieces) with the sparse optimizer update of the rows touched; `replicated`
   * false skips the replicated groups (their row gradients are summed over ranks first).
   */
  sparseUpdate(lr: number, replicated = true): void {
    if (this.embeddingLayer !== undefined) {
      this.embeddingLayer.backwardAndStep(this.backend, lr);
      return;
    }
    for (const g of this.groups) if (replicated || !g.replicated) g.backwardAndStep(this.backend, lr);
  }

  /** The dense optimizer step of every dense parameter (fused Adagrad where the backend has it). */
  denseUpdate(lr: number): void {
    const be = this.backend;
    const dense = this.denseParams();
    if (this.config.optimizer === "sgd") {
      for (const d of dense) be.sgdStep({ param: d.param, grad: d.grad, lr, size: d.param.size });
      return;
    }
    const params = dense.map((d) => d.param);
    const grads = dense.map((d) => d.grad);
    const accs = dense.map((d) => d.acc!);
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
