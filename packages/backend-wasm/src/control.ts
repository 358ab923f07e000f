/**
 * Layout of the control block shared between the main thread and one GEMM worker: a small
 * SharedArrayBuffer of i32 slots (alpha and beta stored as f32 bits). The main thread
 * writes the arguments, bumps SEQ and notifies; the worker runs its block of C, stores SEQ
 * into DONE and notifies back (Atomics.wait / Atomics.notify on both sides).
 */

export const SEQ = 0;
export const DONE = 1;
export const OP = 2;
export const ERROR = 3;
/** i32 arguments in kernel order start here (see `GemmKernel` / `LinearKernel`). */
export const ARGS = 4;
export const ALPHA = 24;
export const BETA = 25;
export const SLOTS = 32;

/** Operations a worker runs. */
export const OP_GEMM = 0;
export const OP_LINEAR = 1;
export const OP_QUIT = 2;

/** What a worker is started with. */
export interface WorkerInit {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control: SharedArrayBuffer;
}
