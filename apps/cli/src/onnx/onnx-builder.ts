/**
 * A small ONNX graph builder over onnx-proto's generated protobuf classes (ONNX's own
 * onnx.proto, compiled by protobufjs): float32 and int64 initializers, nodes with typed
 * attributes, graph inputs and outputs with symbolic dimensions, and the encoded ModelProto.
 * Names are made unique by a counter, so callers never pick intermediate names.
 */
import onnxProto from "onnx-proto";

const { onnx } = onnxProto;

/** The ONNX opset the exported graphs use (16 or later: ScatterElements/ScatterND reductions). */
export const ONNX_OPSET = 17;

/** An attribute value: a number is an INT, an array INTS, a string STRING, `{ float }` a FLOAT. */
export type AttributeValue = number | number[] | string | { float: number };

/** A dimension of a graph input or output: a fixed size or a symbolic name. */
export type Dim = number | string;

export class OnnxGraphBuilder {
  private readonly nodes: onnxProto.onnx.INodeProto[] = [];
  private readonly initializers: onnxProto.onnx.ITensorProto[] = [];
  private readonly inputs: onnxProto.onnx.IValueInfoProto[] = [];
  private readonly outputs: onnxProto.onnx.IValueInfoProto[] = [];
  private counter = 0;

  /** A fresh value name starting with `hint`. */
  private fresh(hint: string): string {
    return `${hint}_${this.counter++}`;
  }

  /** A float32 initializer of `shape` holding `data` (row-major); returns its name. */
  floats(name: string, shape: readonly number[], data: Float32Array): string {
    this.initializers.push({
      name,
      dims: [...shape],
      dataType: onnx.TensorProto.DataType.FLOAT,
      rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    });
    return name;
  }

  /** An int64 initializer of `shape` (a 1-D list when `shape` is omitted); returns its name. */
  ints(values: readonly number[], shape: readonly number[] = [values.length], hint = "const"): string {
    const name = this.fresh(hint);
    this.initializers.push({
      name,
      dims: [...shape],
      dataType: onnx.TensorProto.DataType.INT64,
      rawData: new Uint8Array(BigInt64Array.from(values, (v) => BigInt(v)).buffer),
    });
    return name;
  }

  /** Adds node `op` over `inputs` ("" for an omitted optional input); returns its output names. */
  node(op: string, inputs: readonly string[], attrs: Record<string, AttributeValue> = {}, outputs = 1): string[] {
    const out = Array.from({ length: outputs }, () => this.fresh(op));
    const attribute = Object.entries(attrs).map(([name, v]): onnxProto.onnx.IAttributeProto => {
      if (typeof v === "string")
        return { name, type: onnx.AttributeProto.AttributeType.STRING, s: new TextEncoder().encode(v) };
      if (Array.isArray(v)) return { name, type: onnx.AttributeProto.AttributeType.INTS, ints: v };
      if (typeof v === "object") return { name, type: onnx.AttributeProto.AttributeType.FLOAT, f: v.float };
      return { name, type: onnx.AttributeProto.AttributeType.INT, i: v };
    });
    this.nodes.push({ opType: op, input: [...inputs], output: out, attribute, name: out[0]! });
    return out;
  }

  /** Adds one-output node `op` and returns that output's name. */
  op(op: string, inputs: readonly string[], attrs: Record<string, AttributeValue> = {}): string {
    return this.node(op, inputs, attrs)[0]!;
  }

  /** Declares graph input `name` of element type `elem` ("float" or "int64") and `dims`. */
  input(name: string, elem: "float" | "int64", dims: readonly Dim[]): string {
    this.inputs.push(valueInfo(name, elem, dims));
    return name;
  }

  /** Makes `value` the graph output `name` (through an Identity) with `dims`. */
  output(name: string, value: string, dims: readonly Dim[]): void {
    this.nodes.push({ opType: "Identity", input: [value], output: [name], name });
    this.outputs.push(valueInfo(name, "float", dims));
  }

  /** The encoded ModelProto (IR version 8, opset ONNX_OPSET) of graph `graphName`. */
  encode(graphName: string, docString: string): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: 8,
      producerName: "dlrm",
      docString,
      opsetImport: [{ domain: "", version: ONNX_OPSET }],
      graph: {
        name: graphName,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      },
    });
    return onnx.ModelProto.encode(model).finish();
  }
}

/** A ValueInfoProto of a tensor with symbolic (string) or fixed (number) dimensions. */
function valueInfo(name: string, elem: "float" | "int64", dims: readonly Dim[]): onnxProto.onnx.IValueInfoProto {
  const elemType = elem === "float" ? onnx.TensorProto.DataType.FLOAT : onnx.TensorProto.DataType.INT64;
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === "number" ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}
