/**
 * Worker thread entry: instantiates the module on the shared memory, then loops forever
 * on its control block, running the GEMM or linear block it is given (see control.ts).
 * It never allocates; it writes only the C block and the scratch it was assigned.
 */
import { workerData } from "node:worker_threads";
import { ALPHA, ARGS, BETA, DONE, ERROR, OP, OP_GEMM, OP_QUIT, SEQ, type WorkerInit } from "./control.js";
import { instantiate } from "./loader.js";

const init = workerData as WorkerInit;
const kernels = instantiate(init.module, init.memory);
const ctl = new Int32Array(init.control);
const ctlF32 = new Float32Array(init.control);
let seen = Atomics.load(ctl, SEQ);
Atomics.store(ctl, DONE, seen);
Atomics.notify(ctl, DONE);

for (;;) {
  Atomics.wait(ctl, SEQ, seen);
  const seq = Atomics.load(ctl, SEQ);
  if (seq === seen) continue;
  seen = seq;
  const op = ctl[OP]!;
  if (op === OP_QUIT) {
    Atomics.store(ctl, DONE, seq);
    Atomics.notify(ctl, DONE);
    break;
  }
  const a = (i: number): number => ctl[ARGS + i]!;
  try {
    if (op === OP_GEMM) {
      kernels.gemm(
        a(0),
        a(1),
        a(2),
        a(3),
        a(4),
        a(5),
        a(6),
        a(7),
        ctlF32[ALPHA]!,
        ctlF32[BETA]!,
        a(8),
        a(9),
        a(10),
        a(11),
        a(12),
        a(13),
      );
    } else {
      kernels.linearForward(a(0), a(1), a(2), a(3), a(4), a(5), a(6), a(7), a(8), a(9), a(10), a(11), a(12), a(13));
    }
    ctl[ERROR] = 0;
  } catch {
    ctl[ERROR] = 1;
  }
  Atomics.store(ctl, DONE, seq);
  Atomics.notify(ctl, DONE);
}
