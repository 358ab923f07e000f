/**
 * The op specs and sparse fault rules on their own: every op of the contract has a spec, each
 * kind of bad argument gets its error class, a resolver's lifecycle error passes through, and
 * the host fault finders report the first fault in rule order with core's wording.
 */
import { describe, expect, it } from "vitest";
import { FUSED_OPS, REQUIRED_OPS, type Tensor } from "../backend.js";
import { OP_SPECS, SparseFaultCode, findBagFault, findUniqueFault, sparseFaultMessage, validateOp } from "./index.js";

const live = new Set<Tensor>();
const tensor = (size: number, dtype: "f32" | "i32" = "f32"): Tensor => {
  const t = Object.freeze({ id: live.size + 1, shape: [size], size, dtype });
  live.add(t);
  return t;
};
const resolve = (t: Tensor | undefined, op: string, arg: string): void => {
  if (!live.has(t!)) throw new Error(`${op}: argument "${arg}" (tensor #${t!.id}) was freed or never allocated here`);
};
const sgd = (over: Record<string, unknown>) => ({ param: tensor(4), grad: tensor(4), lr: 0.1, size: 4, ...over });

describe("op specs", () => {
  it("cover every required and fused op", () => {
    expect([...REQUIRED_OPS, ...FUSED_OPS].filter((op) => !(op in OP_SPECS))).toEqual([]);
  });

  it("give TypeError for a wrong kind, RangeError for a value out of range, and pass the resolver's Error through", () => {
    expect(() => validateOp("sgdStep", sgd({}), resolve)).not.toThrow();
    expect(() => validateOp("sgdStep", sgd({ lr: "0.1" }), resolve)).toThrow(
      new TypeError('sgdStep: argument "lr" must be a number, got "0.1"'),
    );
    expect(() => validateOp("sgdStep", sgd({ size: 5 }), resolve)).toThrow(
      new RangeError('sgdStep: argument "param" has 4 elements, needs at least 5'),
    );
    expect(() => validateOp("sgdStep", sgd({ grad: tensor(4, "i32") }), resolve)).toThrow(
      new TypeError('sgdStep: argument "grad" must be f32, got i32'),
    );
    expect(() => validateOp("sgdStep", sgd({ param: { id: 99, shape: [4], size: 4, dtype: "f32" } }), resolve)).toThrow(
      new Error('sgdStep: argument "param" (tensor #99) was freed or never allocated here'),
    );
    expect(() => validateOp("sgdStep", [1], resolve)).toThrow(
      new TypeError("sgdStep: the argument must be an object of named arguments, got an array"),
    );
    expect(() =>
      validateOp("fusedAdagradStep", { params: [tensor(2)], grads: [], accs: [], lr: 1, eps: 1 }, resolve),
    ).toThrow(new RangeError('fusedAdagradStep: argument "grads" has 0 tensors, params.length is 1'));
  });
});

describe("sparse fault rules", () => {
  const offsets = Int32Array.of(0, 2, 3, 5, 6);
  const indices = Int32Array.of(0, 1, 2, 3, 4, 1);

  it("find offsets faults before index faults, in position order", () => {
    expect(findBagFault(offsets, indices, 6, 2, 2, [4, 5])).toBeUndefined();
    const bad = Int32Array.of(0, 2, 1, 5, 6);
    const f = findBagFault(bad, Int32Array.of(0, 9, 2, 3, 4, 1), 6, 2, 2, [4, 5])!;
    expect(sparseFaultMessage("op", f)).toBe("op: sparse.offsets decreases at 2 (2 then 1)");
    expect(sparseFaultMessage("op", findBagFault(offsets, Int32Array.of(0, 1, 2, 3, 9, -1), 6, 2, 2, [4, 5])!)).toBe(
      "op: sparse.indices[4] = 9 is out of range for table 1 (5 rows)",
    );
    expect(findBagFault(Int32Array.of(0, 2, 3, 5, 7), indices, 6, 2, 2)).toMatchObject({
      code: SparseFaultCode.OffsetsEnd,
      value: 7,
      limit: 6,
    });
  });

  it("find unique-offset faults first, then per slot its CSR range, its bags, its row", () => {
    const view = {
      tableUniqueOffsets: Int32Array.of(0, 2, 3),
      uniqueRows: Int32Array.of(0, 9, 1),
      csrOffsets: Int32Array.of(0, 1, 2, 3),
      csrBags: Int32Array.of(0, 1, 1),
    };
    expect(sparseFaultMessage("op", findUniqueFault(view, 2, 2, [4, 5])!)).toBe(
      "op: sparse.uniqueRows[1] = 9 is out of range for table 0 (4 rows)",
    );
    expect(sparseFaultMessage("op", findUniqueFault({ ...view, csrBags: Int32Array.of(0, 5, 1) }, 2, 2, [4, 5])!)).toBe(
      "op: sparse.csrBags[1] = 5 is not a bag in 0..1",
    );
    expect(
      sparseFaultMessage("op", findUniqueFault({ ...view, csrOffsets: Int32Array.of(0, 1, 7, 3) }, 2, 2, [4, 5])!),
    ).toBe("op: sparse.csrOffsets[1..2] = 1..7 is not a valid range of sparse.csrBags");
    expect(
      sparseFaultMessage("op", findUniqueFault({ ...view, tableUniqueOffsets: Int32Array.of(0, 2, 4) }, 2, 2, [4, 5])!),
    ).toBe("op: sparse.tableUniqueOffsets ends at 4 but sparse.uniqueRows has 3 elements");
    expect(
      findUniqueFault(
        { tableUniqueOffsets: view.tableUniqueOffsets, uniqueRows: Int32Array.of(0, 1, 4) },
        2,
        undefined,
        [4, 5],
      ),
    ).toBeUndefined();
  });
});
