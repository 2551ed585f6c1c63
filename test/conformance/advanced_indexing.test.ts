import fc from "fast-check";
import { expect, it } from "vitest";
import * as mt from "../../src/index.js";
import { anyValue, EXACT } from "../op_cases.js";
import {
  allIndices,
  applyPartner,
  broadcastShapes,
  nest,
  ordinalOf,
  partnerArb,
  product,
  range,
  readBroadcast,
} from "../shape_oracles.js";
import { type Gather, gather, gathered, gatherProperties } from "./gather.js";
import { describeEachBackend, type Suite } from "./harness.js";
import { arbAnyOperand, arbOperand, each, type Operand } from "./operands.js";

/**
 * Advanced indexing on every backend: `x.index(…)` with integer tensors and boolean masks mixed
 * with numbers, slices, null and "...", as PyTorch's `x[idx]`. Expected values come from a plain-JS
 * oracle (`advancedHost`) that states NumPy's rule per output element; the result shapes of the
 * placement rule (adjacent advanced indices in place, separated ones in front, numbers and 0-d
 * integer tensors selecting first) were checked against PyTorch 1.13 and are written out below.
 *
 * A mask's true count sets the result's size, so mask indexing needs a synchronous read: on the
 * webgpu backend it is a BackendError, which its own test checks.
 */

type Tensor = mt.Tensor;
type Shape = readonly number[];
type Basic = Exclude<mt.IndexArg, Tensor>;

/** An index tensor in plain JS: integer values or 0/1 mask flags, row-major, of `shape`. */
interface TensorSpec {
  readonly kind: "int" | "mask";
  readonly values: readonly number[];
  readonly shape: readonly number[];
}
type Arg = Basic | TensorSpec;

const isSpec = (a: Arg): a is TensorSpec => typeof a === "object" && a !== null && "kind" in a;
const int = (values: readonly number[], shape: Shape = [values.length]): TensorSpec => ({
  kind: "int",
  values,
  shape,
});
const mask = (flags: readonly number[], shape: Shape = [flags.length]): TensorSpec => ({
  kind: "mask",
  values: flags,
  shape,
});

/** The arguments for `x.index(…)` on `t`'s backend: index tensors as int64 (int32) or bool. */
function argsOn(t: Tensor, args: readonly Arg[]): mt.IndexArg[] {
  return args.map((a) => {
    if (!isSpec(a)) return a;
    const dtype = a.kind === "int" ? "int64" : "bool";
    return mt.tensor(nest(a.values, a.shape), { backend: t.backend, dtype }).reshape([...a.shape]);
  });
}

/** Python's range(start, stop, step) of a slice on a dim of `size`, as CPython resolves it. */
function sliceIndices(slice: mt.Slice, size: number): number[] {
  const [start = null, stop = null, step = null] = slice as readonly (number | null)[];
  const bound = (b: number | null, otherwise: number) =>
    b === null ? otherwise : Math.min(Math.max(b < 0 ? b + size : b, 0), size);
  const out: number[] = [];
  for (let i = bound(start, 0); i < bound(stop, size); i += step ?? 1) out.push(i);
  return out;
}

/** One integer index array of the broadcast group (a mask gives one per dim it covers). */
interface Member {
  readonly shape: readonly number[];
  readonly values: readonly number[];
  readonly size: number;
  /** A 0-d integer index: it selects (as a number does) and does not count for adjacency. */
  readonly selects: boolean;
}

/** What one argument does to the result, in order: fix a dim, walk positions, add a dim, or index. */
type Item =
  | { readonly kind: "fixed"; readonly dim: number; readonly at: number }
  | { readonly kind: "walk"; readonly dim: number | null; readonly positions: number[] }
  | { readonly kind: "advanced"; readonly dim: number | null; readonly member: Member };

/** The coordinates of a mask's true flags, one array per dim (row-major order): `nonzero`. */
function nonzero(flags: readonly number[], shape: Shape): number[][] {
  const coords = shape.map(() => [] as number[]);
  allIndices(shape).forEach((p, k) => {
    if (flags[k] === 0) return;
    p.forEach((x, d) => {
      coords[d].push(x);
    });
  });
  return coords;
}

/**
 * `x.index(...args)` of a tensor of `shape` in plain JS, by NumPy's rule with PyTorch's reading of
 * numbers and 0-d integer tensors as selections: each output element's input element.
 */
function advancedHost(shape: Shape, args: readonly Arg[]): Gather {
  const width = (a: Arg) =>
    isSpec(a) ? (a.kind === "mask" ? a.shape.length : 1) : a === null || a === "..." ? 0 : 1;
  const ellipsis = shape.length - args.reduce<number>((n, a) => n + width(a), 0);
  const items: Item[] = [];
  let d = 0;
  const walkWhole = () => {
    items.push({ kind: "walk", dim: d, positions: range(shape[d]) });
    d++;
  };
  for (const a of args) {
    if (a === null) items.push({ kind: "walk", dim: null, positions: [0] });
    else if (a === "...") range(ellipsis).forEach(walkWhole);
    else if (typeof a === "number")
      items.push({ kind: "fixed", dim: d++, at: a < 0 ? a + shape[d - 1] : a });
    else if (!isSpec(a)) {
      items.push({ kind: "walk", dim: d, positions: sliceIndices(a, shape[d]) });
      d++;
    } else if (a.kind === "int") {
      const member = {
        shape: a.shape,
        values: a.values,
        size: shape[d],
        selects: a.shape.length === 0,
      };
      items.push({ kind: "advanced", dim: d++, member });
    } else if (a.shape.length === 0) {
      // A 0-d mask adds a size-1 dim and indexes it: [0] if true, [] if false.
      const n = a.values[0] !== 0 ? 1 : 0;
      const member = { shape: [n], values: new Array<number>(n).fill(0), size: 1, selects: false };
      items.push({ kind: "advanced", dim: null, member });
    } else {
      for (const coords of nonzero(a.values, a.shape)) {
        const member = { shape: [coords.length], values: coords, size: shape[d], selects: false };
        items.push({ kind: "advanced", dim: d++, member });
      }
    }
  }
  while (d < shape.length) walkWhole();
  const members = items.flatMap((it) => (it.kind === "advanced" ? [it.member] : []));
  const b = members.reduce<number[]>((s, m) => broadcastShapes(s, m.shape), []);
  // The items that make result dims (numbers and 0-d integer indices select: they make none).
  const making = items.filter(
    (it) => it.kind === "walk" || (it.kind === "advanced" && !it.member.selects),
  );
  const counted = making.flatMap((it, k) => (it.kind === "advanced" ? [k] : []));
  const adjacent = counted.every((k, i) => k === counted[0] + i);
  const at = adjacent && counted.length > 0 ? counted[0] : 0;
  const walks = making.filter((it) => it.kind === "walk");
  const before = walks.slice(0, making.slice(0, at).filter((it) => it.kind === "walk").length);
  const after = walks.slice(before.length);
  const outShape = [...before, ...after].map((w) => w.positions.length);
  outShape.splice(before.length, 0, ...b);
  return gather(shape, outShape, (o) => {
    const bAt = o.slice(before.length, before.length + b.length);
    const walked = [...o.slice(0, before.length), ...o.slice(before.length + b.length)];
    const input = new Array<number>(shape.length).fill(0);
    let w = 0;
    for (const it of items) {
      if (it.kind === "fixed") input[it.dim] = it.at;
      else if (it.kind === "walk") {
        const p = it.positions[walked[w++]];
        if (it.dim !== null) input[it.dim] = p;
      } else if (it.dim !== null) {
        const m = it.member;
        const v = m.values[ordinalOf(readBroadcast(bAt, m.shape), m.shape)];
        input[it.dim] = v < 0 ? v + m.size : v;
      }
    }
    return input;
  });
}

/** A dim's argument in a random case: an integer tensor from the broadcast group, or basic. */
type Choice = "int" | "number" | "slice" | "whole";

/** Integer values in [−size, size) for an index of `shape` (negative ones count from the end). */
const indexValues = (shape: Shape, size: number) =>
  fc.array(fc.integer({ min: -size, max: size - 1 }), {
    minLength: product(shape),
    maxLength: product(shape),
  });

/** A basic argument for a dim of `size` (a number or a slice). */
function basicFor(choice: Exclude<Choice, "int">, size: number): fc.Arbitrary<Basic> {
  if (choice === "whole") return fc.constant<Basic>([]);
  if (choice === "number") return fc.integer({ min: -size, max: size - 1 });
  const bound = fc.oneof(fc.constant(null), fc.integer({ min: -size - 1, max: size + 1 }));
  return fc.tuple(bound, bound, fc.oneof(fc.constant(null), fc.integer({ min: 1, max: 2 })));
}

/** The group's broadcast shape B: 0 to 2 dims, now and then empty (0) or 0-d. */
const arbGroupShape = fc.array(
  fc.oneof(
    { arbitrary: fc.integer({ min: 1, max: 3 }), weight: 5 },
    { arbitrary: fc.constant(0), weight: 1 },
  ),
  { maxLength: 2 },
);

/** Random nulls and an optional "..." over a run of the arguments (as test/conformance/indexing). */
function withNullsAndEllipsis(args: readonly Arg[]): fc.Arbitrary<Arg[]> {
  const n = args.length;
  return fc
    .record({
      nulls: fc.array(fc.integer({ min: 0, max: n }), { maxLength: 2 }),
      ellipsis: fc.option(
        fc
          .integer({ min: 0, max: n })
          .chain((at) => fc.integer({ min: 0, max: n - at }).map((length) => ({ at, length }))),
      ),
    })
    .map(({ nulls, ellipsis }) => {
      const out = [...args];
      if (ellipsis !== null) out.splice(ellipsis.at, ellipsis.length, "...");
      for (const at of [...nulls].sort((x, y) => y - x))
        out.splice(Math.min(at, out.length), 0, null);
      return out;
    });
}

/** A random operand indexed by integer tensors (broadcasting together) mixed with basic arguments. */
function arbIntCase(maxRank: number, maxDim: number) {
  return arbAnyOperand(each(anyValue), { minRank: 1, maxRank, maxDim }).chain((input) =>
    fc
      .tuple(
        arbGroupShape,
        fc.tuple(
          ...input.shape.map(() =>
            fc.constantFrom<Choice>("int", "int", "number", "slice", "whole"),
          ),
        ),
      )
      .chain(([b, choices]) =>
        fc.tuple(
          ...choices.map((c, k): fc.Arbitrary<Arg> => {
            const size = input.shape[k];
            if (c !== "int") return basicFor(c, size);
            return partnerArb(b.length)
              .map((spec) => applyPartner(b, spec))
              .chain((shape) => indexValues(shape, size).map((values) => int(values, shape)));
          }),
        ),
      )
      .chain((args) => withNullsAndEllipsis(args))
      .filter((args) => args.some(isSpec))
      .map((args) => caseOf(input, args)),
  );
}

/**
 * A random operand indexed by a mask covering k consecutive dims, basic arguments elsewhere, and
 * perhaps a 0-d or [1] integer index (which broadcasts with the mask's [n]).
 */
function arbMaskCase(maxRank: number, maxDim: number) {
  return arbAnyOperand(each(anyValue), { minRank: 1, maxRank, maxDim }).chain((input) => {
    const n = input.shape.length;
    return fc
      .integer({ min: 0, max: n - 1 })
      .chain((start) => fc.tuple(fc.constant(start), fc.integer({ min: 1, max: n - start })))
      .chain(([start, k]) => {
        const covered = input.shape.slice(start, start + k);
        const flags = fc.array(fc.integer({ min: 0, max: 1 }), {
          minLength: product(covered),
          maxLength: product(covered),
        });
        const others = input.shape.map((size): fc.Arbitrary<Arg> => {
          const choice = fc.constantFrom<Exclude<Choice, "int"> | "scalar">(
            "number",
            "slice",
            "whole",
            "whole",
            "scalar",
          );
          return choice.chain(
            (c): fc.Arbitrary<Arg> =>
              c === "scalar"
                ? fc
                    .tuple(
                      fc.constantFrom<Shape>([], [1]),
                      fc.integer({ min: -size, max: size - 1 }),
                    )
                    .map(([s, v]) => int([v], s))
                : basicFor(c, size),
          );
        });
        return fc
          .tuple(flags, fc.tuple(...others))
          .map(([f, rest]) => [
            ...rest.slice(0, start),
            mask(f, covered),
            ...rest.slice(start + k),
          ]);
      })
      .map((args) => caseOf(input, args));
  });
}

function caseOf(input: Operand, args: readonly Arg[]) {
  const shown = args.map((a) =>
    isSpec(a)
      ? `${a.kind}${JSON.stringify(a.values)}:${JSON.stringify(a.shape)}`
      : JSON.stringify(a),
  );
  return {
    input,
    apply: (t: Tensor) => t.index(...argsOn(t, args)),
    want: advancedHost(input.shape, args),
    what: `index(${shown.join(", ")}) of ${JSON.stringify(input.shape)}`,
  };
}

/** A tensor of `shape` holding 0, 1, 2, … on the suite's backend. */
function counting(suite: Suite, shape: Shape, options: mt.TensorOptions = suite.opts): Tensor {
  return mt.tensor(nest(range(product(shape)), shape), options);
}

/** x[2,3,4,5] = 0…119, indexed: shapes PyTorch 1.13 gives (run with /usr/bin/python3 and written out here), and the oracle's values. */
const TORCH_SHAPES: readonly { args: Arg[]; shape: number[]; torch: string }[] = [
  {
    args: [0, [], int([0, 2, 1, 0, 3])],
    shape: [3, 5, 5],
    torch: "x[0, :, i]: a number selects first, i in place",
  },
  { args: [[], 0, int([0, -1, 1, 0, -2])], shape: [2, 5, 5], torch: "x[:, 0, i]" },
  {
    args: [int([0, 1, 1, 0, 1]), [], int([0, -1, 1, 0, -2])],
    shape: [5, 3, 5],
    torch: "x[i, :, j]: separated, in front",
  },
  {
    args: [[], int([0, 1, 2]), int([1, 1, 3])],
    shape: [2, 3, 5],
    torch: "x[:, i, j]: adjacent, in place",
  },
  {
    args: [[], int([0, 1, 2]), 0, int([1, 1, 3])],
    shape: [2, 3],
    torch: "x[:, i, 0, j]: the number does not separate",
  },
  {
    args: [[], int([2, 1]), null, int([1, 3])],
    shape: [2, 2, 1, 5],
    torch: "x[:, i, None, j]: None separates",
  },
  { args: [[], int([2, 1]), "...", int([1, 4])], shape: [2, 2, 4], torch: "x[:, i, ..., j]" },
  { args: [null, int([1, 0, -1])], shape: [1, 3, 3, 4, 5], torch: "x[None, i]" },
  { args: [int([1, 0]), 0, int([2, 3])], shape: [2, 5], torch: "x[i, 0, j]" },
  {
    args: [int([0, 1], [2, 1]), int([0, 2, -1])],
    shape: [2, 3, 4, 5],
    torch: "x[j2d, i]: broadcast [2,1] with [3]",
  },
  { args: [int([0, 1], [2, 1]), [], int([0, 2, -1])], shape: [2, 3, 3, 5], torch: "x[j2d, :, i]" },
  {
    args: [[], int([0, 1], [2, 1]), [1, 3], int([0, 2, -1])],
    shape: [2, 3, 2, 2],
    torch: "x[:, j2d, 1:3, i]",
  },
  { args: [int([1, 0]), [], 0, int([1, 4])], shape: [2, 3], torch: "x[i, :, 0, j]" },
  {
    args: [int([1], []), [], int([0, 3])],
    shape: [3, 2, 5],
    torch: "x[t0, :, i]: a 0-d index selects",
  },
  { args: [[], int([2], []), [], int([0, 4])], shape: [2, 4, 2], torch: "x[:, t0, :, i]" },
  { args: [int([1], []), [], int([2], [])], shape: [3, 5], torch: "x[t0, :, t1]" },
  { args: [mask([1], [])], shape: [1, 2, 3, 4, 5], torch: "x[True]" },
  { args: [[], mask([0], []), int([1])], shape: [2, 0, 4, 5], torch: "x[:, False, [1]]" },
  { args: [mask([1, 0, 1, 0, 0, 1], [2, 3]), int([1, 2, 3])], shape: [3, 5], torch: "x[m2d, i]" },
  { args: [[], mask([1, 0, 1]), int([1, 3])], shape: [2, 2, 5], torch: "x[:, m, i]" },
  { args: [int([], [2, 0]), [], int([2])], shape: [2, 0, 3, 5], torch: "x[empty[2,0], :, i]" },
];

describeEachBackend("advanced indexing", (suite) => {
  const { opts, grad, expectValues, expectGrad, checkNumerically } = suite;
  const sync = suite.backend.synchronousRead;
  gatherProperties(suite, "index(…) with integer tensors", arbIntCase);
  if (sync) gatherProperties(suite, "index(…) with a mask", arbMaskCase);
  else
    it.skip(`index(…) with a mask: the ${suite.name} backend cannot read a mask synchronously`, () => {});

  it("result shapes match PyTorch's placement rule", async () => {
    const x = counting(suite, [2, 3, 4, 5]);
    for (const { args, shape, torch } of TORCH_SHAPES) {
      if (!sync && args.some((a) => isSpec(a) && a.kind === "mask")) continue;
      const want = advancedHost(x.shape, args);
      expect(want.shape, `the oracle agrees with PyTorch: $torch`).toEqual(shape);
      await expectValues(
        x.index(...argsOn(x, args)),
        shape,
        gathered(range(120), want),
        EXACT,
        torch,
      );
    }
  });

  it("integer indices: negatives from the end, 2-D, 0-d, empty, and a copy", async () => {
    const x = counting(suite, [3, 4]);
    await expectValues(
      x.index(...argsOn(x, [int([-1, 0, -3])])),
      [3, 4],
      [8, 9, 10, 11, 0, 1, 2, 3, 0, 1, 2, 3],
      EXACT,
      "x[[-1, 0, -3]]",
    );
    await expectValues(
      x.index(...argsOn(x, [[], int([3, -4, 1, 1], [2, 2])])),
      [3, 2, 2],
      [3, 0, 1, 1, 7, 4, 5, 5, 11, 8, 9, 9],
      EXACT,
      "x[:, [[3, -4], [1, 1]]]",
    );
    await expectValues(
      x.index(...argsOn(x, [int([2], [])])),
      [4],
      [8, 9, 10, 11],
      EXACT,
      "x[tensor(2)]",
    );
    await expectValues(
      x.index(...argsOn(x, [int([1], []), int([-1], [])])),
      [],
      [7],
      EXACT,
      "x[t1, t-1]",
    );
    await expectValues(x.index(...argsOn(x, [int([])])), [0, 4], [], EXACT, "x[empty]");
    await expectValues(x.index(...argsOn(x, [[], int([])])), [3, 0], [], EXACT, "x[:, empty]");
    // Broadcasting rows [3,1] against columns [2]: the outer product of positions.
    await expectValues(
      x.index(...argsOn(x, [int([0, 2, 1], [3, 1]), int([1, 3])])),
      [3, 2],
      [1, 3, 9, 11, 5, 7],
      EXACT,
      "x[rows, cols]",
    );
    const before = mt.memory().buffers;
    const y = x.index(...argsOn(x, [int([0])]));
    expect(mt.memory().buffers, "advanced indexing copies (a new buffer)").toBeGreaterThan(before);
    expect(y.shape).toEqual([1, 4]);
  });

  it("integer indices of a non-contiguous input read its logical elements", async () => {
    const x = counting(suite, [3, 4]).T; // [4, 3], x[i][j] = 4j + i
    await expectValues(
      x.index(...argsOn(x, [int([3, 0]), int([-1, 1])])),
      [2],
      [11, 4],
      EXACT,
      "x.T[[3, 0], [-1, 1]]",
    );
    await expectValues(
      x.index(...argsOn(x, [[1, 4, 2], int([2, 0])])),
      [2, 2],
      [9, 1, 11, 3],
      EXACT,
      "x.T[1::2, [2, 0]]",
    );
    const e = mt.tensor([1, 2, 3], opts).expand([2, 3]);
    await expectValues(
      e.index(...argsOn(e, [int([1, 1]), int([2, 0])])),
      [2],
      [3, 1],
      EXACT,
      "expanded",
    );
  });

  it.skipIf(!sync)(
    "masks: a whole-shape mask is maskedSelect, a partial one keeps the other dims",
    async () => {
      const x = counting(suite, [2, 3]);
      const full = argsOn(x, [mask([1, 0, 1, 0, 0, 1], [2, 3])]);
      await expectValues(x.index(...full), [3], [0, 2, 5], EXACT, "x[m] (1-D)");
      expect(Array.from(await x.index(...full).data())).toEqual(
        Array.from(await x.maskedSelect(full[0] as Tensor).data()),
      );
      await expectValues(
        x.index(...argsOn(x, [mask([0, 1])])),
        [1, 3],
        [3, 4, 5],
        EXACT,
        "x[rows]",
      );
      await expectValues(
        x.index(...argsOn(x, [[], mask([1, 0, 1])])),
        [2, 2],
        [0, 2, 3, 5],
        EXACT,
        "x[:, cols]",
      );
      await expectValues(
        x.index(...argsOn(x, ["...", mask([0, 0, 0])])),
        [2, 0],
        [],
        EXACT,
        "x[..., nothing]",
      );
      await expectValues(
        x.index(...argsOn(x, [mask([1], [])])),
        [1, 2, 3],
        range(6),
        EXACT,
        "x[True]",
      );
      await expectValues(x.index(...argsOn(x, [mask([0], [])])), [0, 2, 3], [], EXACT, "x[False]");
    },
  );

  it("gradients add up over repeated indices, and match central differences", async () => {
    const leaf = counting(suite, [3, 2], grad);
    leaf
      .index(...argsOn(leaf, [int([2, 0, 2, -1])]))
      .sum()
      .backward();
    await expectGrad(leaf, [1, 1, 0, 0, 3, 3], EXACT, "x[[2, 0, 2, -1]]: row 2 three times");
    const twice = counting(suite, [3, 2], grad);
    const at = argsOn(twice, [int([0, 0, 1], [3, 1]), int([1, 1])]);
    twice
      .index(...at)
      .sum()
      .backward();
    await expectGrad(twice, [0, 4, 0, 2, 0, 0], EXACT, "x[rows, cols] with repeats in both");
    await fc.assert(
      fc.asyncProperty(arbOperand([3, 2, 2], each(anyValue)), async (input) => {
        await checkNumerically(
          (t) =>
            t
              .index(...argsOn(t, [int([2, -1, 0]), [], int([1, 1, 0])]))
              .mul(t.index(...argsOn(t, [int([0, 2, 2]), 1]))),
          [input],
          "x[i, :, j] · x[k, 1]",
        );
      }),
      { numRuns: 3 },
    );
  });

  it.skipIf(!sync)("a mask's gradient goes to the elements it selects", async () => {
    const leaf = counting(suite, [2, 3], grad);
    const out = leaf.index(...argsOn(leaf, [[], mask([1, 0, 1])]));
    out
      .mul(
        mt.tensor(
          [
            [1, 2],
            [3, 4],
          ],
          opts,
        ),
      )
      .sum()
      .backward();
    await expectGrad(leaf, [1, 0, 2, 3, 0, 4], EXACT, "x[:, m]");
  });

  it("a float index tensor is a DTypeError naming its dtype", () => {
    const x = counting(suite, [2, 3]);
    const f = mt.tensor([0, 1], opts);
    expect(() => x.index(f)).toThrow(mt.DTypeError);
    expect(() => x.index([], f)).toThrow(
      /index: tensors used as indices \(advanced indexing\) must be long, int, byte or bool, got a float32 tensor of shape \[2\] at argument 1/,
    );
  });

  it("errors name the index, the dim and its size, and the shapes", () => {
    const x = counting(suite, [2, 3, 4]);
    const on =
      (...args: Arg[]) =>
      () =>
        x.index(...argsOn(x, args));
    expect(on(int([0]), int([0, 1]), int([0, 1, 2]))).toThrow(
      /index tensors of shapes \[1\], \[2\], \[3\]\): shapes \[2\] and \[3\] do not broadcast/,
    );
    expect(on(int([0]), 0, 0, 0)).toThrow(/too many indices for a tensor of shape \[2,3,4\]/);
    if (sync) {
      expect(on(mask([1, 0, 1]))).toThrow(mt.ShapeError);
      expect(on(mask([1, 0, 1]))).toThrow(
        /the shape \[3\] of the mask at argument 0 does not match the shape \[2\] of the dim 0 it indexes \(input shape \[2,3,4\]\)/,
      );
      expect(on([], mask([1, 0, 1, 1, 0, 1], [3, 2]))).toThrow(
        /the shape \[3,2\] of the mask at argument 1 does not match the shape \[3,4\] of the dims 1…2/,
      );
    }
    if (!sync) return;
    // Index values are checked where the backend reads synchronously.
    expect(on([], int([1, 3]))).toThrow(mt.ShapeError);
    expect(on([], int([1, 3]))).toThrow(
      /index: index 3 \(in the index tensor at argument 1\) is out of range for dim 1 of size 3 \(expected an integer in \[-3, 2\]\)/,
    );
    expect(on(0, [], int([-5]))).toThrow(/index -5 .* out of range for dim 2 of size 4/);
    expect(on(int([2], []))).toThrow(/index 2 .* out of range for dim 0 of size 2/);
  });

  it.skipIf(sync)("on a backend that reads asynchronously a mask is a BackendError", () => {
    const x = counting(suite, [2, 3]);
    expect(() => x.index(...argsOn(x, [mask([1, 0])]))).toThrow(mt.BackendError);
    expect(() => x.index(...argsOn(x, [mask([1, 0])]))).toThrow(
      /move the tensors with await t.to\("cpu"\), or use where\/maskedFill/,
    );
  });

  it.skipIf(sync)(
    "on a backend that reads asynchronously an index out of range reads 0",
    async () => {
      const x = counting(suite, [2, 3], grad);
      const out = x.index(...argsOn(x, [[], int([2, 3, -4, -1])]));
      await expectValues(out, [2, 4], [2, 0, 0, 2, 5, 0, 0, 5], EXACT, "x[:, [2, 3, -4, -1]]");
      out.sum().backward();
      await expectGrad(x, [0, 0, 2, 0, 0, 2], EXACT, "no gradient to out-of-range indices");
    },
  );
});
