/**
 * `dlrm train --help` grouped by topic (model, data, optimizer, run control, checkpoints,
 * distributed, backend) through commander's Option.helpGroup: each option is listed once,
 * under the heading its flag names here, or for a flag added later, the one its name or
 * description suggests (run control when nothing does).
 */
import { Option, type Command } from "commander";

/** The headings, in the order help prints them. */
export const HELP_GROUPS = [
  "Model:",
  "Data:",
  "Optimizer and loss:",
  "Run control:",
  "Checkpoints:",
  "Distributed:",
  "Backend:",
] as const;

export type HelpGroup = (typeof HELP_GROUPS)[number];

const BY_FLAG: Record<HelpGroup, readonly string[]> = {
  "Model:": ["--preset", "--arch-sparse-feature-size", "--arch-embedding-size", "--arch-mlp-bot", "--arch-mlp-top"],
  "Data:": [
    "--data-generation",
    "--data-size",
    "--raw-data-file",
    "--max-ind-range",
    "--num-indices-per-lookup",
    "--num-indices-per-lookup-fixed",
    "--round-targets",
    "--numpy-rand-seed",
  ],
  "Optimizer and loss:": [
    "--mini-batch-size",
    "--learning-rate",
    "--optimizer",
    "--loss-function",
    "--loss-threshold",
    "--lr-num-warmup-steps",
    "--lr-decay-start-step",
    "--lr-num-decay-steps",
  ],
  "Run control:": [
    "--nepochs",
    "--num-batches",
    "--print-freq",
    "--print-time",
    "--test-freq",
    "--test-mini-batch-size",
    "--on-nonfinite",
    "--max-consecutive-skips",
    "--log-jsonl",
    "--inference-only",
    "--help",
  ],
  "Checkpoints:": [
    "--load-model",
    "--save-model",
    "--checkpoint-every",
    "--checkpoint-keep",
    "--checkpoint-dir",
    "--resume",
  ],
  "Distributed:": [
    "--world_size",
    "--distributed",
    "--dist-backend",
    "--dist-timeout",
    "--sharding",
    "--memory-per-rank",
  ],
  "Backend:": ["--backend", "--mode", "--data_type", "--threads"],
};

const GROUP_OF = new Map<string, HelpGroup>(
  HELP_GROUPS.flatMap((g) => BY_FLAG[g].map((flag) => [flag, g] as [string, HelpGroup])),
);

/** The heading for a flag not in the table, from its name and description. */
function guessGroup(flag: string, description: string): HelpGroup {
  if (/^--(arch-|dcn-|qr-|md-)/.test(flag)) return "Model:";
  if (/^--mlperf-/.test(flag)) return "Run control:";
  if (description.startsWith("dataset") || /^--(data|rand-data|multi-hot|cat-)/.test(flag)) return "Data:";
  if (/checkpoint|model/.test(flag)) return "Checkpoints:";
  if (/^--(dist|world|rank)/.test(flag)) return "Distributed:";
  if (/^--(lr-|optim)/.test(flag)) return "Optimizer and loss:";
  return "Run control:";
}

/** The heading `o` is listed under. */
export function helpGroupOf(o: Option): HelpGroup {
  const flag = o.long ?? o.short ?? o.flags;
  return GROUP_OF.get(flag) ?? guessGroup(flag, o.description);
}

/**
 * Puts every option of `cmd`, help included, under its topic heading. Commander orders the
 * headings by their first option in `cmd.options`, so that list is sorted (stably) by topic.
 */
export function groupHelp(cmd: Command): Command {
  const rank = (o: Option): number => HELP_GROUPS.indexOf(helpGroupOf(o));
  for (const o of cmd.options) o.helpGroup(helpGroupOf(o));
  (cmd.options as Option[]).sort((a, b) => rank(a) - rank(b));
  return cmd.addHelpOption(new Option("-h, --help", "display help for command").helpGroup("Run control:"));
}
