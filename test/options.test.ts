import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as mt from "../src/index.js";

/**
 * Every public function and class that takes an options object rejects, at run time, an unknown
 * key, a PyTorch option it does not implement yet (at any value but the one it computes), and a
 * value that is not an options object — with a DataError naming the function, the key and the
 * value and listing the accepted keys — and still accepts the supported values, with the same
 * result as when they are omitted. Callers are typed loosely here on purpose: these are the
 * mistakes a JavaScript caller, with no type checker, can make.
 */

const F = mt.nn.functional;
// A JavaScript caller's view of the API: any options object at all.
type Loose = Record<string, unknown> | undefined;
type AnyOptions = never;

/** The value as the messages show it. */
function shown(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(shown).join(", ")}]`;
  return String(value);
}

/** The DataError `run` throws or rejects with (a failed expectation when there is none). */
async function optionError(run: () => unknown): Promise<Error> {
  let error: unknown;
  try {
    await run();
  } catch (e) {
    error = e;
  }
  expect(error, "expected a DataError").toBeInstanceOf(mt.DataError);
  return error as Error;
}

/** A case: one API, its accepted keys, and how to call it with an options object. */
interface Case {
  /** The name its messages start with. */
  fn: string;
  /** Every key it accepts, in its declared order. */
  keys: string[];
  /** Calls the API with `options` merged into `base` (when given) and returns plain data. */
  call: (options: Loose) => unknown;
  /** Options every call needs (SGD's lr, DataLoader's batchSize). */
  base?: Record<string, unknown>;
  /** PyTorch's options with a value not implemented yet. */
  notYet: [key: string, value: unknown][];
  /** Values that must keep working, each giving the result of the call without options. */
  supported: Record<string, unknown>[];
  /** Values that are rejected without being "not supported yet" (wrong type). */
  invalid?: [key: string, value: unknown][];
  /** Takes numbers before its options (`zeros(2, 3, {dtype})`), so a number is not misplaced options. */
  variadic?: true;
}

// Fixed inputs, float64 so equal results are bit-identical.
const f64 = { dtype: "float64" } as const;
const image = mt.tensor(
  [
    [
      [
        [1, 5, 2, 0],
        [3, 4, 8, 1],
        [0, 2, 9, 9],
        [7, 1, 3, 2],
      ],
    ],
  ],
  f64,
);
const kernel = mt.tensor(
  [
    [
      [
        [1, -1],
        [2, 0.5],
      ],
    ],
  ],
  f64,
);
const signal = mt.tensor([[[1, 5, 2, 0, 3]]], f64);
const kernel1d = mt.tensor([[[1, -2]]], f64);
const logits = mt.tensor(
  [
    [2, 0, -1],
    [0.5, 1, 3],
  ],
  f64,
);
const probs = mt.tensor([0.2, 0.9], f64);
const rows = (t: mt.Tensor) => t.toArray();

/** A fresh seeded module's output on `x`, so two constructions can be compared. */
function seeded<M extends { forward(x: mt.Tensor): mt.Tensor }>(make: () => M, x: mt.Tensor) {
  mt.manualSeed(7);
  return rows(make().forward(x.float()));
}

/** One optimizer step on f(θ) = Σθ² from θ = [1, −2]; the new θ. */
function step(make: (p: mt.nn.Parameter[]) => mt.optim.Optimizer): unknown {
  const theta = mt.tensor([1, -2], { ...f64, requiresGrad: true });
  const optimizer = make([new mt.nn.Parameter(theta)]);
  theta.mul(theta).sum().backward();
  optimizer.step();
  return rows(theta);
}

const tiny = () =>
  new mt.data.ImageDataset({
    images: new Float32Array(4 * 4).map((_, i) => i / 16),
    labels: new Uint8Array([0, 1, 2, 3]),
    rows: 2,
    cols: 2,
    name: "tiny",
  });

let dir = "";
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "minitorch-options-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
const stateDict = () => ({ w: mt.tensor([1, 2], f64) });

const lossKeys = ["reduction"];
const cases: Case[] = [
  {
    fn: "conv2d",
    keys: ["stride", "padding", "dilation", "groups"],
    call: (o) => rows(F.conv2d(image, kernel, null, o as AnyOptions)),
    notYet: [],
    supported: [
      { dilation: 1 },
      { dilation: [1, 1] },
      { groups: 1 },
      { stride: 1, padding: 0 },
      { padding: "valid" },
    ],
    invalid: [
      ["groups", 0],
      ["padding", "full"],
    ],
  },
  {
    fn: "conv1d",
    keys: ["stride", "padding", "dilation", "groups"],
    call: (o) => rows(F.conv1d(signal, kernel1d, null, o as AnyOptions)),
    notYet: [],
    supported: [{ dilation: 1 }, { dilation: [1] }, { groups: 1 }, { padding: "valid" }],
    invalid: [
      ["groups", 0],
      ["padding", "full"],
    ],
  },
  {
    fn: "Conv2d",
    keys: ["stride", "padding", "dilation", "groups", "bias", "rng", "paddingMode"],
    call: (o) => seeded(() => new mt.nn.Conv2d(1, 2, 2, o as AnyOptions), image),
    notYet: [],
    supported: [{ dilation: 1, groups: 1, paddingMode: "zeros" }, { bias: true }],
    invalid: [
      ["bias", "no"],
      ["rng", 3],
      ["paddingMode", "mirror"],
    ],
  },
  {
    fn: "Conv1d",
    keys: ["stride", "padding", "dilation", "groups", "bias", "rng", "paddingMode"],
    call: (o) => seeded(() => new mt.nn.Conv1d(1, 2, 2, o as AnyOptions), signal),
    notYet: [],
    supported: [{ dilation: 1, groups: 1, paddingMode: "zeros" }],
    invalid: [["bias", 0]],
  },
  {
    fn: "maxPool2d",
    keys: ["stride", "padding", "dilation", "ceilMode", "returnIndices"],
    call: (o) =>
      rows(
        F.maxPool2d(image, 2, o as mt.nn.functional.MaxPool2dOptions & { returnIndices?: false }),
      ),
    notYet: [],
    // Values that compute the defaults' result here (ceil mode: the windows tile the input).
    supported: [
      { stride: 2 },
      { stride: [2, 2] },
      { stride: null },
      { padding: 0, dilation: 1 },
      { ceilMode: true, returnIndices: false },
    ],
    invalid: [
      ["ceilMode", "yes"],
      ["returnIndices", 1],
    ],
  },
  {
    fn: "avgPool2d",
    keys: ["stride", "padding", "ceilMode", "countIncludePad", "divisorOverride"],
    call: (o) => rows(F.avgPool2d(image, [2, 2], o as AnyOptions)),
    notYet: [],
    supported: [
      { stride: 2 },
      { ceilMode: true },
      { countIncludePad: false },
      { padding: 0, divisorOverride: null },
      { divisorOverride: 4 },
    ],
    invalid: [
      ["divisorOverride", 0],
      ["countIncludePad", "no"],
    ],
  },
  {
    fn: "MaxPool2d",
    keys: ["stride", "padding", "dilation", "ceilMode", "returnIndices"],
    call: (o) => rows(new mt.nn.MaxPool2d(2, o as AnyOptions).forward(image)),
    notYet: [],
    supported: [{ stride: 2, ceilMode: true }],
    invalid: [["returnIndices", "no"]],
  },
  {
    fn: "AvgPool2d",
    keys: ["stride", "padding", "ceilMode", "countIncludePad", "divisorOverride"],
    call: (o) => rows(new mt.nn.AvgPool2d(2, o as AnyOptions).forward(image)),
    notYet: [],
    supported: [{ stride: [2, 2], divisorOverride: null }],
    invalid: [["divisorOverride", 1.5]],
  },
  {
    fn: "dropout",
    keys: ["rng", "inplace"],
    call: (o) => {
      mt.manualSeed(1);
      return rows(F.dropout(image, 0.5, true, o as AnyOptions));
    },
    notYet: [["inplace", true]],
    supported: [{ inplace: false }],
  },
  {
    fn: "Dropout",
    keys: ["rng", "inplace"],
    call: (o) => rows(new mt.nn.Dropout(0.5, o as AnyOptions).eval().forward(image)),
    notYet: [["inplace", true]],
    supported: [{ inplace: false }, { rng: new mt.Random(0) }],
    invalid: [["rng", 0]],
  },
  {
    fn: "crossEntropy",
    keys: [...lossKeys, "weight", "ignoreIndex", "labelSmoothing"],
    call: (o) => F.crossEntropy(logits, [0, 2], o as AnyOptions).item(),
    notYet: [],
    supported: [
      { labelSmoothing: 0 },
      { weight: null, ignoreIndex: -100 },
      { weight: [1, 1, 1], ignoreIndex: 1 },
      { reduction: "mean" },
    ],
    invalid: [
      ["labelSmoothing", 1.5],
      ["weight", "heavy"],
      ["ignoreIndex", 0.5],
    ],
  },
  {
    fn: "nllLoss",
    keys: [...lossKeys, "weight", "ignoreIndex"],
    call: (o) => F.nllLoss(F.logSoftmax(logits, 1), [1, 2], o as AnyOptions).item(),
    notYet: [],
    supported: [{ ignoreIndex: -100 }, { weight: null }, { weight: [1, 1, 1], ignoreIndex: 0 }],
    invalid: [["weight", [1, "2", 3]]],
  },
  {
    fn: "binaryCrossEntropy",
    keys: [...lossKeys, "weight"],
    call: (o) => F.binaryCrossEntropy(probs, [0, 1], o as AnyOptions).item(),
    notYet: [],
    supported: [{ weight: null }, { weight: 1 }, { weight: [1, 1] }],
    invalid: [["weight", Number.NaN]],
  },
  {
    fn: "binaryCrossEntropyWithLogits",
    keys: [...lossKeys, "weight", "posWeight"],
    call: (o) => F.binaryCrossEntropyWithLogits(probs, [0, 1], o as AnyOptions).item(),
    notYet: [],
    supported: [{ posWeight: null, weight: null }, { posWeight: 1 }, { weight: [1, 1] }],
    invalid: [["posWeight", "3"]],
  },
  {
    fn: "mseLoss",
    keys: lossKeys,
    call: (o) => F.mseLoss(probs, probs.mul(2), o as AnyOptions).item(),
    notYet: [],
    supported: [{ reduction: "mean" }],
  },
  {
    fn: "smoothL1Loss",
    keys: [...lossKeys, "beta"],
    call: (o) => F.smoothL1Loss(probs, probs.mul(3), o as AnyOptions).item(),
    notYet: [],
    supported: [{ beta: 1 }],
    invalid: [["beta", -1]],
  },
  {
    fn: "huberLoss",
    keys: [...lossKeys, "delta"],
    call: (o) => F.huberLoss(probs, probs.mul(3), o as AnyOptions).item(),
    notYet: [],
    supported: [{ delta: 1 }],
    invalid: [["delta", 0]],
  },
  {
    fn: "klDiv",
    keys: ["reduction", "logTarget"],
    call: (o) => F.klDiv(probs.log(), probs.flip(0), o as AnyOptions).item(),
    notYet: [],
    supported: [{ logTarget: false }, { reduction: "mean" }],
    invalid: [["logTarget", "no"]],
  },
  {
    fn: "CrossEntropyLoss",
    keys: [...lossKeys, "weight", "ignoreIndex", "labelSmoothing"],
    call: (o) => new mt.nn.CrossEntropyLoss(o as AnyOptions).forward(logits, [0, 2]).item(),
    notYet: [],
    supported: [{ labelSmoothing: 0 }, { weight: mt.ones([3], f64) }],
    invalid: [["labelSmoothing", -0.1]],
  },
  {
    fn: "Linear",
    keys: ["bias", "rng"],
    call: (o) => seeded(() => new mt.nn.Linear(3, 2, o as AnyOptions), logits),
    notYet: [],
    supported: [{ bias: true }],
    invalid: [
      ["bias", "false"],
      ["rng", 42],
    ],
  },
  {
    fn: "loadStateDict",
    keys: ["strict", "assign"],
    call: (o) => {
      const layer = new mt.nn.Linear(1, 1, { rng: new mt.Random(0) });
      layer.loadStateDict({ weight: mt.tensor([[3]]), bias: mt.tensor([1]) }, o as AnyOptions);
      return rows(layer.weight.value);
    },
    notYet: [["assign", true]],
    supported: [{ assign: false }, { strict: true }],
    invalid: [["strict", "no"]],
  },
  {
    fn: "SGD",
    keys: ["lr", "momentum", "dampening", "weightDecay", "nesterov", "maximize"],
    base: { lr: 0.1 },
    call: (o) => step((p) => new mt.optim.SGD(p, o as AnyOptions)),
    notYet: [["maximize", true]],
    supported: [{ maximize: false }, { nesterov: false }],
    invalid: [["nesterov", "yes"]],
  },
  {
    fn: "Adam",
    keys: ["lr", "betas", "eps", "weightDecay", "amsgrad", "maximize"],
    call: (o) => step((p) => new mt.optim.Adam(p, o as AnyOptions)),
    notYet: [
      ["amsgrad", true],
      ["maximize", true],
    ],
    supported: [{ amsgrad: false, maximize: false }],
  },
  {
    fn: "AdamW",
    keys: ["lr", "betas", "eps", "weightDecay", "amsgrad", "maximize"],
    call: (o) => step((p) => new mt.optim.AdamW(p, o as AnyOptions)),
    notYet: [["amsgrad", true]],
    supported: [{ amsgrad: false }],
  },
  {
    fn: "DataLoader",
    keys: ["batchSize", "shuffle", "seed", "dropLast", "backend", "transform"],
    base: { batchSize: 3 },
    call: (o) => [...new mt.data.DataLoader(tiny(), o as AnyOptions)].map((b) => b.targets),
    notYet: [],
    supported: [{ shuffle: false, dropLast: false }],
    invalid: [
      ["shuffle", "yes"],
      ["dropLast", 1],
      ["transform", "shift"],
    ],
  },
  {
    fn: "ImageDataset",
    keys: ["images", "labels", "rows", "cols", "classes", "name"],
    base: { images: new Float32Array(4), labels: new Uint8Array([1]), rows: 2, cols: 2, name: "x" },
    call: (o) => new mt.data.ImageDataset(o as AnyOptions).classes,
    notYet: [],
    supported: [{ classes: 10 }],
    invalid: [["images", [0, 0, 0, 0]]],
  },
  {
    fn: "LeNet",
    keys: ["channels", "hidden", "classes", "normalize", "rng"],
    call: (o) => new mt.models.LeNet(o as AnyOptions).fc2.outFeatures,
    notYet: [],
    supported: [{ classes: 10, hidden: 128 }],
    invalid: [
      ["hidden", 1.5],
      ["normalize", [0.1, 0]],
    ],
  },
  {
    fn: "tensor",
    keys: ["dtype", "requiresGrad", "backend"],
    call: (o) => rows(mt.tensor([1, 2], o as AnyOptions)),
    notYet: [],
    supported: [{ requiresGrad: false }],
    invalid: [["requiresGrad", "false"]],
  },
  {
    fn: "full",
    keys: ["dtype", "requiresGrad", "backend"],
    call: (o) => rows(mt.full([2], 3, o as AnyOptions)),
    notYet: [],
    supported: [{ dtype: "float32" }],
  },
  {
    fn: "zeros",
    variadic: true,
    keys: ["dtype", "requiresGrad", "backend"],
    call: (o) => rows(o === undefined ? mt.zeros(2, 3) : mt.zeros(2, 3, o as AnyOptions)),
    notYet: [],
    supported: [{ requiresGrad: false }],
  },
  {
    fn: "ones",
    variadic: true,
    keys: ["dtype", "requiresGrad", "backend"],
    call: (o) => rows(o === undefined ? mt.ones([2]) : mt.ones([2], o as AnyOptions)),
    notYet: [],
    supported: [{ dtype: "float32" }],
  },
  {
    fn: "rand",
    variadic: true,
    keys: ["dtype", "requiresGrad", "backend", "seed"],
    base: { seed: 3 },
    call: (o) => rows(mt.rand([2], o as AnyOptions)),
    notYet: [],
    supported: [{ requiresGrad: false }],
  },
  {
    fn: "randn",
    variadic: true,
    keys: ["dtype", "requiresGrad", "backend", "seed"],
    base: { seed: 3 },
    call: (o) => rows(mt.randn(2, o as AnyOptions)),
    notYet: [],
    supported: [{ dtype: "float32" }],
  },
  {
    fn: "arange",
    keys: ["dtype", "requiresGrad", "backend"],
    call: (o) => rows(mt.arange(0, 3, 1, o as AnyOptions)),
    notYet: [],
    supported: [{ dtype: "float32" }],
  },
  {
    fn: "Scalar",
    keys: ["requiresGrad", "name", "history"],
    call: (o) => new mt.Scalar(2, o as AnyOptions).requiresGrad,
    notYet: [],
    supported: [{ requiresGrad: true }],
    invalid: [
      ["requiresGrad", "no"],
      ["name", 7],
    ],
  },
  {
    fn: "gradcheck",
    keys: ["eps", "atol", "rtol", "seed"],
    call: (o) => mt.testing.gradcheck((x) => x.mul(x), [probs], o as AnyOptions),
    notYet: [],
    supported: [{ eps: 1e-6, seed: 0 }],
    invalid: [
      ["eps", 0],
      ["atol", -1],
    ],
  },
  {
    fn: "mt.io.save",
    keys: ["metadata"],
    call: async (o) => {
      const path = join(dir, "save.safetensors");
      await mt.io.save(stateDict(), path, o as AnyOptions);
      return rows((await mt.io.load(path)).w);
    },
    notYet: [],
    supported: [{ metadata: { by: "test" } }],
  },
  {
    fn: "mt.io.load",
    keys: ["backend"],
    call: async (o) => {
      const path = join(dir, "load.safetensors");
      await mt.io.save(stateDict(), path);
      return rows((await mt.io.load(path, o as AnyOptions)).w);
    },
    notYet: [],
    supported: [{ backend: "reference" }],
  },
  {
    fn: "mt.io.readSafetensors",
    keys: ["backend"],
    call: async (o) => {
      const path = join(dir, "read.safetensors");
      await mt.io.save(stateDict(), path);
      return rows((await mt.io.readSafetensors(path, o as AnyOptions)).tensors.w);
    },
    notYet: [],
    supported: [{ backend: "reference" }],
  },
  {
    fn: "mt.io.decodeSafetensors",
    keys: ["backend"],
    call: async (o) => {
      const bytes = await mt.io.encodeSafetensors(stateDict());
      return rows(mt.io.decodeSafetensors(bytes, "x", o as AnyOptions).tensors.w);
    },
    notYet: [],
    supported: [{ backend: "reference" }],
  },
];

/** `call` with `options` over the case's base options. */
function callWith(c: Case, options: Record<string, unknown>): unknown {
  return c.call({ ...c.base, ...options });
}

describe.each(cases)("$fn's options", (c) => {
  const listed = `accepted options: ${c.keys.join(", ")}`;

  it("rejects an unknown key, naming it and its value and listing the accepted keys", async () => {
    const error = await optionError(() => callWith(c, { colour: "red" }));
    expect(error.message).toContain(`${c.fn}: unknown option colour ("red")`);
    expect(error.message).toContain(listed);
  });

  it("rejects a misspelt key without running the rest", async () => {
    // One letter off a real key: the typo PyTorch users make, which must not fall back to a default.
    const typo = `${c.keys[0]}s`;
    const error = await optionError(() => callWith(c, { [typo]: 1 }));
    expect(error.message).toContain(`unknown option ${typo} (1)`);
  });

  it("rejects a value that is not an options object", async () => {
    const bad = c.variadic
      ? [mt.tensor([1]), new Float64Array(2)]
      : [2, "mean", [1], null, mt.tensor([1])];
    for (const value of bad) {
      const error = await optionError(() => c.call(value as unknown as Loose));
      expect(error.message).toMatch(
        new RegExp(`^${c.fn.replace(/\./g, "\\.")}: expected an options object, got`),
      );
      expect(error.message).toContain(listed);
    }
  });

  it.each(c.notYet.map(([key, value]) => ({ key, value })))(
    "refuses $key = $value as not supported yet",
    async ({ key, value }) => {
      const error = await optionError(() => callWith(c, { [key]: value }));
      expect(error.message).toContain(`${c.fn}: option ${key} is not supported yet`);
      expect(error.message).toContain(`got ${shown(value)}`);
      expect(error.message).toContain(listed);
    },
  );

  it.each((c.invalid ?? []).map(([key, value]) => ({ key, value })))(
    "refuses $key = $value, naming the key and the value",
    async ({ key, value }) => {
      const error = await optionError(() => callWith(c, { [key]: value }));
      expect(error.message).toContain(`${c.fn}: option ${key} must be`);
      expect(error.message).toContain(`got ${shown(value)}`);
    },
  );

  it("accepts the supported values, with the result of omitting them", async () => {
    const plain = await (c.base === undefined ? c.call(undefined) : c.call(c.base));
    for (const options of [{}, ...c.supported]) {
      expect(await callWith(c, options), JSON.stringify(options)).toEqual(plain);
    }
    // A key set to undefined counts as omitted, as TypeScript's optional properties do.
    const optional = c.keys.find((k) => !(k in (c.base ?? {})));
    expect(await callWith(c, { [String(optional)]: undefined })).toEqual(plain);
  });
});

describe("options in the wrong place", () => {
  it("conv2d and conv1d refuse options passed as the bias", () => {
    for (const run of [
      () => F.conv2d(image, kernel, { stride: 2 } as never),
      () => F.conv1d(signal, kernel1d, { padding: 1 } as never),
    ]) {
      expect(run).toThrow(mt.DataError);
      expect(run).toThrow(/bias must be a Tensor or null, got an object; options come fourth/);
    }
  });

  it("dropout refuses options passed as `training`", () => {
    const run = () => F.dropout(image, 0.5, { rng: new mt.Random(0) } as never);
    expect(run).toThrow(mt.DataError);
    expect(run).toThrow(/dropout: training must be true or false, got an object/);
  });

  it("decodeSafetensors refuses options passed as the file name", async () => {
    const bytes = await mt.io.encodeSafetensors(stateDict());
    const run = () => mt.io.decodeSafetensors(bytes, { backend: "reference" } as never);
    expect(run).toThrow(mt.DataError);
    expect(run).toThrow(
      /file must be a string naming the bytes, got an object; options come third/,
    );
  });

  it("arange refuses a string among its numbers", () => {
    const run = () => mt.arange(3, "float64" as never);
    expect(run).toThrow(mt.DataError);
    expect(run).toThrow('arange: expected numbers then an options object, got "float64"');
  });

  it("zeros refuses a typed array where a shape or options go", () => {
    expect(() => mt.zeros(new Float32Array([2, 3]) as never)).toThrow(
      /zeros: expected an options object, got a Float32Array/,
    );
  });

  it("loadMnist rejects an unknown option as a rejected promise, naming it", async () => {
    const pending = mt.data.loadMnist({ dir: "/nowhere" } as never);
    await expect(pending).rejects.toThrow(mt.DataError);
    await expect(pending).rejects.toThrow(
      'loadMnist: unknown option dir ("/nowhere"); accepted options: packageDir, cache',
    );
    await expect(mt.data.loadMnist({ cache: "no" } as never)).rejects.toThrow(
      'loadMnist: option cache must be true or false, got "no"',
    );
  });

  it("the optimizers' required options reach their own checks when the object is missing", () => {
    const theta = new mt.nn.Parameter(mt.tensor([1], { requiresGrad: true }));
    expect(() => new mt.optim.SGD([theta], undefined as never)).toThrow(
      "SGD: lr must be a positive number, got undefined",
    );
  });
});
