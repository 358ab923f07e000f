/**
 * The logistic sigmoid (dlrm's `--activation-function sigmoid`): `sigmoidForward` and
 * `sigmoidBackward` (dX = (dY * y) * (1 - y)), element-wise with in place allowed (one
 * binding per distinct buffer), and `SIGMOID_WGSL`, the one WGSL function that the GEMM's
 * linear epilogue calls too. f32 throughout; exp(v) / (1 + exp(v)) for v < 0, no overflow.
 */
import type { BackendOps } from "@dlrm/core";
import { main1d, uniformStruct, type GpuContext } from "../context.js";
import { distinct } from "./elementwise.js";

type Args<K extends keyof BackendOps> = Parameters<BackendOps[K]>[0];

/** WGSL `sigmoid_of(v)`: 1 / (1 + exp(-v)) for v >= 0, exp(v) / (1 + exp(v)) below. */
export const SIGMOID_WGSL = `fn sigmoid_of(v: f32) -> f32 {
  if (v >= 0.0) { return 1.0 / (1.0 + exp(-v)); }
  let e = exp(v);
  return e / (1.0 + e);
}
`;

const SIGMOID_FORWARD = (decls: string, x: string, y: string) => `// sigmoidForward
${SIGMOID_WGSL}${uniformStruct(["n: u32"])}${decls}${main1d("sigmoidForward")}
  if (i >= p.n) { return; }
  ${y}[i] = sigmoid_of(${x}[i]);
}
`;

const SIGMOID_BACKWARD = (decls: string, y: string, dy: string, dx: string) => `// sigmoidBackward
${uniformStruct(["n: u32"])}${decls}${main1d("sigmoidBackward")}
  if (i >= p.n) { return; }
  let v = ${y}[i];
  ${dx}[i] = (${dy}[i] * v) * (1.0 - v);
}
`;

/** y[i] = sigmoid(x[i]); overwrite, in place allowed. */
export function sigmoidForward(ctx: GpuContext, args: Args<"sigmoidForward">): void {
  const n = args.size;
  const [x, y] = ctx.tensors.bindArgs("sigmoidForward", args, "x", "y");
  const d = distinct([
    ["x", x],
    ["y", y],
  ]);
  const kernel = ctx.pipelines.kernel(`sigmoidForward:${d.key}`, d.buffers.length, () =>
    SIGMOID_FORWARD(d.decls, d.names["x"]!, d.names["y"]!),
  );
  ctx.rec.dispatch1d(kernel, d.buffers, [n], n);
  ctx.rec.endOp();
}

/** dX[i] = (dY[i] * y[i]) * (1 - y[i]); overwrite, in place allowed. */
export function sigmoidBackward(ctx: GpuContext, args: Args<"sigmoidBackward">): void {
  const n = args.size;
  const [y, dY, dX] = ctx.tensors.bindArgs("sigmoidBackward", args, "y", "dY", "dX");
  const d = distinct([
    ["y", y],
    ["dY", dY],
    ["dX", dX],
  ]);
  const kernel = ctx.pipelines.kernel(`sigmoidBackward:${d.key}`, d.buffers.length, () =>
    SIGMOID_BACKWARD(d.decls, d.names["y"]!, d.names["dY"]!, d.names["dX"]!),
  );
  ctx.rec.dispatch1d(kernel, d.buffers, [n], n);
  ctx.rec.endOp();
}
