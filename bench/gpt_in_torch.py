"""Loads a minitorch GPT model file into PyTorch and checks its logits against minitorch's.

The file's tensors have nanoGPT's names and PyTorch's Linear layout, and its metadata `config`
is nanoGPT's GPTConfig in snake_case, so the model of bench/gpt_torch.py (nanoGPT's layout with
the head tied to `transformer.wte.weight`) takes the state dict as it is, strictly. For
nanoGPT's own `model.GPT`, add `sd["lm_head.weight"] = sd["transformer.wte.weight"]` (the tied
head, which the file stores once).

    node bench/gpt_logits.mjs MODEL "lantern:" > logits.json
    python3 bench/gpt_in_torch.py MODEL logits.json

Reads safetensors by hand (python3-safetensors is not in Debian 12). Needs python3-torch.
"""

import json
import struct
import sys

import torch

from gpt_torch import GPT

DTYPES = {"F32": torch.float32, "F64": torch.float64, "I32": torch.int32, "I64": torch.int64}


def read_safetensors(path):
    raw = open(path, "rb").read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n])
    meta = header.pop("__metadata__", {})
    body = raw[8 + n :]
    tensors = {}
    for name, info in header.items():
        start, end = info["data_offsets"]
        flat = torch.frombuffer(bytearray(body[start:end]), dtype=DTYPES[info["dtype"]])
        tensors[name] = flat.reshape(info["shape"])
    return tensors, meta


def main():
    model_path, logits_path = sys.argv[1:3]
    tensors, meta = read_safetensors(model_path)
    c = json.loads(meta["config"])
    model = GPT(c["vocab_size"], c["block_size"], c["n_layer"], c["n_head"], c["n_embd"])
    model.load_state_dict(tensors, strict=True)
    model.eval()
    expected = json.load(open(logits_path))
    vocab = json.loads(meta["vocab"])
    ids = [vocab.index(ch) for ch in expected["prompt"]]
    assert ids == expected["ids"], "the vocab metadata encodes the prompt differently"
    with torch.no_grad():
        logits = model(torch.tensor([ids]))[0]
    diff = (logits - torch.tensor(expected["logits"])).abs().max().item()
    nxt = vocab[int(logits[-1].argmax())]
    print(f"{len(tensors)} tensors loaded strictly; max |logit difference| {diff:.2e} over "
          f"{logits.numel()} logits; most likely next character {nxt!r}")
    sys.exit(0 if diff < 1e-4 else 1)


if __name__ == "__main__":
    main()
