import { describe, expect, it } from "vitest";
import * as mt from "../src/index.js";
import { loadedBackendNames } from "./backends.js";
import { expectClose } from "./close.js";

/**
 * PyTorch model code ported line by line: a ResNet-style CNN (BatchNorm, strided and padded
 * convolutions, a 1×1 shortcut, max-pooling with padding on an odd-sized map, adaptive average
 * pooling) and a tiny causal Transformer language model (Embedding, pre-norm GELU encoder layer
 * with a causal mask, LayerNorm, label-smoothed cross-entropy). Each is compared with torch 1.13
 * running the same architecture with the same weights — every parameter k (in named_parameters
 * order) filled with 0.5·sin(1.3k + 0.7j) — and then trained the PyTorch way (parameter groups,
 * schedules, clipping, a DataLoader over a TensorDataset).
 *
 * The fixtures came from this Python (torch 1.13), abridged; the modules mirror the TS below:
 *
 *     with torch.no_grad():
 *         for k, (name, p) in enumerate(net.named_parameters()):
 *             p.copy_(torch.tensor([0.5 * math.sin(1.3 * k + 0.7 * j)
 *                                   for j in range(p.numel())]).reshape(p.shape))
 *     x = torch.tensor([math.sin(0.37 * j) for j in range(2 * 11 * 11)]).reshape(2, 1, 11, 11)
 *     train_out = net(x); net.eval(); eval_out = net(x)                      # the ResNet
 *     logits = lm(idx); loss = F.cross_entropy(logits.reshape(-1, 5), targets.reshape(-1),
 *                                              label_smoothing=0.1); loss.backward()  # the LM
 */

const nn = mt.nn;
const F = mt.nn.functional;
type Tensor = mt.Tensor;

class Block extends nn.Module {
  conv1: mt.nn.Conv2d;
  bn1: mt.nn.BatchNorm2d;
  conv2: mt.nn.Conv2d;
  bn2: mt.nn.BatchNorm2d;
  shortcut: mt.nn.Sequential;
  constructor(cin: number, cout: number, stride: number) {
    super();
    this.conv1 = new nn.Conv2d(cin, cout, 3, { stride, padding: 1, bias: false });
    this.bn1 = new nn.BatchNorm2d(cout);
    this.conv2 = new nn.Conv2d(cout, cout, 3, { padding: 1, bias: false });
    this.bn2 = new nn.BatchNorm2d(cout);
    this.shortcut =
      stride !== 1 || cin !== cout
        ? new nn.Sequential(
            new nn.Conv2d(cin, cout, 1, { stride, bias: false }),
            new nn.BatchNorm2d(cout),
          )
        : new nn.Sequential();
  }
  forward(x: Tensor): Tensor {
    const out = this.bn2.forward(
      this.conv2.forward(F.relu(this.bn1.forward(this.conv1.forward(x)))),
    );
    return F.relu(out.add(this.shortcut.forward(x)));
  }
}

class ResNet extends nn.Module {
  stem = new nn.Sequential(
    new nn.Conv2d(1, 4, 3, { padding: 1, bias: false }),
    new nn.BatchNorm2d(4),
    new nn.ReLU(),
    new nn.MaxPool2d(3, { stride: 2, padding: 1 }),
  );
  layer1 = new Block(4, 4, 1);
  layer2 = new Block(4, 8, 2);
  pool = new nn.AdaptiveAvgPool2d(1);
  fc = new nn.Linear(8, 3);
  forward(x: Tensor): Tensor {
    const h = this.layer2.forward(this.layer1.forward(this.stem.forward(x)));
    return this.fc.forward(mt.flatten(this.pool.forward(h), 1));
  }
}

class TinyLM extends nn.Module {
  tok = new nn.Embedding(5, 8);
  pos = new nn.Embedding(6, 8);
  block = new nn.TransformerEncoderLayer(8, 2, {
    dimFeedforward: 16,
    dropout: 0,
    activation: "gelu",
    batchFirst: true,
    normFirst: true,
  });
  ln = new nn.LayerNorm(8);
  head = new nn.Linear(8, 5);
  forward(idx: Tensor): Tensor {
    const t = idx.shape[1];
    const positions = mt.arange(t, { dtype: "int32", backend: idx.backend });
    const h = this.tok.forward(idx).add(this.pos.forward(positions));
    // true above the diagonal: position i may not attend to j > i (torch 1.13's bool mask).
    const mask = mt.ones([t, t], { backend: idx.backend }).triu(1).bool();
    return this.head.forward(this.ln.forward(this.block.forward(h, { srcMask: mask })));
  }
}

/** Fills parameter k (in namedParameters order) with 0.5·sin(1.3k + 0.7j), as the fixtures did. */
function fillBySine(module: mt.nn.Module): void {
  const sd = module.stateDict();
  for (const [k, [name, p]] of module.namedParameters().entries()) {
    const t = p.value as Tensor;
    const values = Array.from({ length: t.numel() }, (_, j) => 0.5 * Math.sin(1.3 * k + 0.7 * j));
    sd[name] = mt.tensor(values, { backend: t.backend }).reshape(t.shape);
  }
  module.loadStateDict(sd);
}

const sine = (n: number, f = 0.37) => Array.from({ length: n }, (_, j) => Math.sin(f * j));

const TORCH_RESNET = {
  keys: [
    "stem.0.weight",
    "stem.1.weight",
    "stem.1.bias",
    "stem.1.running_mean",
    "stem.1.running_var",
    "stem.1.num_batches_tracked",
    "layer1.conv1.weight",
    "layer1.bn1.weight",
    "layer1.bn1.bias",
    "layer1.bn1.running_mean",
    "layer1.bn1.running_var",
    "layer1.bn1.num_batches_tracked",
    "layer1.conv2.weight",
    "layer1.bn2.weight",
    "layer1.bn2.bias",
    "layer1.bn2.running_mean",
    "layer1.bn2.running_var",
    "layer1.bn2.num_batches_tracked",
    "layer2.conv1.weight",
    "layer2.bn1.weight",
    "layer2.bn1.bias",
    "layer2.bn1.running_mean",
    "layer2.bn1.running_var",
    "layer2.bn1.num_batches_tracked",
    "layer2.conv2.weight",
    "layer2.bn2.weight",
    "layer2.bn2.bias",
    "layer2.bn2.running_mean",
    "layer2.bn2.running_var",
    "layer2.bn2.num_batches_tracked",
    "layer2.shortcut.0.weight",
    "layer2.shortcut.1.weight",
    "layer2.shortcut.1.bias",
    "layer2.shortcut.1.running_mean",
    "layer2.shortcut.1.running_var",
    "layer2.shortcut.1.num_batches_tracked",
    "fc.weight",
    "fc.bias",
  ],
  train: [0.217741, 0.456898, 0.488136, 0.253323, 0.490933, 0.505348],
  eval: [0.110908, 0.415603, 0.530914, 0.113544, 0.416556, 0.529758],
};

const TORCH_LM = {
  keys: [
    "tok.weight",
    "pos.weight",
    "block.self_attn.in_proj_weight",
    "block.self_attn.in_proj_bias",
    "block.self_attn.out_proj.weight",
    "block.self_attn.out_proj.bias",
    "block.linear1.weight",
    "block.linear1.bias",
    "block.linear2.weight",
    "block.linear2.bias",
    "block.norm1.weight",
    "block.norm1.bias",
    "block.norm2.weight",
    "block.norm2.bias",
    "ln.weight",
    "ln.bias",
    "head.weight",
    "head.bias",
  ],
  logits0: [
    0.254307, 0.196911, 0.058886, -0.094867, -0.197424, 0.234976, 0.174192, 0.042978, -0.096824,
    -0.184552,
  ],
  loss: 1.623087,
  headBiasGrad: [0.079721, -0.018253, 0.02468, -0.075376, -0.010771],
  posGrad0: [0.003892, -0.002456, -0.004704, 0.000253, 0.004203, 0.001253, -0.002586, 0.000144],
};

const LM_IDX = [0, 1, 2, 3, 4, 0, 4, 3, 2, 1, 0, 4];
const LM_TARGETS = [1, 2, 3, 4, 0, 1, 3, 2, 1, 0, 4, 3];
const TOL = { abs: 2e-5, rel: 1e-4 };

describe.each(loadedBackendNames)("ported PyTorch models on the %s backend", (backend) => {
  const ints = (v: number[], shape: number[]) =>
    mt.tensor(v, { dtype: "int32", backend }).reshape(shape);

  it("a ResNet-style CNN gives torch's outputs in training and eval mode", async () => {
    mt.manualSeed(0);
    const net = await new ResNet().to(backend);
    expect(Object.keys(net.stateDict())).toEqual(TORCH_RESNET.keys);
    fillBySine(net);
    const x = mt.tensor(sine(2 * 11 * 11), { backend }).reshape([2, 1, 11, 11]);
    expectClose(Array.from(await net.forward(x).data()), TORCH_RESNET.train, TOL);
    net.eval();
    expectClose(Array.from(await net.forward(x).data()), TORCH_RESNET.eval, TOL);
  });

  it("a causal Transformer LM gives torch's logits, smoothed loss and gradients", async () => {
    mt.manualSeed(0);
    const lm = await new TinyLM().to(backend);
    expect(Object.keys(lm.stateDict())).toEqual(TORCH_LM.keys);
    fillBySine(lm);
    const logits = lm.forward(ints(LM_IDX, [2, 6]));
    expectClose(Array.from(await logits.index(0).slice([0, 2]).data()), TORCH_LM.logits0, TOL);
    const loss = F.crossEntropy(logits.reshape([-1, 5]), ints(LM_TARGETS, [12]), {
      labelSmoothing: 0.1,
    });
    expectClose([Number((await loss.data())[0])], [TORCH_LM.loss], TOL);
    loss.backward();
    const grad = async (t: unknown) => Array.from(await ((t as Tensor).grad as Tensor).data());
    expectClose(await grad(lm.head.bias?.value), TORCH_LM.headBiasGrad, TOL);
    expectClose((await grad(lm.pos.weight.value)).slice(0, 8), TORCH_LM.posGrad0, { abs: 2e-6 });
  });
});

describe("training ported models the PyTorch way", () => {
  it("the ResNet learns where a blob is: SGD with parameter groups, OneCycleLR, a DataLoader", () => {
    mt.manualSeed(1);
    // 64 images of 11×11 noise with a bright 3×3 blob in one of 3 columns; the class is the column.
    const gen = new mt.Random(5);
    const n = 64;
    const pixels: number[] = [];
    const labels: number[] = [];
    for (let i = 0; i < n; i++) {
      const c = i % 3;
      const row = gen.int(9); // 0…8
      for (let y = 0; y < 11; y++) {
        for (let x = 0; x < 11; x++) {
          const inBlob = y >= row && y < row + 3 && x >= 1 + 3 * c && x < 4 + 3 * c;
          pixels.push((inBlob ? 2 : 0) + 0.3 * gen.normal());
        }
      }
      labels.push(c);
    }
    const data = new mt.data.TensorDataset(
      mt.tensor(pixels).reshape([n, 1, 11, 11]),
      mt.tensor(labels, { dtype: "int32" }),
    );
    const loader = new mt.data.DataLoader(data, {
      batchSize: 16,
      shuffle: true,
      generator: new mt.Random(2),
    });
    const net = new ResNet();
    // No weight decay on BatchNorm parameters and biases: PyTorch's usual two groups.
    const decay = net
      .namedParameters()
      .filter(([name]) => name.endsWith("conv1.weight") || name.endsWith("conv2.weight"));
    const rest = net.parameters().filter((p) => !decay.some(([, q]) => q === p));
    const opt = new mt.optim.SGD(
      [
        { params: decay.map(([, p]) => p), weightDecay: 5e-4 },
        { params: rest, weightDecay: 0 },
      ],
      { lr: 0.1, momentum: 0.9 },
    );
    const epochs = 8;
    const schedule = new mt.optim.lrScheduler.OneCycleLR(opt, {
      maxLr: 0.2,
      epochs,
      stepsPerEpoch: loader.length,
    });
    const losses: number[] = [];
    for (let epoch = 0; epoch < epochs; epoch++) {
      net.train();
      for (const [x, y] of loader) {
        const loss = F.crossEntropy(net.forward(x), y);
        opt.zeroGrad();
        loss.backward();
        opt.step();
        schedule.step();
        losses.push(loss.item());
      }
    }
    expect(opt.paramGroups[0].weightDecay).toBe(5e-4);
    net.eval();
    const [images, targets] = data.tensors;
    const accuracy = net.forward(images).argmax(1).eq(targets).float().mean().item();
    expect(losses[losses.length - 1]).toBeLessThan(losses[0] / 2);
    expect(accuracy).toBeGreaterThan(0.9);
  });

  it("the LM learns a cycle: AdamW groups, warm-up then cosine, clipGradNorm_", () => {
    mt.manualSeed(3);
    const lm = new TinyLM();
    const noDecay = lm.namedParameters().filter(([name]) => /bias|norm|ln\./.test(name));
    const decay = lm.parameters().filter((p) => !noDecay.some(([, q]) => q === p));
    const opt = new mt.optim.AdamW(
      [{ params: decay }, { params: noDecay.map(([, p]) => p), weightDecay: 0 }],
      { lr: 0.02, weightDecay: 0.01 },
    );
    const steps = 60;
    const { LinearLR, CosineAnnealingLR, SequentialLR } = mt.optim.lrScheduler;
    const schedule = new SequentialLR(opt, {
      schedulers: [
        new LinearLR(opt, { startFactor: 0.1, totalIters: 10 }),
        new CosineAnnealingLR(opt, { tMax: steps - 10 }),
      ],
      milestones: [10],
    });
    // Sequences of the cycle 0 → 1 → 2 → 3 → 4 → 0 from every start; the target is the next token.
    const idx: number[] = [];
    const next: number[] = [];
    for (let s = 0; s < 5; s++) {
      for (let t = 0; t < 6; t++) {
        idx.push((s + t) % 5);
        next.push((s + t + 1) % 5);
      }
    }
    const x = mt.tensor(idx, { dtype: "int32" }).reshape([5, 6]);
    const y = mt.tensor(next, { dtype: "int32" });
    let first = 0;
    let last = 0;
    for (let step = 0; step < steps; step++) {
      const loss = mt.tidy(() => {
        const l = F.crossEntropy(lm.forward(x).reshape([-1, 5]), y, { labelSmoothing: 0.1 });
        opt.zeroGrad();
        l.backward();
        mt.nn.utils.clipGradNorm_(lm.parameters(), 1);
        opt.step();
        return l.item();
      });
      schedule.step();
      if (step === 0) first = loss;
      last = loss;
    }
    expect(last).toBeLessThan(first / 2);
    const predicted = lm.forward(x).argmax(-1).reshape([-1]);
    expect(predicted.eq(y).float().mean().item()).toBe(1);
  });
});
