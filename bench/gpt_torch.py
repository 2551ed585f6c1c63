"""The recipe of `minitorch train gpt`, in PyTorch, for comparison (issue 15).

Same model (nanoGPT's layout: 4 layers, 4 heads, width 128, block 64, tied head, GPT-2 init),
same data rules (every 20th line, i % 20 == 19, is validation; sorted-character vocabulary),
same recipe (AdamW β 0.9/0.99, weight decay 0.1 on matrices only, gradient norm clipped to 1,
linear warm-up then cosine to lr/10, batches of 32 × 64), and the same evaluation (mean loss over
20 validation batches fixed for the run). Prints the validation loss at each evaluation and the
training tokens per second.

    python3 bench/gpt_torch.py CORPUS.txt [--iters 2000] [--threads 2]

CORPUS.txt is a UTF-8 text file; WordNet's glosses, as minitorch reads them, are written by
`node bench/wordnet_text.mjs > wordnet.txt` (see bench/README.md).
Needs Debian's python3-torch; the tests do not.
"""

import argparse
import json
import math
import time

import torch
from torch import nn
from torch.nn import functional as F


class Block(nn.Module):
    def __init__(self, n_embd, n_head):
        super().__init__()
        self.n_head = n_head
        self.ln_1 = nn.LayerNorm(n_embd)
        self.attn = nn.Module()
        self.attn.c_attn = nn.Linear(n_embd, 3 * n_embd)
        self.attn.c_proj = nn.Linear(n_embd, n_embd)
        self.ln_2 = nn.LayerNorm(n_embd)
        self.mlp = nn.Module()
        self.mlp.c_fc = nn.Linear(n_embd, 4 * n_embd)
        self.mlp.c_proj = nn.Linear(4 * n_embd, n_embd)

    def attend(self, x):
        b, t, c = x.shape
        q, k, v = self.attn.c_attn(x).split(c, dim=2)
        heads = lambda z: z.view(b, t, self.n_head, c // self.n_head).transpose(1, 2)
        q, k, v = heads(q), heads(k), heads(v)
        att = (q @ k.transpose(-2, -1)) / math.sqrt(c // self.n_head)
        mask = torch.ones(t, t, dtype=torch.bool).tril()
        att = att.masked_fill(~mask, float("-inf")).softmax(dim=-1)
        y = (att @ v).transpose(1, 2).reshape(b, t, c)
        return self.attn.c_proj(y)

    def forward(self, x):
        x = x + self.attend(self.ln_1(x))
        return x + self.mlp.c_proj(F.gelu(self.mlp.c_fc(self.ln_2(x))))


class GPT(nn.Module):
    """nanoGPT's GPT with bias and no dropout; parameter names as nanoGPT's state dict."""

    def __init__(self, vocab_size, block_size, n_layer, n_head, n_embd):
        super().__init__()
        self.transformer = nn.ModuleDict(
            dict(
                wte=nn.Embedding(vocab_size, n_embd),
                wpe=nn.Embedding(block_size, n_embd),
                h=nn.ModuleList([Block(n_embd, n_head) for _ in range(n_layer)]),
                ln_f=nn.LayerNorm(n_embd),
            )
        )
        for name, p in self.named_parameters():
            if name.endswith("c_proj.weight"):
                nn.init.normal_(p, 0.0, 0.02 / math.sqrt(2 * n_layer))
            elif name.endswith(".weight") and "ln_" not in name:
                nn.init.normal_(p, 0.0, 0.02)
            elif name.endswith(".bias"):
                nn.init.zeros_(p)

    def forward(self, idx):
        t = idx.shape[1]
        tr = self.transformer
        x = tr.wte(idx) + tr.wpe(torch.arange(t))
        for block in tr.h:
            x = block(x)
        return tr.ln_f(x) @ tr.wte.weight.t()  # the head tied to the token embedding


def corpus(path):
    lines = open(path, encoding="utf-8").read().replace("\r\n", "\n").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    vocab = sorted(set("".join(lines)) | {"\n"})
    index = {c: i for i, c in enumerate(vocab)}
    train = "".join(l + "\n" for i, l in enumerate(lines) if i % 20 != 19)
    val = "".join(l + "\n" for i, l in enumerate(lines) if i % 20 == 19)
    encode = lambda s: torch.tensor([index[c] for c in s], dtype=torch.long)
    return vocab, encode(train), encode(val)


def batch(ids, batch_size, block, gen):
    starts = torch.randint(len(ids) - block, (batch_size,), generator=gen)
    x = torch.stack([ids[s : s + block] for s in starts])
    y = torch.stack([ids[s + 1 : s + block + 1] for s in starts])
    return x, y


def lr_at(it, lr, iters):
    """Linear warm-up over min(100, iters/10) steps, then a cosine from lr to lr/10."""
    warmup = min(100, iters // 10)
    if it < warmup:
        return lr * (it + 1) / (warmup + 1)
    ratio = (it - warmup) / max(1, iters - warmup)
    return lr / 10 + 0.5 * (1 + math.cos(math.pi * ratio)) * (lr - lr / 10)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus")
    ap.add_argument("--iters", type=int, default=2000)
    ap.add_argument("--eval-every", type=int, default=250)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    vocab, train, val = corpus(a.corpus)
    bs, block = 32, 64
    model = GPT(len(vocab), block, 4, 4, 128)
    params = list(model.parameters())
    decay = [p for p in params if p.dim() >= 2]
    rest = [p for p in params if p.dim() < 2]
    opt = torch.optim.AdamW(
        [{"params": decay, "weight_decay": 0.1}, {"params": rest, "weight_decay": 0.0}],
        lr=1e-3,
        betas=(0.9, 0.99),
    )
    eval_gen = torch.Generator().manual_seed(0)
    eval_batches = [batch(val, bs, block, eval_gen) for _ in range(20)]
    gen = torch.Generator().manual_seed(a.seed + 1)

    def evaluate():
        model.eval()
        with torch.no_grad():
            losses = [F.cross_entropy(model(x).view(-1, len(vocab)), y.view(-1)) for x, y in eval_batches]
        model.train()
        return torch.stack(losses).mean().item()

    trained = 0.0
    for it in range(a.iters):
        for g in opt.param_groups:
            g["lr"] = lr_at(it, 1e-3, a.iters)
        start = time.perf_counter()
        x, y = batch(train, bs, block, gen)
        loss = F.cross_entropy(model(x).view(-1, len(vocab)), y.view(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        trained += time.perf_counter() - start
        if (it + 1) % a.eval_every == 0 or it + 1 == a.iters:
            tps = (it + 1) * bs * block / trained
            print(f"iter {it + 1}: train loss {loss.item():.4f}, val loss {evaluate():.4f}, {tps:.0f} tokens/s", flush=True)
    print(json.dumps({"framework": "torch " + torch.__version__, "iters": a.iters, "valLoss": evaluate(),
                      "tokensPerSecond": a.iters * bs * block / trained, "seconds": trained}))


if __name__ == "__main__":
    main()
