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
  S("--activation-function"),
  D("--loss-function", "bce or mse; wbce is not implemented"),
  R("--loss-weights", "value", "wbce is not implemented; use --loss-function bce"),
  S("--loss-threshold"),
  D("--round-targets", "default true (dlrm: False)"),
  D("--data-size", "default 12800 (dlrm: 1)"),
  S("--num-batches"),
  D(
    "--data-generation",
    "random, dataset or synthetic (random data's generator, each table's indices from --data-trace-file); random streams are not numpy's",
  ),
  S("--rand-data-dist"),
  S("--rand-data-min"),
  S("--rand-data-max"),
  S("--rand-data-mu"),
  S("--rand-data-sigma"),
  D(
    "--data-trace-file",
    "one distribution file per table, the j's of the file name (dlrm: of the whole path) replaced by the table number; read once (dlrm: once per bag)",
  ),
  D("--data-set", "kaggle or terabyte; terabyte also reads PREFIX_0, PREFIX_1, ... from --raw-data-file PREFIX"),
  D(
    "--raw-data-file",
    "plain or gzip TSV; without --processed-data-file it is read as it is (hash % --max-ind-range, no day split)",
  ),
  D("--processed-data-file", "a directory of binary rows with a manifest (dlrm: a .npz file); built on first use"),
  S("--data-randomize"),
  D(
    "--data-trace-enable-padding",
    "a value is read as true/false (dlrm's type=bool takes any non-empty value as True)",
  ),
  D(
    "--max-ind-range",
    "required with --data-generation dataset (hash % n); -1 builds dictionaries only with --processed-data-file",
  ),
  S("--data-sub-sample-rate"),
  S("--num-indices-per-lookup"),
  D("--num-indices-per-lookup-fixed", "also takes a value (true/false)"),
  D(
    "--num-workers",
    "0 (dlrm's default) assembles training batches on the main thread, n > 0 in one worker thread 2n batches ahead (dlrm: n DataLoader processes, 2 batches each); dataset only",
  ),
  D("--memory-map", "also takes a value (true/false)"),
  D("--mini-batch-size", "default 128 (dlrm: 1)"),
  S("--nepochs"),
  S("--learning-rate"),
  D(
    "--print-precision",
    "the digits of the printed loss, accuracy and AUC (dlrm: numpy's and torch's print precision, default 5); unset: dlrm's line format",
  ),
  S("--numpy-rand-seed"),
  R("--sync-dense-params", "bool", "dense parameters are always kept in sync across ranks"),
  D("--optimizer", "sgd, adagrad or rwsadagrad; default adagrad (dlrm: sgd)"),
  R("--dataset-multiprocessing", "switch", "preprocessing is resumable and chunked; `dlrm preprocess` replaces it"),
  D("--inference-only", "needs --load-model; also takes a value (true/false)"),
  D(
    "--quantize-mlp-with-bit",
    "8 or 32, for --inference-only, dlrm predict, eval and serve: int8 weights per tensor, inputs per sample; 16 is not implemented",
  ),
  D(
    "--quantize-emb-with-bit",
    "4, 8 or 32, for --inference-only, dlrm predict, eval and serve: FBGEMM's row-wise layouts, scored on the host",
  ),
  D("--save-onnx", "takes the file to write (dlrm's is a switch writing dlrm_s_pytorch.onnx); also `dlrm export`"),
  R("--use-gpu", "switch", "use --backend webgpu (or --backend gaudi); --backend auto takes the best available"),
  R("--local_rank", "value", "torch.distributed's launcher is not used; use --world-size N or mpirun"),
  D("--dist-backend", "mpi only (dlrm: nccl, gloo or mpi)"),
  D("--print-freq", "default 10 (dlrm: 1)"),
  D("--test-freq", "needs --processed-data-file (dlrm's day split); 0 tests after training only"),
  S("--test-mini-batch-size"),
  R("--test-num-workers", "value", "evaluation batches are assembled on the main thread"),
  D("--print-time", "also takes a value (true/false)"),
  D("--print-wall-time", "also takes a value (true/false)"),
  R("--debug-mode", "switch", "not implemented; DLRM_DEBUG=1 adds stack traces to errors"),
  R("--enable-profiling", "switch", "use `dlrm bench` for a per-op breakdown"),
  R("--plot-compute-graph", "switch", "not implemented"),
  D(
    "--tensor-board-filename",
    "written only when given (dlrm: always, default run_kaggle_pt): Train/Loss and Train/Acc per print step, Test/Loss, Test/Acc and Test/AUC per test",
  ),
  D(
    "--save-model",
    "safetensors with dlrm's state_dict names plus the optimizer and training state (dlrm: a torch.save pickle)",
  ),
  D("--load-model", "a --save-model file continues training; a weights-only safetensors starts it"),
  D(
    "--mlperf-logging",
    "mllog lines on stdout only (dlrm also writes them to dlrm.log); run_stop ends every run, success when an --mlperf-*-threshold is reached",
  ),
  S("--mlperf-acc-threshold"),
  S("--mlperf-auc-threshold"),
  D(
    "--mlperf-bin-loader",
    "reads PREFIX_train.bin and PREFIX_test.bin (PREFIX: --processed-data-file without extension) and RAW_fea_count.npz, which must exist (dlrm: preprocesses when missing; only with --mlperf-logging, --memory-map, terabyte); a last partial training batch is dropped",
  ),
  D(
    "--mlperf-bin-shuffle",
    "shuffles the training batches' order every epoch, seeded by --numpy-rand-seed (dlrm: torch's RandomSampler)",
  ),
  D(
    "--mlperf-grad-accum-iter",
    "the N mini-batches' mean-loss gradients are summed, then one step, computed as one batch of N x --mini-batch-size (dlrm: only with --mlperf-logging, and its zero_grad before the N-th backward keeps only the last); --print-freq and --test-freq count steps",
  ),
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
