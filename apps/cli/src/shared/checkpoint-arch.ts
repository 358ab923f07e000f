/**
 * The model shape of a saved safetensors file (dlrm's state_dict names), for `dlrm predict`
 * run without arch flags: D from emb_l.0.weight [rows, D], the bottom MLP from bot_l.{2i}.weight
 * [out, in], the top MLP outputs from top_l.{2i}.weight, the table rows (and, for raw rows,
 * --max-ind-range when every table has the same rows). A flag given on the command line or by a preset wins.
 */
import { closeSync } from "node:fs";
import type { Command } from "commander";
import { openSafetensors } from "@dlrm/core";

/** Output widths of `prefix.{0,2,4,...}.weight` [out, in], with the first layer's input width. */
function mlpWidths(shapes: Map<string, number[]>, prefix: string): { input: number; outputs: number[] } | undefined {
  const outputs: number[] = [];
  let input = 0;
  for (let i = 0; shapes.has(`${prefix}.${2 * i}.weight`); i++) {
    const s = shapes.get(`${prefix}.${2 * i}.weight`)!;
    if (i === 0) input = s[1]!;
    outputs.push(s[0]!);
  }
  return outputs.length === 0 ? undefined : { input, outputs };
}

/** Sets every arch flag still at its built-in default from the shapes in `weightsFile`. */
export function archFromCheckpoint(cmd: Command, weightsFile: string, setMaxIndRange: boolean): void {
  const file = openSafetensors(weightsFile);
  closeSync(file.fd);
  const shapes = new Map(file.entries.map((e) => [e.name, e.shape]));
  const tables: number[][] = [];
  for (let t = 0; shapes.has(`emb_l.${t}.weight`); t++) tables.push(shapes.get(`emb_l.${t}.weight`)!);
  const bottom = mlpWidths(shapes, "bot_l");
  const top = mlpWidths(shapes, "top_l");
  const set = (key: string, value: unknown): void => {
    if (cmd.getOptionValueSource(key) === "default") cmd.setOptionValueWithSource(key, value, "default");
  };
  if (tables.length > 0) {
    set("archSparseFeatureSize", tables[0]![1]);
    set(
      "archEmbeddingSize",
      tables.map((s) => s[0]!),
    );
    if (setMaxIndRange && tables.every((s) => s[0] === tables[0]![0])) set("maxIndRange", tables[0]![0]);
  }
  if (bottom !== undefined) set("archMlpBot", [bottom.input, ...bottom.outputs]);
  if (top !== undefined) set("archMlpTop", top.outputs);
}
