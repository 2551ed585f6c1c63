// Prints, as JSON, the logits a minitorch GPT model file gives for a prompt: what
// bench/gpt_in_torch.py compares PyTorch's against. Run with
// `npm run build && node bench/gpt_logits.mjs runs/gpt/model.safetensors "lantern:" > logits.json`.
import * as mt from "../dist/index.js";

const [file, prompt = "lantern:"] = process.argv.slice(2);
if (file === undefined) throw new Error("usage: node bench/gpt_logits.mjs MODEL [PROMPT]");
await mt.setBackend("cpu");
const model = await mt.models.GPT.load(file);
model.eval();
const ids = model.encode(prompt);
const idx = mt.tensor([ids], { dtype: "int32" });
const logits = mt.noGrad(() => model.forward(idx));
const rows = [];
const values = await logits.data();
for (let t = 0; t < ids.length; t++) {
  rows.push(
    Array.from(values.subarray(t * model.config.vocabSize, (t + 1) * model.config.vocabSize)),
  );
}
console.log(JSON.stringify({ prompt, ids, logits: rows }));
process.exit(0);
