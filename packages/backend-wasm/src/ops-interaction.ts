/**
 * Feature interaction ops of the contract on the wasm kernels (`dot` and `cat`, with or
 * without self-interaction). Output widths: cat F*D; dot D + P, P = F(F-1)/2 (+ F with
 * the diagonal), F = T + 1. bf16 rounds the dot products' operands (see the contract).
 * Arguments arrive checked by core's `validateOp`.
 */
import type { BackendOps } from "@dlrm/core";
import type { OpContext } from "./context.js";
import { bf16Flag } from "./ops-dense.js";

type Args<K extends keyof BackendOps> = Parameters<BackendOps[K]>[0];

/** out = concat(x, pairwise dots) or concat(x, e_1 .. e_T). */
export function interactionForward(ctx: OpContext, args: Args<"interactionForward">): void {
  const b = args.batchSize,
    d = args.dim,
    t = args.numTables;
  const [x, pooled, out] = ctx.registry.offsets(args.x, args.pooled, args.out);
  ctx.kernels.interactionForward(
    x,
    pooled,
    out,
    b,
    d,
    t,
    args.op === "cat" ? 1 : 0,
    args.itself ? 1 : 0,
    bf16Flag(args.precision),
  );
}

/** dX and dPooled from dOut, overwrite. */
export function interactionBackward(ctx: OpContext, args: Args<"interactionBackward">): void {
  const b = args.batchSize,
    d = args.dim,
    t = args.numTables;
  const [x, pooled, dOut, dX, dPooled] = ctx.registry.offsets(args.x, args.pooled, args.dOut, args.dX, args.dPooled);
  ctx.kernels.interactionBackward(
    x,
    pooled,
    dOut,
    dX,
    dPooled,
    b,
    d,
    t,
    args.op === "cat" ? 1 : 0,
    args.itself ? 1 : 0,
    bf16Flag(args.precision),
  );
}
