/**
 * Element-wise ops and the bias: `reluForward` (NaN propagates, as torch.relu),
 * `reluBackward`, `biasAddForward` (y += bias per column) and `biasAddBackward` (column
 * sums, one invocation per column summing rows in order: deterministic), and DCNv2's cross
 * layer (`crossForward`, `crossBackward`, with and without dXl). ReLU in place binds the
 * shared buffer once (a specialised pipeline per aliasing pattern).
 */
import type { BackendOps } from "@dlrm/core";
import { main1d, storage, uniformStruct, type GpuContext } from "../context.js";
import type { Bound } from "../tensors.js";

type Args<K extends keyof BackendOps> = Parameters<BackendOps[K]>[0];

/** WGSL test for NaN that survives fast-math (exponent all ones, mantissa non-zero). */
export const IS_NAN = "fn is_nan(v: f32) -> bool { return (bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u; }\n";

/**
 * Binds each distinct buffer once (WebGPU forbids two writable bindings of one buffer) and
 * names each argument after its binding: returns the WGSL declarations, the buffers in
 * binding order, each argument's variable name and a key fragment for the aliasing pattern.
 */
export function distinct(args: readonly (readonly [string, Bound])[]): {
  decls: string;
  buffers: Bound[];
  names: Record<string, string>;
  key: string;
} {
  const buffers: Bound[] = [];
  const names: Record<string, string> = {};
  for (const [name, b] of args) {
    let k = buffers.findIndex((x) => x.id === b.id);
    if (k < 0) k = buffers.push(b) - 1;
    names[name] = `v${k}`;
  }
  const decls = buffers.map((_, k) => storage(k + 1, `v${k}`, "f32")).join("");
  return { decls, buffers, names, key: args.map(([n]) => names[n]).join("") };
}

const RELU_FORWARD = (decls: string, x: string, y: string) => `// reluForward
${IS_NAN}${uniformStruct(["n: u32"])}${decls}${main1d("reluForward")}
  if (i >= p.n) { return; }
  let v = ${x}[i];
  ${y}[i] = select(0.0, v, v > 0.0 || is_nan(v));
}
`;

const RELU_BACKWARD = (decls: string, y: string, dy: string, dx: string) => `// reluBackward
${uniformStruct(["n: u32"])}${decls}${main1d("reluBackward")}
  if (i >= p.n) { return; }
  ${dx}[i] = select(0.0, ${dy}[i], ${y}[i] > 0.0);
}
`;

const CROSS_FORWARD = (decls: string, x0: string, y: string, xl: string, out: string) => `// crossForward
${uniformStruct(["n: u32"])}${decls}${main1d("crossForward")}
  if (i >= p.n) { return; }
  ${out}[i] = ${x0}[i] * ${y}[i] + ${xl}[i];
}
`;

const CROSS_BACKWARD = (withXl: boolean) => `// crossBackward${withXl ? " with dXl" : " (layer 0)"}
${uniformStruct(["n: u32", "accumulate: u32"])}${storage(1, "x0", "f32")}${storage(2, "y", "f32")}${storage(3, "dOut", "f32")}${storage(4, "dY", "f32")}${storage(5, "dX0", "f32")}${withXl ? storage(6, "dXl", "f32") : ""}${main1d("crossBackward")}
  if (i >= p.n) { return; }
  let g = dOut[i];
  dY[i] = g * x0[i];
  var acc = 0.0;
  if (p.accumulate != 0u) { acc = dX0[i]; }
  ${withXl ? "dX0[i] = acc + g * y[i];\n  dXl[i] = g;" : "dX0[i] = acc + g * y[i] + g;"}
}
`;

const BIAS_FORWARD = () => `// biasAddForward
${uniformStruct(["n: u32", "cols: u32"])}${storage(1, "y", "f32")}${storage(2, "bias", "f32")}${main1d("biasAddForward")}
  if (i >= p.n) { return; }
  y[i] = y[i] + bias[i % p.cols];
}
`;

const BIAS_BACKWARD = () => `// biasAddBackward
${uniformStruct(["rows: u32", "cols: u32"])}${storage(1, "dy", "f32")}${storage(2, "db", "f32")}${main1d("biasAddBackward")}
  if (i >= p.cols) { return; }
  var s = 0.0;
  for (var r = 0u; r < p.rows; r++) { s += dy[r * p.cols + i]; }
  db[i] = s;
}
`;

/** y[i] = max(x[i], 0), NaN kept; overwrite, in place allowed. */
export function reluForward(ctx: GpuContext, args: Args<"reluForward">): void {
  const n = args.size;
  const [x, y] = ctx.tensors.bindArgs("reluForward", args, "x", "y");
  const d = distinct([
    ["x", x],
    ["y", y],
  ]);
  const kernel = ctx.pipelines.kernel(`reluForward:${d.key}`, d.buffers.length, () =>
    RELU_FORWARD(d.decls, d.names["x"]!, d.names["y"]!),
  );
  ctx.rec.dispatch1d(kernel, d.buffers, [n], n);
  ctx.rec.endOp();
}

/** dX[i] = y[i] > 0 ? dY[i] : 0; overwrite, in place allowed. */
export function reluBackward(ctx: GpuContext, args: Args<"reluBackward">): void {
  const n = args.size;
  const [y, dY, dX] = ctx.tensors.bindArgs("reluBackward", args, "y", "dY", "dX");
  const d = distinct([
    ["y", y],
    ["dY", dY],
    ["dX", dX],
  ]);
  const kernel = ctx.pipelines.kernel(`reluBackward:${d.key}`, d.buffers.length, () =>
    RELU_BACKWARD(d.decls, d.names["y"]!, d.names["dY"]!, d.names["dX"]!),
  );
  ctx.rec.dispatch1d(kernel, d.buffers, [n], n);
  ctx.rec.endOp();
}

/** out[i] = x0[i] * y[i] + xl[i]; overwrite, no aliasing. */
export function crossForward(ctx: GpuContext, args: Args<"crossForward">): void {
  const n = args.size;
  const [x0, y, xl, out] = ctx.tensors.bindArgs("crossForward", args, "x0", "y", "xl", "out");
  // Layer 0 reads x0 as xl too: one binding for the shared buffer.
  const d = distinct([
    ["x0", x0],
    ["y", y],
    ["xl", xl],
    ["out", out],
  ]);
  const kernel = ctx.pipelines.kernel(`crossForward:${d.key}`, d.buffers.length, () =>
    CROSS_FORWARD(d.decls, d.names["x0"]!, d.names["y"]!, d.names["xl"]!, d.names["out"]!),
  );
  ctx.rec.dispatch1d(kernel, d.buffers, [n], n);
  ctx.rec.endOp();
}

/** dY = dOut * x0; dX0 = (accumulate ? dX0 : 0) + dOut * y (+ dOut without dXl); dXl = dOut when given. */
export function crossBackward(ctx: GpuContext, args: Args<"crossBackward">): void {
  const n = args.size;
  const withXl = args.dXl !== undefined;
  const bound = withXl
    ? ctx.tensors.bindArgs("crossBackward", args, "x0", "y", "dOut", "dY", "dX0", "dXl")
    : ctx.tensors.bindArgs("crossBackward", args, "x0", "y", "dOut", "dY", "dX0");
  const kernel = ctx.pipelines.kernel(`crossBackward:${withXl ? "dXl" : "layer0"}`, bound.length, () =>
    CROSS_BACKWARD(withXl),
  );
  ctx.rec.dispatch1d(kernel, bound, [n, args.accumulate ? 1 : 0], n);
  ctx.rec.endOp();
}

/** y[i, j] += bias[j] for y (rows x cols); accumulate. */
export function biasAddForward(ctx: GpuContext, args: Args<"biasAddForward">): void {
  const rows = args.rows;
  const cols = args.cols;
  const [y, bias] = ctx.tensors.bindArgs("biasAddForward", args, "y", "bias");
  ctx.rec.dispatch1d(
    ctx.pipelines.kernel("biasAddForward", 2, BIAS_FORWARD),
    [y, bias],
    [rows * cols, cols],
    rows * cols,
  );
  ctx.rec.endOp();
}

/** dBias[j] = sum_i dY[i, j]; overwrite. */
export function biasAddBackward(ctx: GpuContext, args: Args<"biasAddBackward">): void {
  const rows = args.rows;
  const cols = args.cols;
  const [dY, dBias] = ctx.tensors.bindArgs("biasAddBackward", args, "dY", "dBias");
  ctx.rec.dispatch1d(ctx.pipelines.kernel("biasAddBackward", 2, BIAS_BACKWARD), [dY, dBias], [rows, cols], cols);
  ctx.rec.endOp();
}
