import fc from "fast-check";
import { it } from "vitest";
import { anyValue, EXACT, opsOf, SUMS } from "../op_cases.js";
import { allIndices, broadcastShapes, ordinalOf, readBroadcast } from "../shape_oracles.js";
import { describeEachBackend, GRADCHECK_RUNS, RUNS, weights } from "./harness.js";
import { arbBroadcastPair, build, each, type Operand, toLeaf, type ValuesArb } from "./operands.js";

/**
 * matmul on every backend, in every operand combination PyTorch's matmul accepts (1-D vectors,
 * 2-D matrices, batched with broadcasting batch dims), on any layout, and its gradients.
 */

type Shape = readonly number[];

/** Operand ranks: 1-D vectors, 2-D matrices, or batched (2 + 1–2 broadcasting batch dims). */
type MatmulVariant =
  | "1-D·2-D"
  | "2-D·2-D"
  | "batched·batched"
  | "1-D·batched"
  | "batched·2-D"
  | "1-D·1-D"
  | "2-D·1-D"
  | "batched·1-D";

/** A product [n, k] @ [k, m] with broadcasting batch dims ba and bb. */
interface Dims {
  readonly n: number;
  readonly k: number;
  readonly m: number;
  readonly ba: number[];
  readonly bb: number[];
}

/** The operands' shapes, for every operand combination PyTorch's matmul accepts. */
const variantShapes: Record<MatmulVariant, (d: Dims) => [number[], number[]]> = {
  "1-D·2-D": ({ k, m }) => [[k], [k, m]],
  "2-D·2-D": ({ n, k, m }) => [
    [n, k],
    [k, m],
  ],
  batched·batched: ({ n, k, m, ba, bb }) => [
    [...ba, n, k],
    [...bb, k, m],
  ],
  "1-D·batched": ({ k, m, bb }) => [[k], [...bb, k, m]],
  "batched·2-D": ({ n, k, m, ba }) => [
    [...ba, n, k],
    [k, m],
  ],
  "1-D·1-D": ({ k }) => [[k], [k]],
  "2-D·1-D": ({ n, k }) => [[n, k], [k]],
  "batched·1-D": ({ n, k, ba }) => [[...ba, n, k], [k]],
};

const variants = opsOf(variantShapes);

function arbMatmul(
  variant: MatmulVariant,
  values: ValuesArb,
  maxDim = 4,
): fc.Arbitrary<[Operand, Operand]> {
  const d = fc.integer({ min: 1, max: maxDim });
  return fc.record({ n: d, k: d, m: d }).chain((nkm) =>
    // 1–2 batch dims of 1–3 that broadcast, then the matrix dims.
    arbBroadcastPair(values, values, { minRank: 1, maxRank: 2, maxDim: 3 }, (ba, bb) =>
      variantShapes[variant]({ ...nkm, ba, bb }),
    ),
  );
}

/**
 * PyTorch's matmul by loops: 1-D operands become [1, k] / [k, 1] and the added dim is removed
 * from the result; batch dims broadcast. Also the gradients of Σ w·(a @ b).
 */
function matmulHost(
  aShape: Shape,
  av: readonly number[],
  bShape: Shape,
  bv: readonly number[],
  w: readonly number[] | null,
) {
  const a2 = aShape.length === 1 ? [1, aShape[0]] : [...aShape];
  const b2 = bShape.length === 1 ? [bShape[0], 1] : [...bShape];
  const [n, k] = a2.slice(-2);
  const m = b2[b2.length - 1];
  const batchA = a2.slice(0, -2);
  const batchB = b2.slice(0, -2);
  const batch = broadcastShapes(batchA, batchB);
  const ga = new Array<number>(av.length).fill(0);
  const gb = new Array<number>(bv.length).fill(0);
  const values = allIndices([...batch, n, m]).map((o, oi) => {
    const bi = o.slice(0, -2);
    const [r, c] = o.slice(-2);
    const ia = readBroadcast(bi, batchA);
    const ib = readBroadcast(bi, batchB);
    let acc = 0;
    for (let j = 0; j < k; j++) {
      const pa = ordinalOf([...ia, r, j], a2);
      const pb = ordinalOf([...ib, j, c], b2);
      acc += av[pa] * bv[pb];
      if (w !== null) {
        ga[pa] += w[oi] * bv[pb];
        gb[pb] += w[oi] * av[pa];
      }
    }
    return acc;
  });
  const shape = [...batch];
  if (aShape.length > 1) shape.push(n);
  if (bShape.length > 1) shape.push(m);
  return { shape, values, ga, gb };
}

describeEachBackend("matmul", (suite) => {
  const { opts, grad, host, numerically, checkNumerically, expectValues, expectGrad } = suite;

  it.each(variants)("%s", async (variant) => {
    await fc.assert(
      fc.asyncProperty(arbMatmul(variant, each(anyValue)), async ([a, b]) => {
        const out = build(a, opts).view.matmul(build(b, opts).view);
        const want = matmulHost(a.shape, a.values, b.shape, b.values, null);
        await expectValues(out, want.shape, want.values, SUMS, `${a.shape} @ ${b.shape}`);
      }),
      { numRuns: RUNS },
    );
  });

  it("with a 1-D second operand ([2,3]@[3], [3]@[3], [2,2,3]@[3]; a regression)", async () => {
    const a = host([1, 2, 3, 4, 5, 6], [2, 3]);
    const v = host([1, -1, 2], [3]);
    await expectValues(a.matmul(v), [2], [5, 11], EXACT, "[2,3]@[3]");
    await expectValues(v.matmul(v), [], [6], EXACT, "[3]@[3]");
    const batched = host([1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6], [2, 2, 3]);
    await expectValues(batched.matmul(v), [2, 2], [5, 11, 5, 11], EXACT, "[2,2,3]@[3]");
  });

  it.each(variants)("%s: dA = G·Bᵀ, dB = Aᵀ·G (batch dims summed back)", async (variant) => {
    await fc.assert(
      fc.asyncProperty(arbMatmul(variant, each(anyValue)), async ([a, b]) => {
        const ta = build(a, grad);
        const tb = build(b, grad);
        const out = ta.view.matmul(tb.view);
        const w = weights(out.numel());
        out.mul(host(w, out.shape)).sum().backward();
        const want = matmulHost(a.shape, a.values, b.shape, b.values, w);
        const what = `${a.layout} ${a.shape} @ ${b.layout} ${b.shape}`;
        await expectGrad(ta.leaf, toLeaf(a, want.ga), SUMS, `${what}, first`);
        await expectGrad(tb.leaf, toLeaf(b, want.gb), SUMS, `${what}, second`);
      }),
      { numRuns: RUNS },
    );
  });

  it.each(variants)(`%s: the gradients match ${numerically}`, async (variant) => {
    await fc.assert(
      fc.asyncProperty(arbMatmul(variant, each(anyValue), 3), async ([a, b]) => {
        await checkNumerically((x, y) => x.matmul(y), [a, b], `${a.shape} @ ${b.shape}`);
      }),
      { numRuns: GRADCHECK_RUNS },
    );
  });
});
