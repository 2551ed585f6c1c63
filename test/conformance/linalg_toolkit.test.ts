import fc from "fast-check";
import { expect, it } from "vitest";
import * as mt from "../../src/index.js";
import { anyValue, EXACT, SUMS } from "../op_cases.js";
import { allIndices, nest, ordinalOf, product } from "../shape_oracles.js";
import { describeEachBackend, RUNS } from "./harness.js";
import { arbOperand, build, each, type Operand } from "./operands.js";

/**
 * The everyday linear algebra on every backend: mm, bmm, mv, dot, outer (values on any layout,
 * gradients by central differences, PyTorch's errors) and einsum, checked against a plain-JS
 * Einstein summation over every index assignment (with PyTorch's size-1 broadcasting).
 */

/** Few runs where each case is a numerical gradient check (many backward passes each). */
const GRAD_RUNS = 3;

/** An einsum equation with its output written out, letters only (`ij,jk->ik`). */
interface Explicit {
  readonly inputs: string[];
  readonly output: string;
}

function explicit(equation: string): Explicit {
  const [lhs, rhs] = equation.split("->");
  const inputs = lhs.split(",");
  if (rhs !== undefined) return { inputs, output: rhs };
  // The implicit output, stated directly: the letters that appear once, alphabetically.
  const letters = inputs.join("").split("");
  const once = letters.filter((c) => letters.indexOf(c) === letters.lastIndexOf(c));
  return { inputs, output: once.sort().join("") };
}

/**
 * Σ over every assignment of the letters of Π operands, by brute force: an operand's dim of
 * size 1 reads index 0 whatever its letter's value (broadcasting).
 */
function einsumOracle(
  equation: string,
  shapes: readonly number[][],
  values: readonly number[][],
): { shape: number[]; values: number[] } {
  const { inputs, output } = explicit(equation);
  const size = new Map<string, number>();
  inputs.forEach((term, i) => {
    term.split("").forEach((c, d) => {
      size.set(c, Math.max(size.get(c) ?? 1, shapes[i][d]));
    });
  });
  const letters = [...size.keys()];
  const outShape = output.split("").map((c) => size.get(c) ?? 1);
  const out = new Array<number>(product(outShape)).fill(0);
  for (const assignment of allIndices(letters.map((c) => size.get(c) ?? 1))) {
    const value = (c: string) => assignment[letters.indexOf(c)];
    let term = 1;
    inputs.forEach((t, i) => {
      const index = t.split("").map((c, d) => (shapes[i][d] === 1 ? 0 : value(c)));
      term *= values[i][ordinalOf(index, shapes[i])];
    });
    out[ordinalOf(output.split("").map(value), outShape)] += term;
  }
  return { shape: outShape, values: out };
}

/** The contractions people write, with the size of each letter's dim (1–3) drawn per run. */
const EQUATIONS = [
  "bij,bjk->bik",
  "ij->ji",
  "i,j->ij",
  "ii->",
  "ii->i",
  "ij->i",
  "bhqd,bhkd->bhqk",
  "ij,jk",
  "ba",
  "i,i",
  "ij,ij->ij",
  "ij,jk,kl->il",
  "bii->bi",
  "iij->j",
  "ijk->kji",
  "i,i,i->",
  "ab,cd->cadb",
];

/** Operands for `equation`: each letter gets one size, every operand any layout. */
function arbEinsum(equation: string): fc.Arbitrary<Operand[]> {
  const { inputs } = explicit(equation);
  const letters = [...new Set(inputs.join(""))];
  return fc
    .array(fc.integer({ min: 1, max: 3 }), { minLength: letters.length, maxLength: letters.length })
    .chain((sizes) =>
      fc.tuple(
        ...inputs.map((t) =>
          arbOperand(
            t.split("").map((c) => sizes[letters.indexOf(c)]),
            each(anyValue),
          ),
        ),
      ),
    );
}

/** Plain-JS [n, k] @ [k, m] products, batched over a leading dim of `batch`. */
function bmmHost(batch: number, n: number, k: number, m: number, a: number[], b: number[]) {
  const out: number[] = [];
  for (let p = 0; p < batch; p++)
    for (let i = 0; i < n; i++)
      for (let j = 0; j < m; j++) {
        let acc = 0;
        for (let q = 0; q < k; q++) acc += a[(p * n + i) * k + q] * b[(p * k + q) * m + j];
        out.push(acc);
      }
  return out;
}

const dims = fc.integer({ min: 1, max: 4 });

describeEachBackend("linear algebra toolkit (mm, bmm, mv, dot, outer, einsum)", (suite) => {
  const { opts, host, numerically, checkNumerically, expectValues } = suite;

  it("mm and bmm multiply matrices on any layout", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc
          .record({ p: dims, n: dims, k: dims, m: dims })
          .chain((d) =>
            fc.tuple(
              fc.constant(d),
              arbOperand([d.n, d.k], each(anyValue)),
              arbOperand([d.k, d.m], each(anyValue)),
              arbOperand([d.p, d.n, d.k], each(anyValue)),
              arbOperand([d.p, d.k, d.m], each(anyValue)),
            ),
          ),
        async ([{ p, n, k, m }, a, b, ba, bb]) => {
          const mm = build(a, opts).view.mm(build(b, opts).view);
          await expectValues(mm, [n, m], bmmHost(1, n, k, m, a.values, b.values), SUMS, "mm");
          const fn = mt.mm(build(a, opts).view, build(b, opts).view);
          await expectValues(fn, [n, m], bmmHost(1, n, k, m, a.values, b.values), SUMS, "mt.mm");
          const bmm = mt.bmm(build(ba, opts).view, build(bb, opts).view);
          const want = bmmHost(p, n, k, m, ba.values, bb.values);
          await expectValues(bmm, [p, n, m], want, SUMS, "bmm");
        },
      ),
      { numRuns: RUNS },
    );
  });

  it("mv, dot and outer on vectors, any layout", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc
          .record({ n: dims, k: dims })
          .chain((d) =>
            fc.tuple(
              fc.constant(d),
              arbOperand([d.n, d.k], each(anyValue)),
              arbOperand([d.k], each(anyValue)),
              arbOperand([d.k], each(anyValue)),
              arbOperand([d.n], each(anyValue)),
            ),
          ),
        async ([{ n, k }, a, v, w, u]) => {
          const [A, V, W, U] = [a, v, w, u].map((o) => build(o, opts).view);
          await expectValues(A.mv(V), [n], bmmHost(1, n, k, 1, a.values, v.values), SUMS, "mv");
          const dot = v.values.reduce((s, x, i) => s + x * w.values[i], 0);
          await expectValues(mt.dot(V, W), [], [dot], SUMS, "dot");
          const outer = u.values.flatMap((x) => v.values.map((y) => x * y));
          await expectValues(U.outer(V), [n, k], outer, EXACT, "outer");
        },
      ),
      { numRuns: RUNS },
    );
  });

  it(`mm, bmm, mv, dot, outer: the gradients match ${numerically}`, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc
          .record({ p: dims, n: dims, k: dims, m: dims })
          .chain((d) =>
            fc.tuple(
              arbOperand([d.n, d.k], each(anyValue)),
              arbOperand([d.k, d.m], each(anyValue)),
              arbOperand([d.p, d.n, d.k], each(anyValue)),
              arbOperand([d.p, d.k, d.m], each(anyValue)),
              arbOperand([d.k], each(anyValue)),
              arbOperand([d.k], each(anyValue)),
              arbOperand([d.n], each(anyValue)),
            ),
          ),
        async ([a, b, ba, bb, v, w, u]) => {
          await checkNumerically((x, y) => x.mm(y), [a, b], "mm");
          await checkNumerically((x, y) => x.bmm(y), [ba, bb], "bmm");
          await checkNumerically((x, y) => x.mv(y), [a, v], "mv");
          await checkNumerically((x, y) => x.dot(y), [v, w], "dot");
          await checkNumerically((x, y) => x.outer(y), [u, v], "outer");
        },
      ),
      { numRuns: GRAD_RUNS },
    );
  });

  it("mm, bmm, mv, dot, outer refuse other ranks and sizes, as PyTorch", () => {
    const m23 = host([1, 2, 3, 4, 5, 6], [2, 3]);
    const m45 = mt.zeros([4, 5], opts);
    const v3 = host([1, 2, 3], [3]);
    const v4 = mt.zeros([4], opts);
    const b234 = mt.zeros([2, 3, 4], opts);
    const cases: [() => unknown, RegExp][] = [
      [() => v3.mm(m23), /mm: self must be a matrix, got shape \[3\]/],
      [() => m23.mm(b234), /mm: mat2 must be a matrix, got shape \[2,3,4\]/],
      [() => m23.mm(m45), /mm: mat1 and mat2 shapes cannot be multiplied \(2x3 and 4x5\)/],
      [() => m23.bmm(b234), /bmm: batch1 must be a 3D tensor, got shape \[2,3\]/],
      [
        () => b234.bmm(mt.zeros([3, 4, 2], opts)),
        /bmm: expected size .* \[2, 4\] but got \[3, 4\]/,
      ],
      [
        () => b234.bmm(mt.zeros([2, 3, 2], opts)),
        /bmm: expected size .* \[2, 4\] but got \[2, 3\]/,
      ],
      [() => m23.mv(v4), /mv: size mismatch, got mat \(2x3\) and vec \(4\)/],
      [() => m23.mv(m23), /mv: vec must be a vector, got shape \[2,3\]/],
      [() => v3.dot(m23), /dot: 1D tensors expected, but got 1D and 2D tensors/],
      [() => v3.dot(v4), /dot: inconsistent tensor size.* 3 and 4/],
      [() => m23.outer(v3), /outer: self must be a 1-D tensor, got shape \[2,3\]/],
    ];
    for (const [f, message] of cases) {
      expect(f).toThrow(mt.ShapeError);
      expect(f).toThrow(message);
    }
  });

  it.each(EQUATIONS)("einsum %s matches the sum over every index, any layout", async (eq) => {
    await fc.assert(
      fc.asyncProperty(arbEinsum(eq), async (operands) => {
        const out = mt.einsum(eq, ...operands.map((o) => build(o, opts).view));
        const want = einsumOracle(
          eq,
          operands.map((o) => o.shape),
          operands.map((o) => o.values),
        );
        await expectValues(
          out,
          want.shape,
          want.values,
          SUMS,
          `${eq} on ${operands.map((o) => o.layout)}`,
        );
      }),
      { numRuns: 8 },
    );
  });

  it.each(EQUATIONS)(`einsum %s: the gradients match ${numerically}`, async (eq) => {
    await fc.assert(
      fc.asyncProperty(arbEinsum(eq), async (operands) => {
        await checkNumerically((...xs) => mt.einsum(eq, ...xs), operands, eq);
      }),
      { numRuns: GRAD_RUNS },
    );
  });

  it("einsum broadcasts size-1 dims and ellipses (aligned right), as PyTorch", async () => {
    const values = (n: number, s: number) => Array.from({ length: n }, (_, i) => (i % 5) - 2 + s);
    const cases: [string, string, number[][]][] = [
      // [equation, the same with letters for the ellipsis dims, shapes]
      ["ij,j->i", "ij,j->i", [[2, 3], [1]]],
      [
        "...ij,...jk->...ik",
        "abij,bjk->abik",
        [
          [2, 1, 2, 3],
          [3, 3, 2],
        ],
      ],
      [
        "...ij,...jk",
        "abij,bjk->abik",
        [
          [2, 3, 2, 3],
          [3, 3, 2],
        ],
      ],
      ["...i->i", "abi->i", [[2, 3, 4]]],
      ["i...->...", "iab->ab", [[2, 3, 4]]],
      [
        "b...d,b...d->b...",
        "bxd,bxd->bx",
        [
          [2, 3, 4],
          [2, 1, 4],
        ],
      ],
      ["...,...->...", "a,a->a", [[3], [3]]],
      ["i,->i", "i,->i", [[3], []]],
    ];
    for (const [eq, letters, shapes] of cases) {
      const vs = shapes.map((s, k) => values(product(s), k));
      const out = mt.einsum(eq, ...shapes.map((s, k) => mt.tensor(nest(vs[k], s), opts)));
      const want = einsumOracle(letters, shapes, vs);
      await expectValues(out, want.shape, want.values, SUMS, eq);
    }
    const a = host([1, 2, 3, 4, 5, 6], [2, 3]);
    await expectValues(mt.einsum(" i j -> j i ", a), [3, 2], [1, 4, 2, 5, 3, 6], EXACT, "spaces");
  });

  it(`einsum for attention: q·kᵀ per batch and head, with a transposed key, gradients ${numerically}`, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({ b: dims, h: dims, q: dims, k: dims, d: dims }).chain((s) =>
          fc.tuple(
            fc.constant(s),
            arbOperand([s.b, s.h, s.q, s.d], each(anyValue)),
            // The key arrives as [b, h, d, k] and is transposed: a strided view, as attention code has.
            arbOperand([s.b, s.h, s.d, s.k], each(anyValue)),
          ),
        ),
        async ([s, q, kT]) => {
          const attention = (x: mt.Tensor, y: mt.Tensor) =>
            mt.einsum("bhqd,bhkd->bhqk", x, y.transpose(-1, -2));
          const want: number[] = [];
          for (let bh = 0; bh < s.b * s.h; bh++)
            for (let i = 0; i < s.q; i++)
              for (let j = 0; j < s.k; j++) {
                let acc = 0;
                for (let e = 0; e < s.d; e++) {
                  acc += q.values[(bh * s.q + i) * s.d + e] * kT.values[(bh * s.d + e) * s.k + j];
                }
                want.push(acc);
              }
          const got = attention(build(q, opts).view, build(kT, opts).view);
          await expectValues(got, [s.b, s.h, s.q, s.k], want, SUMS, "attention");
          await checkNumerically(attention, [q, kT], "attention");
        },
      ),
      { numRuns: GRAD_RUNS },
    );
  });

  it("empty and 0-d operands give PyTorch's shapes and zero sums", async () => {
    const z = (shape: number[]) => mt.zeros(shape, opts);
    const cases: [string, mt.Tensor, number[], number[]][] = [
      ["mm [2,0]@[0,3]", z([2, 0]).mm(z([0, 3])), [2, 3], [0, 0, 0, 0, 0, 0]],
      ["mm [0,2]@[2,3]", z([0, 2]).mm(z([2, 3])), [0, 3], []],
      ["bmm of no batches", z([0, 2, 2]).bmm(z([0, 2, 3])), [0, 2, 3], []],
      ["mv [2,0]@[0]", z([2, 0]).mv(z([0])), [2], [0, 0]],
      ["dot of empty vectors", z([0]).dot(z([0])), [], [0]],
      ["outer with an empty vector", z([0]).outer(mt.ones([3], opts)), [0, 3], []],
      [
        "einsum ij,jk->ik, j empty",
        mt.einsum("ij,jk->ik", z([2, 0]), z([0, 3])),
        [2, 3],
        [0, 0, 0, 0, 0, 0],
      ],
      ["einsum trace of [0,0]", mt.einsum("ii->", z([0, 0])), [], [0]],
      ["einsum ->, 0-d", mt.einsum("->", mt.tensor(3, opts)), [], [3]],
      ["einsum ,->, two 0-d", mt.einsum(",->", mt.tensor(3, opts), mt.tensor(4, opts)), [], [12]],
    ];
    for (const [what, t, shape, want] of cases) await expectValues(t, shape, want, EXACT, what);
  });

  it("einsum's errors name the problem", () => {
    const m23 = mt.zeros([2, 3], opts);
    const m42 = mt.zeros([4, 2], opts);
    const shape: [() => unknown, RegExp][] = [
      [
        () => mt.einsum("ijk->i", m23),
        /einsum: the number of subscripts in the equation \(3\) does not match the number of dimensions \(2\) of operand 0/,
      ],
      [() => mt.einsum("ijk...->i", m23), /more than the number of dimensions \(2\) of operand 0/],
      [
        () => mt.einsum("ij,jk->ik", m23, m42),
        /subscript j has size 4 for operand 1 .* previously seen size 3/,
      ],
      [
        () => mt.einsum("ii->i", m23),
        /subscript i is repeated for operand 0 but the sizes don't match, 2 != 3/,
      ],
    ];
    for (const [f, message] of shape) {
      expect(f).toThrow(mt.ShapeError);
      expect(f).toThrow(message);
    }
    const data: [() => unknown, RegExp][] = [
      [
        () => mt.einsum("ij->k", m23),
        /output subscript k does not appear in the equation for any input operand/,
      ],
      [() => mt.einsum("ij->ii", m23), /output subscript i appears more than once/],
      [() => mt.einsum("ij,jk->ik", m23), /fewer operands were provided \(1\) than specified/],
      [() => mt.einsum("ij->ij", m23, m23), /more operands were provided \(2\)/],
      [() => mt.einsum("i1->i", m23), /invalid subscript "1" for operand 0/],
      [() => mt.einsum("i..j->i", m23), /found '.' for operand 0 that is not part of any ellipsis/],
      [() => mt.einsum("...i...->i", m23), /an ellipsis was already found/],
      [() => mt.einsum("ij->i->j", m23), /more than one "->"/],
    ];
    for (const [f, message] of data) {
      expect(f).toThrow(mt.DataError);
      expect(f).toThrow(message);
    }
    expect(() => mt.einsum("ij")).toThrow(/at least one operand/);
  });
});
