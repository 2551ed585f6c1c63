import { describe, expect, it } from "vitest";
import * as mt from "../src/index.js";
import { loadedBackendNames } from "./backends.js";
import { expectClose } from "./close.js";

/**
 * mt.models.GPT against nanoGPT. The fixture is torch 1.13 running nanoGPT's model code (its
 * CausalSelfAttention with the explicit causal mask, MLP with exact GELU, pre-norm Block, GPT with
 * the head tied to wte) for the config below, every parameter k in named_parameters order filled
 * with 0.5·sin(1.3k + 0.7j):
 *
 *     net = GPT(dict(vocab_size=7, block_size=8, n_layer=2, n_head=2, n_embd=8))
 *     with torch.no_grad():
 *         for k, (name, p) in enumerate(net.named_parameters()):
 *             p.copy_(torch.tensor([0.5 * math.sin(1.3 * k + 0.7 * j)
 *                                   for j in range(p.numel())]).reshape(p.shape))
 *     idx = torch.tensor([[0, 3, 6, 1, 2], [5, 5, 4, 0, 1]])
 *     logits = net(idx)
 *     loss = F.cross_entropy(logits.reshape(-1, 7),
 *                            torch.tensor([[3, 6, 1, 2, 4], [5, 4, 0, 1, 2]]).reshape(-1))
 *     loss.backward()   # then logits[:, -1], loss, wte.weight.grad[0]
 */

const CONFIG = { vocabSize: 7, blockSize: 8, nLayer: 2, nHead: 2, nEmbd: 8 };
const VOCAB = [" ", "a", "b", "c", "d", "e", ":"];

const block = (i: number) => [
  `transformer.h.${i}.ln_1.weight`,
  `transformer.h.${i}.ln_1.bias`,
  `transformer.h.${i}.attn.c_attn.weight`,
  `transformer.h.${i}.attn.c_attn.bias`,
  `transformer.h.${i}.attn.c_proj.weight`,
  `transformer.h.${i}.attn.c_proj.bias`,
  `transformer.h.${i}.ln_2.weight`,
  `transformer.h.${i}.ln_2.bias`,
  `transformer.h.${i}.mlp.c_fc.weight`,
  `transformer.h.${i}.mlp.c_fc.bias`,
  `transformer.h.${i}.mlp.c_proj.weight`,
  `transformer.h.${i}.mlp.c_proj.bias`,
];
/** nanoGPT's named_parameters() for the config (lm_head is wte, so listed once). */
const TORCH_NAMES = [
  "transformer.wte.weight",
  "transformer.wpe.weight",
  ...block(0),
  ...block(1),
  "transformer.ln_f.weight",
  "transformer.ln_f.bias",
];
const TORCH = {
  logitsLast: [
    -0.999009, -0.488636, 0.24107, 0.862568, 1.096886, 0.838847, 0.204276, -1.002004, -0.495397,
    0.233579, 0.857708, 1.09684, 0.843635, 0.211749,
  ],
  loss: 2.153334,
  wteGrad0: [0.024576, 0.027593, 0.016205, 0.067142, -0.030275, -0.009049, -0.023858, -0.029743],
};
const IDX = [0, 3, 6, 1, 2, 5, 5, 4, 0, 1];
const TARGETS = [3, 6, 1, 2, 4, 5, 4, 0, 1, 2];
const TOL = { abs: 2e-5, rel: 1e-4 };

/** Fills parameter k (in namedParameters order) with 0.5·sin(1.3k + 0.7j), as the fixture did. */
function fillBySine(model: mt.nn.Module): void {
  const sd = model.stateDict();
  for (const [k, [name, p]] of model.namedParameters().entries()) {
    const t = p.value as mt.Tensor;
    const values = Array.from({ length: t.numel() }, (_, j) => 0.5 * Math.sin(1.3 * k + 0.7 * j));
    sd[name] = mt.tensor(values, { backend: t.backend }).reshape(t.shape);
  }
  model.loadStateDict(sd);
}

/** Greedy continuation computed the slow way: the whole (cropped) context every step. */
function greedyByRecompute(model: mt.models.GPT, prompt: number[], n: number): number[] {
  const context = [...prompt];
  for (let i = 0; i < n; i++) {
    const window = context.slice(-model.config.blockSize);
    const ids = mt.tensor(window, { dtype: "int32" }).reshape([1, -1]);
    const last = mt.noGrad(() => model.forward(ids).index(0, -1));
    context.push(last.argmax().item());
  }
  return context.slice(prompt.length);
}

async function collect(tokens: AsyncIterable<number>): Promise<number[]> {
  const out: number[] = [];
  for await (const t of tokens) out.push(t);
  return out;
}

describe("GPT's layout is nanoGPT's", () => {
  it("names and shapes its parameters as nanoGPT, the head tied to wte and stored once", () => {
    const model = new mt.models.GPT(CONFIG);
    const sd = model.stateDict();
    expect(Object.keys(sd)).toEqual(TORCH_NAMES);
    const shape = (k: string) => (sd[k] as mt.Tensor).shape;
    expect(shape("transformer.wte.weight")).toEqual([7, 8]);
    expect(shape("transformer.wpe.weight")).toEqual([8, 8]);
    expect(shape("transformer.h.0.attn.c_attn.weight")).toEqual([24, 8]);
    expect(shape("transformer.h.1.mlp.c_fc.weight")).toEqual([32, 8]);
    expect(shape("transformer.h.1.mlp.c_proj.weight")).toEqual([8, 32]);
    expect(model.numParameters()).toBe(
      Object.values(sd).reduce((n: number, t) => n + (t as mt.Tensor).numel(), 0),
    );
  });

  it("starts from GPT-2's initialisation", () => {
    const model = new mt.models.GPT(
      { vocabSize: 64, blockSize: 32, nLayer: 4, nHead: 4, nEmbd: 64 },
      { rng: new mt.Random(1) },
    );
    const sd = model.stateDict() as Record<string, mt.Tensor>;
    const std = (t: mt.Tensor) => t.std().item();
    // 4096+ draws each: the sample std is within a few percent of the target.
    expect(std(sd["transformer.wte.weight"])).toBeCloseTo(0.02, 2);
    expect(std(sd["transformer.h.0.mlp.c_fc.weight"]) / 0.02).toBeGreaterThan(0.95);
    expect(std(sd["transformer.h.0.mlp.c_fc.weight"]) / 0.02).toBeLessThan(1.05);
    const residual = 0.02 / Math.sqrt(8);
    const proj = std(sd["transformer.h.3.mlp.c_proj.weight"]) / residual;
    expect(proj).toBeGreaterThan(0.95);
    expect(proj).toBeLessThan(1.05);
    expect(sd["transformer.h.2.attn.c_attn.bias"].abs().max().item()).toBe(0);
    expect(sd["transformer.h.2.ln_1.weight"].min().item()).toBe(1);
  });

  it("checks its config, its input and its vocabulary", () => {
    expect(() => new mt.models.GPT({ ...CONFIG, nHead: 3 })).toThrow(
      /nHead \(3\) must divide nEmbd \(8\)/,
    );
    expect(() => new mt.models.GPT({ ...CONFIG, nLayer: 0 })).toThrow(
      /nLayer must be a positive integer/,
    );
    expect(() => new mt.models.GPT({ ...CONFIG, layers: 2 } as never)).toThrow(/layers/);
    expect(() => new mt.models.GPT(CONFIG, { vocab: ["a"] })).toThrow(
      /1 characters but vocabSize is 7/,
    );
    const model = new mt.models.GPT(CONFIG, { vocab: VOCAB });
    expect(() => model.forward(mt.zeros([1, 3]))).toThrow(mt.DTypeError);
    const long = mt.zeros([1, 9], { dtype: "int32" });
    expect(() => model.forward(long)).toThrow(/9 positions .* exceed blockSize 8/);
    expect(model.decode(model.encode("bad: ace"))).toBe("bad: ace");
    expect(() => model.encode("abz")).toThrow(/"z" \(at 2\) is not in the vocabulary/);
    expect(() => model.decode([7])).toThrow(/7 is not a token id/);
  });
});

describe.each(loadedBackendNames)("GPT on the %s backend", (backend) => {
  it("gives nanoGPT's logits, loss and gradients for the same weights", async () => {
    const model = await new mt.models.GPT(CONFIG).to(backend);
    fillBySine(model);
    const idx = mt.tensor(IDX, { dtype: "int32", backend }).reshape([2, 5]);
    const logits = model.forward(idx);
    expect(logits.shape).toEqual([2, 5, 7]);
    expectClose(Array.from(await logits.index([], -1).data()), TORCH.logitsLast, TOL);
    const targets = mt.tensor(TARGETS, { dtype: "int32", backend });
    const loss = mt.nn.functional.crossEntropy(logits.reshape([-1, 7]), targets);
    expectClose([Number((await loss.data())[0])], [TORCH.loss], TOL);
    loss.backward();
    const wte = model.transformer.wte.weight.value as mt.Tensor;
    expectClose(Array.from(await (wte.grad as mt.Tensor).index(0).data()), TORCH.wteGrad0, TOL);
  });

  it("caches keys and values: a cached step's logits equal a full recompute", async () => {
    const model = await new mt.models.GPT(CONFIG).to(backend);
    fillBySine(model);
    const ids = mt.tensor(IDX.slice(0, 5), { dtype: "int32", backend }).reshape([1, 5]);
    const full = mt.noGrad(() => model.forward(ids));
    const caches = model.newCaches();
    const first = mt.noGrad(() => model.forward(ids.narrow(1, 0, 3), caches));
    const rest = mt.noGrad(() => model.forward(ids.narrow(1, 3, 2), caches));
    expect(caches[1].k?.shape).toEqual([1, 2, 5, 4]);
    expectClose(Array.from(await first.data()), Array.from(await full.narrow(1, 0, 3).data()), TOL);
    expectClose(Array.from(await rest.data()), Array.from(await full.narrow(1, 3, 2).data()), TOL);
  });

  it("gives each block's causal attention weights, as softmax(q·kᵀ/√headSize) of its ln_1 input", async () => {
    const model = await new mt.models.GPT(CONFIG).to(backend);
    fillBySine(model);
    const idx = mt.tensor(IDX, { dtype: "int32", backend }).reshape([2, 5]);
    const weights = model.attentionWeights(idx);
    expect(weights.map((w) => w.shape)).toEqual([
      [2, 2, 5, 5],
      [2, 2, 5, 5],
    ]);
    expect(() => model.attentionWeights(idx.float())).toThrow(
      /GPT.attentionWeights: expected int32 token ids/,
    );
    const w0 = Array.from(await weights[0].data());
    for (let row = 0; row < 2 * 2 * 5; row++) {
      const i = row % 5;
      const values = w0.slice(row * 5, row * 5 + 5);
      expect(values.slice(i + 1).every((v) => v === 0)).toBe(true); // no peeking ahead
      expect(values.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    }
    // Layer 0, head 1, written out: its query and key slices of c_attn(ln_1(wte + wpe)).
    const { wte, wpe, h } = model.transformer;
    const x = wte.forward(idx).add(wpe.forward(mt.arange(0, 5, { dtype: "int32", backend })));
    const qkv = h.at(0).attn.c_attn.forward(h.at(0).ln_1.forward(x));
    const q = qkv.narrow(-1, 4, 4);
    const k = qkv.narrow(-1, 8 + 4, 4);
    const scores = q.matmul(k.transpose(-2, -1)).div(2);
    const causal = mt.ones([5, 5], { backend }).tril().bool();
    const expected = scores.maskedFill(causal.logicalNot(), -Infinity).softmax(-1);
    expectClose(
      Array.from(await weights[0].narrow(1, 1, 1).data()),
      Array.from(await expected.data()),
      TOL,
    );
  });
});

describe("GPT.generate", () => {
  it("streams what recomputing the whole context gives, past the block (cropping as nanoGPT)", async () => {
    const model = new mt.models.GPT(CONFIG, { rng: new mt.Random(4) });
    fillBySine(model);
    const prompt = [1, 2, 3];
    const streamed = await collect(model.generate(prompt, { maxNewTokens: 12, topK: 1 }));
    expect(streamed).toEqual(greedyByRecompute(model, prompt, 12));
  });

  it("samples reproducibly from a generator, within topK", async () => {
    const model = new mt.models.GPT(CONFIG, { rng: new mt.Random(5) });
    const run = (seed: number, topK: number | null) =>
      collect(
        model.generate([0], {
          maxNewTokens: 30,
          temperature: 1.5,
          topK,
          generator: new mt.Random(seed),
        }),
      );
    expect(await run(1, null)).toEqual(await run(1, null));
    expect(await run(1, null)).not.toEqual(await run(2, null));
    // Any token can come out; with topK 2, only the two likeliest after each context.
    const sampled = await run(3, null);
    expect(sampled.every((t) => Number.isInteger(t) && t >= 0 && t < 7)).toBe(true);
    const two = await run(3, 2);
    const context = [0];
    for (const token of two) {
      const ids = mt.tensor(context.slice(-8), { dtype: "int32" }).reshape([1, -1]);
      const last = Array.from(mt.noGrad(() => model.forward(ids).index(0, -1)).dataSync());
      const ranked = [...last].sort((a, b) => b - a);
      expect(last[token]).toBeGreaterThanOrEqual(ranked[1]);
      context.push(token);
    }
  });

  it("refuses bad sampling settings", async () => {
    const model = new mt.models.GPT(CONFIG);
    await expect(collect(model.generate([], { maxNewTokens: 1 }))).rejects.toThrow(
      /at least one token/,
    );
    await expect(collect(model.generate([0], { maxNewTokens: 1, temperature: 0 }))).rejects.toThrow(
      /temperature must be a positive number/,
    );
    await expect(collect(model.generate([0], { maxNewTokens: 1, topK: 0 }))).rejects.toThrow(
      /topK/,
    );
  });
});

describe("GPT model files", () => {
  it("round-trip through safetensors with the config and vocab as nanoGPT-style metadata", async () => {
    const model = new mt.models.GPT(
      { ...CONFIG, dropout: 0.1 },
      { vocab: VOCAB, rng: new mt.Random(6) },
    );
    const bytes = await model.toSafetensors();
    const { metadata, tensors } = mt.io.decodeSafetensors(bytes);
    expect(JSON.parse(metadata?.config ?? "")).toEqual({
      vocab_size: 7,
      block_size: 8,
      n_layer: 2,
      n_head: 2,
      n_embd: 8,
      dropout: 0.1,
      bias: true,
    });
    expect(JSON.parse(metadata?.vocab ?? "")).toEqual(VOCAB);
    expect(Object.keys(tensors)).toEqual(TORCH_NAMES);
    const back = mt.models.GPT.fromSafetensors(bytes);
    expect(back.config).toEqual({ ...CONFIG, dropout: 0.1 });
    expect(back.decode(back.encode("cab"))).toBe("cab");
    const ids = mt.tensor([1, 2, 3], { dtype: "int32" }).reshape([1, 3]);
    back.eval();
    model.eval();
    expect(back.forward(ids).dataSync()).toEqual(model.forward(ids).dataSync());
  });

  it("says when a file is not a GPT's", async () => {
    const plain = await mt.io.encodeSafetensors({ w: mt.zeros([2]) });
    expect(() => mt.models.GPT.fromSafetensors(plain)).toThrow(
      /not a GPT model file \(no "config"/,
    );
    const wrong = await mt.io.encodeSafetensors(
      { w: mt.zeros([2]) },
      {
        config: JSON.stringify({ vocab_size: 7, block_size: 8, n_layer: 1, n_head: 2, n_embd: 8 }),
      },
    );
    expect(() => mt.models.GPT.fromSafetensors(wrong)).toThrow(/missing keys/);
  });
});
