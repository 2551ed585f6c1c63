import { expect, it } from "vitest";
import * as mt from "../../src/index.js";
import { EXACT, SUMS } from "../op_cases.js";
import { range } from "../shape_oracles.js";
import { describeEachBackend } from "./harness.js";
import { contiguousOperand, type Operand } from "./operands.js";

/**
 * The in-place ops add_, sub_, mul_, div_, fill_, zero_, copy_, clamp_ and maskedFill_ on every
 * backend, with PyTorch's rules (checked against PyTorch 1.13): the values (written through
 * contiguous and strided views into the storage, so every view sees them), broadcasting, the
 * dtype rule (the result must cast to the tensor's dtype), autograd (leaves only inside noGrad;
 * a non-leaf takes the op into its history, checked numerically), the version counter that
 * backward checks, and a training loop with an optimizer.
 */

type Tensor = mt.Tensor;

describeEachBackend("in-place ops (add_, mul_, fill_, copy_, clamp_…)", (suite) => {
  const { opts, grad, host, expectValues, expectGrad, checkNumerically } = suite;
  const float64 = suite.backend.dtypes.includes("float64");

  it("add_ sub_ mul_ div_ write the result into the tensor and return it", async () => {
    const x = host([1, 2, 3, 4, 5, 6], [2, 3]);
    const storage = x.storage;
    expect(x.add_(1)).toBe(x);
    await expectValues(x, [2, 3], [2, 3, 4, 5, 6, 7], EXACT, "add_ 1");
    x.sub_(host([1, 2, 3], [3])); // broadcast over the rows
    await expectValues(x, [2, 3], [1, 1, 1, 4, 4, 4], EXACT, "sub_ row");
    x.mul_(host([2, 3], [2, 1]));
    await expectValues(x, [2, 3], [2, 2, 2, 12, 12, 12], EXACT, "mul_ column");
    x.div_(host([4], []));
    await expectValues(x, [2, 3], [0.5, 0.5, 0.5, 3, 3, 3], EXACT, "div_ 0-d");
    expect(x.storage).toBe(storage);
    x.mul_(x); // reads its own old value
    await expectValues(x, [2, 3], [0.25, 0.25, 0.25, 9, 9, 9], EXACT, "mul_ self");
  });

  it("writes through strided views into the storage, so the base and its views see it", async () => {
    const x = host(range(6), [2, 3]);
    const t = x.T; // [3, 2], not contiguous
    t.add_(host([10, 20], [2]));
    await expectValues(x, [2, 3], [10, 11, 12, 23, 24, 25], EXACT, "x after x.T.add_");
    await expectValues(t, [3, 2], [10, 23, 11, 24, 12, 25], EXACT, "x.T itself");
    x.select(0, 1).fill_(0); // as PyTorch: x[1].fill_(0) changes x
    await expectValues(x, [2, 3], [10, 11, 12, 0, 0, 0], EXACT, "x after select.fill_");
    x.narrow(1, 1, 2).mul_(2);
    await expectValues(x, [2, 3], [10, 22, 24, 0, 0, 0], EXACT, "x after narrow.mul_");
    x.T.narrow(0, 0, 1).copy_(host([7, 8], [1, 2])); // column 0, through a transposed view
    await expectValues(x, [2, 3], [7, 22, 24, 8, 0, 0], EXACT, "x after T.narrow.copy_");
    const strided = x.slice([], [0, 3, 2]); // columns 0 and 2
    strided.clamp_(5, 10);
    await expectValues(x, [2, 3], [7, 22, 10, 8, 0, 5], EXACT, "x after a stepped slice's clamp_");
    x.T.zero_();
    await expectValues(x, [2, 3], [0, 0, 0, 0, 0, 0], EXACT, "x after x.T.zero_");
  });

  it("reads an operand that overlaps the written memory before writing", async () => {
    const x = host([1, 2, 3, 4], [2, 2]);
    x.add_(x.T); // PyTorch refuses partial overlap; here the result is that of x + x.T
    await expectValues(x, [2, 2], [2, 5, 5, 8], EXACT, "x.add_(x.T)");
    const y = host([1, 2, 3], [3]);
    y.copy_(y.flip(0));
    await expectValues(y, [3], [3, 2, 1], EXACT, "y.copy_(y.flip(0))");
  });

  it("fill_, zero_, copy_, clamp_ and maskedFill_ as PyTorch's", async () => {
    const x = host([1, -2, 3, -4, 5, -6], [2, 3]);
    expect(x.clamp_(-3, 4)).toBe(x);
    await expectValues(x, [2, 3], [1, -2, 3, -3, 4, -3], EXACT, "clamp_(-3, 4)");
    x.clamp_({ min: 0 });
    await expectValues(x, [2, 3], [1, 0, 3, 0, 4, 0], EXACT, "clamp_({min: 0})");
    x.clamp_(null, host([2, 1, 0], [3]));
    await expectValues(x, [2, 3], [1, 0, 0, 0, 1, 0], EXACT, "clamp_ max tensor");
    expect(x.fill_(2.5)).toBe(x);
    await expectValues(x, [2, 3], [2.5, 2.5, 2.5, 2.5, 2.5, 2.5], EXACT, "fill_(2.5)");
    x.fill_(host([-1], []));
    await expectValues(x, [2, 3], [-1, -1, -1, -1, -1, -1], EXACT, "fill_(0-d tensor)");
    expect(x.zero_()).toBe(x);
    await expectValues(x, [2, 3], [0, 0, 0, 0, 0, 0], EXACT, "zero_");
    expect(x.copy_(host([1, 2, 3], [3]))).toBe(x);
    await expectValues(x, [2, 3], [1, 2, 3, 1, 2, 3], EXACT, "copy_ broadcast");
    const mask = host([1, 0, 1], [3]).gt(0);
    expect(x.maskedFill_(mask, 9)).toBe(x);
    await expectValues(x, [2, 3], [9, 2, 9, 9, 2, 9], EXACT, "maskedFill_");
    // fill_ writes one value everywhere, so an expanded (overlapping) view may take it.
    const base = host([1, 2, 3], [3]);
    base.expand(2, 3).fill_(4);
    await expectValues(base, [3], [4, 4, 4], EXACT, "expand(2, 3).fill_");
    expect(() => x.fill_(host([1, 2], [2]))).toThrow(/fill_: only supports a 0-dimension value/);
  });

  it("a result of another shape than the tensor's is a ShapeError naming both", () => {
    const x = host([0, 0, 0], [3]);
    const message = /output with shape \[3\] doesn't match the broadcast shape \[2,3\]/;
    for (const write of [
      () => x.add_(mt.ones([2, 3], opts)),
      () => x.mul_(mt.ones([2, 1], opts)),
      () => x.copy_(mt.ones([2, 3], opts)),
      () => x.clamp_(mt.zeros([2, 3], opts)),
      () => x.maskedFill_(mt.ones([2, 3], opts).gt(0), 1),
    ]) {
      expect(write).toThrow(mt.ShapeError);
      expect(write).toThrow(message);
    }
    expect(() => x.add_(mt.ones([2], opts))).toThrow(
      /add_: shapes \[3\] and \[2\] do not broadcast/,
    );
    // An expanded view has several elements at one memory location, as PyTorch refuses.
    for (const write of [
      () => x.expand(2, 3).add_(1),
      () => x.expand(2, 3).copy_(mt.ones([2, 3], opts)),
      () => x.expand(2, 3).clamp_(0, 1),
    ]) {
      expect(write).toThrow(/more than one element of the written-to tensor/);
    }
  });

  it("keeps the tensor's dtype: the result must cast to it (PyTorch's rule)", async () => {
    const i = () => mt.tensor([1, 2, 3], { ...opts, dtype: "int32" });
    const floatToInt = /result type Float can't be cast to the desired output type Int/;
    for (const write of [
      () => i().add_(0.5),
      () => i().add_(host([1, 2, 3], [3])),
      () => i().add_(host([1], [])),
      () => i().div_(2), // true division is float
      () => i().clamp_(0.5),
    ]) {
      expect(write).toThrow(mt.DTypeError);
      expect(write).toThrow(floatToInt);
    }
    const untouched = i();
    expect(() => untouched.mul_(1.5)).toThrow(floatToInt);
    await expectValues(untouched, [3], [1, 2, 3], EXACT, "an int tensor after a refused mul_");
    const bools = mt.tensor([1, 0], { ...opts, dtype: "bool" });
    expect(() => bools.add_(1)).toThrow(
      /result type Int can't be cast to the desired output type Bool/,
    );
    bools.add_(mt.tensor([1, 1], { ...opts, dtype: "bool" })); // logical or
    await expectValues(bools, [2], [1, 1], EXACT, "bool add_ bool");

    const f = host([0, 0, 0], [3]);
    f.add_(i()); // a float tensor takes an int operand
    await expectValues(f, [3], [1, 2, 3], EXACT, "float add_ int");
    await expectValues(i().mul_(2), [3], [2, 4, 6], EXACT, "int mul_ 2");
    await expectValues(
      i().add_(mt.tensor([1, 0, 1], { ...opts, dtype: "bool" })),
      [3],
      [2, 2, 4],
      EXACT,
      "int add_ bool",
    );
    await expectValues(i().clamp_(2), [3], [2, 2, 3], EXACT, "int clamp_ 2");
    // fill_ and copy_ convert any dtype as a C cast does: toward zero, and nonzero is true.
    await expectValues(i().fill_(2.7), [3], [2, 2, 2], EXACT, "int fill_ 2.7");
    await expectValues(i().fill_(-2.7), [3], [-2, -2, -2], EXACT, "int fill_ -2.7");
    await expectValues(i().copy_(host([1.7, -2.7, 3.2], [3])), [3], [1, -2, 3], EXACT, "int copy_");
    await expectValues(bools.fill_(0.5), [2], [1, 1], EXACT, "bool fill_ 0.5");
    expect(() => i().fill_(2 ** 40)).toThrow(
      /fill_: value 1099511627776 cannot be converted to type int32/,
    );
    if (float64) {
      const d = host([1, 2, 3], [3]);
      d.add_(mt.tensor([0.5, 0.5, 0.5], { ...opts, dtype: "float64" }));
      expect(d.dtype).toBe("float32");
      await expectValues(d, [3], [1.5, 2.5, 3.5], EXACT, "float32 add_ float64");
    }
  });

  it("refuses a leaf that requires grad outside noGrad, and lets noGrad update it", async () => {
    const w = mt.tensor([1, 2, 3], grad);
    const leaf = /a leaf Variable that requires grad is being used in an in-place operation/;
    for (const write of [
      () => w.add_(1),
      () => w.mul_(host([2, 2, 2], [3])),
      () => w.zero_(),
      () => w.fill_(1),
      () => w.copy_(host([0, 0, 0], [3])),
      () => w.clamp_(0, 1),
    ]) {
      expect(write).toThrow(mt.AutogradError);
      expect(write).toThrow(leaf);
    }
    await expectValues(w, [3], [1, 2, 3], EXACT, "w after the refused writes");
    expect(() => w.narrow(0, 0, 2).add_(1)).toThrow(
      /a view of a leaf Variable that requires grad is being used in an in-place operation/,
    );
    const version = w.storage.version;
    mt.noGrad(() => w.mul_(2).sub_(host([1, 1, 1], [3])));
    await expectValues(w, [3], [1, 3, 5], EXACT, "w after noGrad updates");
    expect(w.storage.version).toBe(version + 2);
    expect(w.isLeaf && w.requiresGrad && w.history === null).toBe(true);
    // detach() shares the memory and needs no noGrad, as in PyTorch.
    w.detach().zero_();
    await expectValues(w, [3], [0, 0, 0], EXACT, "w after w.detach().zero_()");
  });

  it("records the op on a non-leaf: gradients as PyTorch's", async () => {
    const x = mt.tensor([1, -2, 3], grad);
    const w = mt.tensor([0.5, 2, -1], grad);
    const y = x.mul(2);
    y.mul_(w).add_(x); // y = 2x·w + x
    expect(y.isLeaf).toBe(false);
    expect(y.history?.fn.name).toBe("Add");
    y.sum().backward();
    await expectGrad(x, [2, 5, -1], EXACT, "d/dx Σ(2xw + x)");
    await expectGrad(w, [2, -4, 6], EXACT, "d/dw Σ(2xw + x)");

    // Ops recorded before the write consumed the old value (PyTorch: x.grad = 2 + 3·2 = 8).
    const a = mt.tensor([1, 1, 1], grad);
    const b = a.mul(2);
    const c = b.add(1);
    b.mul_(3);
    c.sum().add(b.sum()).backward();
    await expectGrad(a, [8, 8, 8], EXACT, "consumers before the write see the old value");

    // A constant takes part in the graph once a value that requires grad is written into it.
    const acc = mt.zeros([], opts);
    acc.add_(x.sum()).add_(x.sum());
    expect(acc.requiresGrad && !acc.isLeaf).toBe(true);
    x.grad = null;
    acc.backward();
    await expectGrad(x, [2, 2, 2], EXACT, "acc += Σx twice");

    // fill_ and zero_ keep a non-leaf in the graph with a zero gradient (PyTorch's FillBackward).
    const z = x.mul(2);
    z.fill_(3);
    expect([z.requiresGrad, z.history?.fn.name]).toEqual([true, "Fill"]);
    x.grad = null;
    z.sum().add(x.sum()).backward();
    await expectGrad(x, [1, 1, 1], EXACT, "through fill_");
  });

  it(`gradients through in-place ops on a non-leaf match ${suite.numerically}`, async () => {
    const xs = contiguousOperand([0.7, -1.3, 2.1, 0.4, -0.2, 1.6], [2, 3]);
    const ws = contiguousOperand([1.5, -0.5, 0.8], [3]);
    const like = (t: Tensor) => ({ backend: t.backend, dtype: t.dtype });
    const cases: [string, (...t: Tensor[]) => Tensor, Operand[]][] = [
      ["mul_ then add_", (x, w) => x.mul(1).mul_(w).add_(x), [xs, ws]],
      ["div_ then sub_", (x, w) => x.mul(2).div_(w).sub_(w), [xs, ws]],
      ["clamp_", (x) => x.mul(2).clamp_(-1, 3), [xs]],
      ["mul_ of a transposed non-leaf", (x, w) => x.T.add(1).mul_(w.view(3, 1)), [xs, ws]],
      [
        "consumers before the write",
        (x, w) => {
          const y = x.mul(w);
          const before = y.add(1).sigmoid(); // add saves nothing: y's old value is not kept
          y.mul_(y).add_(w); // y ← y² + w
          return before.add(y);
        },
        [xs, ws],
      ],
      [
        "a consumer between two writes",
        (x, w) => {
          const y = x.mul(w);
          y.mul_(2);
          const between = y.add(0.5).square();
          y.add_(w); // between keeps the value y had after mul_
          return between.mul(y);
        },
        [xs, ws],
      ],
      [
        "a write into an input, then into the result made from it",
        (x, w) => {
          const u = x.mul(w);
          const s = u.add(2); // recorded before u is written
          u.add_(w);
          s.mul_(3); // s's old history still reads u's old value
          return s.mul(u);
        },
        [xs, ws],
      ],
      [
        "copy_ into a constant",
        (x) => {
          const buffer = mt.zeros([2, 3], like(x));
          return buffer.copy_(x.mul(x)).mul(buffer.add(1));
        },
        [xs],
      ],
      [
        "copy_ and fill_ over a non-leaf",
        (x, w) => {
          const y = x.mul(3);
          y.copy_(w.exp()); // the old value gets no gradient
          const z = x.mul(2);
          z.fill_(w.sum()); // a 0-d tensor that requires grad
          return y.mul(z).add(x);
        },
        [xs, ws],
      ],
      ["maskedFill_", (x, w) => x.mul(w).maskedFill_(x.gt(0.5), w.sum()), [xs, ws]],
    ];
    for (const [what, fn, operands] of cases) await checkNumerically(fn, operands, what);
  });

  it("backward refuses a saved tensor that was written in place since (PyTorch's version check)", () => {
    const x = mt.tensor([1, 2, 3], grad);
    const y = x.mul(2);
    const z = y.mul(y); // Mul saves y
    expect(y.storage.version).toBe(0);
    y.add_(1);
    expect(y.storage.version).toBe(1);
    const backward = () => z.sum().backward();
    expect(backward).toThrow(mt.AutogradError);
    expect(backward).toThrow(
      "Mul.backward: one of the variables needed for gradient computation has been modified by an inplace operation: [[3], float32] is at version 1; expected version 0 instead",
    );
    // A write through any view of the storage counts; so does an optimizer's update.
    const v = x.mul(1);
    const s = v.sigmoid().mul(v);
    mt.noGrad(() => v.narrow(0, 1, 1).fill_(0));
    expect(() => s.sum().backward()).toThrow(/is at version 1; expected version 0 instead/);
    const p = new mt.nn.Parameter(mt.tensor([1, 2], grad));
    const loss = p.value.mul(p.value).sum();
    const opt = new mt.optim.SGD([p], { lr: 0.1 });
    p.value.grad = mt.tensor([1, 1], opts);
    opt.step();
    expect(() => loss.backward()).toThrow(/Mul.backward: .* is at version 1; expected version 0/);
  });

  it("refuses what it cannot rebase: writes into views that other tensors in a graph share", () => {
    const x = mt.tensor([1, 2, 3], grad);
    // A view (made by a tracked op) of a tensor that requires grad.
    const y = x.mul(2);
    expect(() => y.narrow(0, 0, 2).add_(1)).toThrow(
      /this tensor is a view \(made by .*\) of another tensor/,
    );
    // A constant whose memory other tensors hold, given a value that requires grad.
    const buffer = mt.zeros([2, 3], opts);
    const row = buffer.select(0, 0);
    expect(() => row.copy_(x)).toThrow(mt.AutogradError);
    expect(() => row.copy_(x)).toThrow(/share its memory/);
    row.copy_(x.detach()); // a constant value is fine
    // A view made before its base was written in place: refused in backward, where it is used.
    const base = x.mul(2);
    const view = base.narrow(0, 0, 2);
    base.mul_(3);
    expect(() => view.sum().backward()).toThrow(/was made before mul_ wrote into that tensor/);
  });

  it("a training loop with in-place ops in the model and in noGrad init still trains", async () => {
    const xs = host([0, 1, 2, 3, -1, -2], [6, 1]);
    const ys = xs.mul(3).add(1);
    const w = mt.randn([1, 1], { ...grad, seed: 1 });
    const b = mt.zeros([1], grad);
    mt.noGrad(() => w.mul_(0.1)); // as init code scales weights
    const params = [new mt.nn.Parameter(w, "w"), new mt.nn.Parameter(b, "b")];
    const opt = new mt.optim.SGD(params, { lr: 0.05, momentum: 0.5 });
    let first = 0;
    let last = 0;
    for (let step = 0; step < 150; step++) {
      opt.zeroGrad();
      const h = xs.matmul(w);
      h.add_(b); // an in-place op on a non-leaf, inside the model
      const loss = h.sub(ys).square().mean();
      loss.backward();
      opt.step();
      const value = (await loss.data())[0];
      if (step === 0) first = value;
      last = value;
    }
    expect(last).toBeLessThan(first * 1e-3);
    await expectValues(w, [1, 1], [3], { rel: 1e-2, abs: 1e-2 }, "w");
    await expectValues(b, [1], [1], { rel: 1e-2, abs: 1e-2 }, "b");
    await expectValues(w.grad ?? w, [1, 1], [0], SUMS, "w.grad near the minimum");
  });

  it("copy_ from another backend goes through the host; a GPU source says how to move it", async () => {
    if (suite.name === "reference") return;
    const x = host([0, 0, 0], [3]);
    x.copy_(mt.tensor([1, 2, 3], { backend: "reference" }));
    await expectValues(x, [3], [1, 2, 3], EXACT, "copy_ from reference");
    const src = mt.tensor([1, 2, 3], { backend: "reference", requiresGrad: true });
    expect(() => x.copy_(src)).toThrow(/gradients do not flow between backends/);
    if (!suite.backend.synchronousRead) {
      const cpu = mt.tensor([0, 0, 0], { backend: "reference" });
      expect(() => cpu.copy_(host([1, 2, 3], [3]))).toThrow(/reads only asynchronously/);
    }
  });
});
