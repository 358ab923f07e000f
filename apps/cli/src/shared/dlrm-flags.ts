/**
 * Every flag of facebookresearch/dlrm's dlrm_s_pytorch.py (its argparse list) with what
 * `dlrm train` does with it: supported, supported with a difference (said in the note), or
 * refused by name with one line saying what to use instead. README.md's "Coming from
 * dlrm_s_pytorch.py" table shows this list; a test keeps the two and the CLI in agreement.
 */
import { Option, type Command } from "commander";
import { UsageError } from "../errors.js";

export type DlrmFlagStatus = "supported" | "differs" | "refused";

/** One dlrm_s_pytorch.py flag: its status here and, for differs or refused, what to know or use. */
export interface DlrmFlag {
  flag: string;
  status: DlrmFlagStatus;
  note: string;
  /** For a refused flag: how dlrm's argparse takes it (a bare switch, an optional bool, or a value). */
  takes?: "switch" | "bool" | "value";
}

const S = (flag: string, note = ""): DlrmFlag => ({ flag, status: "supported", note });
const D = (flag: string, note: string): DlrmFlag => ({ flag, status: "differs", note });
const R = (flag: string, takes: "switch" | "bool" | "value", note: string): DlrmFlag => ({
  flag,
  status: "refused",
  note,
  takes,
});

/** dlrm_s_pytorch.py's flags in its argparse order. */
export const DLRM_FLAGS: readonly DlrmFlag[] = [
  D(
    "--arch-sparse-feature-size",
    "default 16 (dlrm: 2), as are the other model defaults: a small model on random data",
  ),
  S("--arch-embedding-size"),
  S("--arch-mlp-bot"),
  S("--arch-mlp-top"),
  D("--arch-interaction-op", "also dcn (MLPerf DLRMv2's cross network)"),
  D("--arch-interaction-itself", "also takes a value (true/false)"),
  D("--weighted-pooling", "learned: plain tables (not with QR/MD or rwsadagrad), placed whole at --world-size N"),
  S("--md-flag"),
  S("--md-threshold"),
  S("--md-temperature"),
  S("--md-round-dims"),
  S("--qr-flag"),
  S("--qr-threshold"),
  S("--qr-operation"),
  S("--qr-collisions"),
  R(
    "--activation-function",
    "value",
    "the MLPs use ReLU (dlrm's default) and a sigmoid output; there is no other choice",
  ),
  D("--loss-function", "bce or mse; wbce is not implemented"),
  R("--loss-weights", "value", "wbce is not implemented; use --loss-function bce"),
  S("--loss-threshold"),
  D("--round-targets", "default true (dlrm: False)"),
  D("--data-size", "default 12800 (dlrm: 1)"),
  S("--num-batches"),
  D("--data-generation", "random or dataset; synthetic (trace) is not implemented"),
  S("--rand-data-dist"),
  S("--rand-data-min"),
  S("--rand-data-max"),
  S("--rand-data-mu"),
  S("--rand-data-sigma"),
  R(
    "--data-trace-file",
    "value",
    "trace-based synthetic data is not implemented; use --data-generation random or dataset",
  ),
  D("--data-set", "kaggle or terabyte; terabyte also reads PREFIX_0, PREFIX_1, ... from --raw-data-file PREFIX"),
  D(
    "--raw-data-file",
    "plain or gzip TSV; without --processed-data-file it is read as it is (hash % --max-ind-range, no day split)",
  ),
  D("--processed-data-file", "a directory of binary rows with a manifest (dlrm: a .npz file); built on first use"),
  S("--data-randomize"),
  R("--data-trace-enable-padding", "bool", "trace-based synthetic data is not implemented"),
  D(
    "--max-ind-range",
    "required with --data-generation dataset (hash % n); -1 builds dictionaries only with --processed-data-file",
  ),
  S("--data-sub-sample-rate"),
  S("--num-indices-per-lookup"),
  D("--num-indices-per-lookup-fixed", "also takes a value (true/false)"),
  R(
    "--num-workers",
    "value",
    "batches are assembled on the main thread or in one worker thread (--data-prefetch-thread)",
  ),
  D("--memory-map", "also takes a value (true/false)"),
  D("--mini-batch-size", "default 128 (dlrm: 1)"),
  S("--nepochs"),
  S("--learning-rate"),
  R("--print-precision", "value", "printed lines have fixed precision (dlrm's own format)"),
  S("--numpy-rand-seed"),
  R("--sync-dense-params", "bool", "dense parameters are always kept in sync across ranks"),
  D("--optimizer", "sgd, adagrad or rwsadagrad; default adagrad (dlrm: sgd)"),
  R("--dataset-multiprocessing", "switch", "preprocessing is resumable and chunked; `dlrm preprocess` replaces it"),
  D("--inference-only", "needs --load-model; also takes a value (true/false)"),
  R("--quantize-mlp-with-bit", "value", "quantization is not implemented"),
  R("--quantize-emb-with-bit", "value", "quantization is not implemented"),
  D("--save-onnx", "takes the file to write (dlrm's is a switch writing dlrm_s_pytorch.onnx); also `dlrm export`"),
  R("--use-gpu", "switch", "use --backend webgpu (or --backend gaudi); --backend auto takes the best available"),
  R("--local_rank", "value", "torch.distributed's launcher is not used; use --world-size N or mpirun"),
  D("--dist-backend", "mpi only (dlrm: nccl, gloo or mpi)"),
  D("--print-freq", "default 10 (dlrm: 1)"),
  D("--test-freq", "needs --processed-data-file (dlrm's day split); 0 tests after training only"),
  S("--test-mini-batch-size"),
  R("--test-num-workers", "value", "evaluation batches are assembled on the main thread"),
  D("--print-time", "also takes a value (true/false)"),
  R("--print-wall-time", "switch", "not implemented; --log-jsonl records each print step"),
  R("--debug-mode", "switch", "not implemented; DLRM_DEBUG=1 adds stack traces to errors"),
  R("--enable-profiling", "switch", "use `dlrm bench` for a per-op breakdown"),
  R("--plot-compute-graph", "switch", "not implemented"),
  R(
    "--tensor-board-filename",
    "value",
    "TensorBoard output is not implemented; --log-jsonl writes one JSON line per print step",
  ),
  D(
    "--save-model",
    "safetensors with dlrm's state_dict names plus the optimizer and training state (dlrm: a torch.save pickle)",
  ),
  D("--load-model", "a --save-model file continues training; a weights-only safetensors starts it"),
  R("--mlperf-logging", "switch", "MLPerf's mllog lines are not implemented"),
  S("--mlperf-acc-threshold"),
  S("--mlperf-auc-threshold"),
  R("--mlperf-bin-loader", "switch", "dlrm's .bin split files are not read; use --processed-data-file"),
  R("--mlperf-bin-shuffle", "switch", "dlrm's .bin split files are not read; --data-randomize shuffles"),
  R("--mlperf-grad-accum-iter", "value", "gradient accumulation is not implemented"),
  S("--lr-num-warmup-steps"),
  S("--lr-decay-start-step"),
  S("--lr-num-decay-steps"),
];

/**
 * Adds a hidden option for every refused dlrm flag the command does not define itself (a
 * flag implemented later simply takes precedence), and refuses any given one before the
 * action runs: `--flag: is dlrm_s_pytorch.py's, not implemented here: <note>`.
 */
export function addRefusedDlrmOptions(cmd: Command): Command {
  const defined = new Set(cmd.options.map((o) => o.long));
  const refused = DLRM_FLAGS.filter((f) => f.status === "refused" && !defined.has(f.flag)).map((f) => {
    const spec = f.takes === "switch" ? f.flag : f.takes === "bool" ? `${f.flag} [bool]` : `${f.flag} <value>`;
    const option = new Option(spec).hideHelp();
    cmd.addOption(option);
    return { ...f, key: option.attributeName() };
  });
  return cmd.hook("preAction", (_program, action) => {
    for (const f of refused)
      if (action.getOptionValueSource(f.key) === "cli")
        throw new UsageError(f.flag, `is dlrm_s_pytorch.py's, not implemented here: ${f.note}`);
  });
}
