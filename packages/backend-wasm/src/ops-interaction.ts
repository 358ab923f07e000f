/**
 * Feature interaction ops of the contract on the wasm kernels (`dot` and `cat`, with or
 * without self-interaction). Output widths: cat F*D; dot D + P, P = F(F-1)/2 (+ F with
 * the diagonal), F = T + 1. bf16 rounds the dot products' operands (see the contract).
 */
import type { BackendOps, InteractionOp } from "@dlrm/core";
import type { OpContext } from "./context.js";
import { bf16Flag } from "./ops-dense.js";
import { count, dim } from "./registry.js";

type Args<K extends keyof BackendOps> = Parameters<BackendOps[K]>[0];

/** Kernel op code and the per-sample output width. */
function shape(op: string, kind: InteractionOp, itself: boolean, d: number, t: number): { code: number; width: number } {
  const f = t + 1;
  if (kind === "cat") return { code: 1, width: f * d };
  if (kind === "dot") return { code: 0, width: d + (f * (f - 1)) / 2 + (itself ? f : 0) };
  throw new RangeError(`${op}: unknown interaction op '${String(kind)}'`);
}

/** out = concat(x, pairwise dots) or concat(x, e_1 .. e_T). */
export function interactionForward(ctx: OpContext, args: Args<"interactionForward">): void {
  const op = "interactionForward";
  const b = dim(op, "batchSize", args.batchSize), d = dim(op, "dim", args.dim), t = dim(op, "numTables", args.numTables);
  const { code, width } = shape(op, args.op, args.itself, d, t);
  const x = ctx.registry.offset(args.x, op, "x", "f32", count(op, b, d));
  const pooled = ctx.registry.offset(args.pooled, op, "pooled", "f32", count(op, b, t, d));
  const out = ctx.registry.offset(args.out, op, "out", "f32", count(op, b, width));
  ctx.kernels.interactionForward(x, pooled, out, b, d, t, code, args.itself ? 1 : 0, bf16Flag(op, args.precision));
}

/** dX and dPooled from dOut, overwrite. */
export function interactionBackward(ctx: OpContext, args: Args<"interactionBackward">): void {
  const op = "interactionBackward";
  const b = dim(op, "batchSize", args.batchSize), d = dim(op, "dim", args.dim), t = dim(op, "numTables", args.numTables);
  const { code, width } = shape(op, args.op, args.itself, d, t);
  const x = ctx.registry.offset(args.x, op, "x", "f32", count(op, b, d));
  const pooled = ctx.registry.offset(args.pooled, op, "pooled", "f32", count(op, b, t, d));
  const dOut = ctx.registry.offset(args.dOut, op, "dOut", "f32", count(op, b, width));
  const dX = ctx.registry.offset(args.dX, op, "dX", "f32", count(op, b, d));
  const dPooled = ctx.registry.offset(args.dPooled, op, "dPooled", "f32", count(op, b, t, d));
  ctx.kernels.interactionBackward(x, pooled, dOut, dX, dPooled, b, d, t, code, args.itself ? 1 : 0, bf16Flag(op, args.precision));
}
