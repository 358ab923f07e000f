/**
 * `dlrm train`: dlrm_s_pytorch.py's flags (shared/train-options.ts), resolved once into a
 * frozen TrainSetup; then one process trains (run-train.ts), or, with --world-size N
 * outside mpirun, `mpirun -np N` is started, or, under mpirun, this process is one rank.
 */
import type { Command } from "commander";
import { launchWithMpirun } from "../distributed/launch.js";
import { planForSource } from "@dlrm/core";
import { runAsRank } from "../distributed/rank.js";
import { runTrain } from "../run-train.js";
import { addInferenceOnlyOptions, inferenceOnlyFromOptions } from "../shared/inference-flags.js";
import { runInferenceOnly } from "../shared/inference-run.js";
import { checkNamedPaths } from "../shared/path-checks.js";
import { groupHelp } from "../shared/help-groups.js";
import { addRefusedDlrmOptions } from "../shared/dlrm-flags.js";
import { defineTrainOptions, optionsToSetup } from "../shared/train-options.js";
import { refuseQuantizedTraining } from "../shared/quantize-flags.js";

/** True when mpirun started this process (then it is one rank of a job). */
async function underMpirun(): Promise<boolean> {
  if (process.env.OMPI_COMM_WORLD_SIZE === undefined && process.env.PMIX_RANK === undefined) return false;
  const { underMpiLauncher } = await import("@dlrm/comm-mpi");
  return underMpiLauncher();
}

/** Registers `dlrm train`. */
export function registerTrain(program: Command): void {
  groupHelp(
    addRefusedDlrmOptions(
      addInferenceOnlyOptions(
        defineTrainOptions(
          program
            .command("train")
            .description(
              "Train DLRM. Flags follow facebookresearch/dlrm's dlrm_s_pytorch.py; without flags, a small model on random data.",
            ),
        ),
      ),
    ),
  ).action(async (_opts: unknown, cmd: Command) => {
    checkNamedPaths(cmd);
    const setup = optionsToSetup(cmd);
    if (!inferenceOnlyFromOptions(cmd)) refuseQuantizedTraining(setup.cli.quantize);
    if (inferenceOnlyFromOptions(cmd)) {
      await runInferenceOnly(setup);
    } else if (await underMpirun()) {
      process.exitCode = await runAsRank(setup);
    } else if (setup.cli.worldSize > 1) {
      // Random data: the plan is known before any rank starts, so a plan that cannot fit is refused once, here.
      if (setup.dataset === undefined && setup.data.kind === "random") {
        const bag = Math.min(setup.data.numIndicesPerLookup, Math.max(...setup.config.model.tableRows));
        planForSource(setup.config, { maxIndicesPerBag: bag }, setup.cli.worldSize, setup.cli.sharding);
      }
      process.exitCode = await launchWithMpirun(setup.cli.worldSize, process.argv, (l) =>
        process.stderr.write(`${l}\n`),
      );
    } else {
      await runTrain(setup);
    }
  });
}
