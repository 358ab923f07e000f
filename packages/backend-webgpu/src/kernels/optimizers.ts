/**
 * Dense optimizer steps, in place: `sgdStep`, `adagradStep` and the fused `fusedAdagradStep`,
 * which updates up to G tensors per dispatch (G = storage buffers per stage / 3, at most 4):
 * an invocation per element of the concatenated tensors finds its tensor from the prefix
 * sizes in the uniforms. WGSL entry points: sgdStep, adagradStep, fusedAdagradStep.
 */
import type { BackendOps, FusedOps } from "@dlrm/core";
import { main1d, f32, storage, uniformStruct, type GpuContext } from "../context.js";
import type { Bound } from "../tensors.js";

type Args<K extends keyof BackendOps> = Parameters<BackendOps[K]>[0];
type FusedArgs = Parameters<NonNullable<FusedOps["fusedAdagradStep"]>>[0];

/** Most tensors one fused Adagrad dispatch updates. */
const MAX_GROUP = 4;

const SGD = () => `// sgdStep
${uniformStruct(["n: u32", "lr: f32"])}${storage(1, "param", "f32")}${storage(2, "grad", "f32")}${main1d("sgdStep")}
  if (i >= p.n) { return; }
  param[i] -= p.lr * grad[i];
}
`;

/** Adagrad over G tensors, entry point `name`; ends[g] = sum of sizes of tensors 0..g. */
function adagradWgsl(name: "adagradStep" | "fusedAdagradStep", group: number): string {
  const fields = ["lr: f32", "eps: f32", ...Array.from({ length: group }, (_, g) => `end${g}: u32`)];
  const decls = Array.from(
    { length: group },
    (_, g) =>
      storage(3 * g + 1, `param${g}`, "f32") +
      storage(3 * g + 2, `grad${g}`, "f32") +
      storage(3 * g + 3, `acc${g}`, "f32"),
  ).join("");
  const branches = Array.from({ length: group }, (_, g) => {
    const start = g === 0 ? "0u" : `p.end${g - 1}`;
    return `  if (i < p.end${g}) {
    let k = i - ${start};
    let gr = grad${g}[k];
    let a = acc${g}[k] + gr * gr;
    acc${g}[k] = a;
    param${g}[k] -= p.lr * gr / (sqrt(a) + p.eps);
    return;
  }
`;
  }).join("");
  return `// ${name} (${group} tensors)
${uniformStruct(fields)}${decls}${main1d(name)}${branches}}
`;
}

/** param[i] -= lr * grad[i]; in place. */
export function sgdStep(ctx: GpuContext, args: Args<"sgdStep">): void {
  const op = "sgdStep";
  const n = args.size;
  const lr = args.lr;
  const [param, grad] = ctx.tensors.bindArgs(op, args, "param", "grad");
  ctx.rec.dispatch1d(ctx.pipelines.kernel("sgdStep", 2, SGD), [param, grad], [n, f32(lr)], n);
  ctx.rec.endOp();
}

/** acc += g^2; param -= lr g / (sqrt(acc) + eps); in place. */
export function adagradStep(ctx: GpuContext, args: Args<"adagradStep">): void {
  const op = "adagradStep";
  const n = args.size;
  const lr = args.lr;
  const eps = args.eps;
  const [param, grad, acc] = ctx.tensors.bindArgs(op, args, "param", "grad", "acc");
  ctx.rec.dispatch1d(
    ctx.pipelines.kernel("adagradStep:1", 3, () => adagradWgsl("adagradStep", 1)),
    [param, grad, acc],
    [f32(lr), f32(eps), n],
    n,
  );
  ctx.rec.endOp();
}

/** adagradStep on every (params[i], grads[i], accs[i]), G tensors per dispatch. */
export function fusedAdagradStep(ctx: GpuContext, args: FusedArgs): void {
  const op = "fusedAdagradStep";
  const { lr, eps } = args;
  const items = args.params.map((param, i) => ({
    size: param.size,
    buffers: [
      ctx.tensors.bind(param, op, `params[${i}]`),
      ctx.tensors.bind(args.grads[i], op, `grads[${i}]`),
      ctx.tensors.bind(args.accs[i], op, `accs[${i}]`),
    ],
  }));
  const group = Math.max(1, Math.min(MAX_GROUP, Math.floor(ctx.limits.maxStorageBuffersPerShaderStage / 3)));
  for (let s = 0; s < items.length; s += group) {
    const chunk = items.slice(s, s + group);
    const buffers: Bound[] = chunk.flatMap((c) => c.buffers);
    const ends: number[] = [];
    chunk.forEach((c, g) => ends.push((g === 0 ? 0 : ends[g - 1]!) + c.size));
    const total = ends[ends.length - 1]!;
    const kernel = ctx.pipelines.kernel(`fusedAdagradStep:${chunk.length}`, 3 * chunk.length, () =>
      adagradWgsl("fusedAdagradStep", chunk.length),
    );
    ctx.rec.dispatch1d(kernel, buffers, [f32(lr), f32(eps), ...ends], total);
  }
  ctx.rec.endOp();
}
