/** Generated prompts: exact lengths in every tokenizer, unique, sharing prefixes only when asked, text from the corpus. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createPromptGenerator, MIN_UNIQUE_TOKENS } from '../lib/data/prompt-generator.ts';
import { loadTokenizer, type Tokenizer } from '../lib/stats/tokenizer.ts';

const ROOT = join(import.meta.dirname, '..');
const TINY_BPE = join(ROOT, 'fixtures/tokenizers/tiny-bpe.json');
const CORPUS_WORDS = new Set(readFileSync(join(ROOT, 'lib/data/corpus.txt'), 'utf8').split(/\s+/).filter(Boolean));
const SIZES = [1, 2, 3, 5, 7, 8, 9, 10, 16, 31, 64, 100, 257, 1024, 4000];

const tokenizers: Record<string, Tokenizer> = {};
beforeAll(async () => {
  tokenizers.o200k = await loadTokenizer('o200k');
  tokenizers.cl100k = await loadTokenizer('cl100k');
  tokenizers.hf = await loadTokenizer(TINY_BPE, 'tiny-bpe.json');
});

describe.each(['o200k', 'cl100k', 'hf'])('prompts sized in %s', (name) => {
  it('have exactly the requested number of tokens, at every size', () => {
    const tokenizer = tokenizers[name]!;
    // No whole-prompt checks: the additive count alone must be exact.
    const generator = createPromptGenerator(tokenizer, { seed: 11, checkBudgetMs: 0 });
    for (const tokens of SIZES) {
      for (let unique = 0; unique < 4; unique++) {
        const prompt = generator.generate({ tokens, uniqueSeed: tokens * 100 + unique });
        expect(tokenizer.count(prompt), `${tokens} tokens, prompt ${unique}: ${JSON.stringify(prompt.slice(0, 60))}`).toBe(tokens);
      }
    }
    expect(generator.checks()).toEqual({ checked: 0, corrected: 0 });
  });

  it('put the shared prefix before the prompt: prefix + own tokens exactly', () => {
    const tokenizer = tokenizers[name]!;
    const generator = createPromptGenerator(tokenizer, { seed: 3, prefixTokens: 200, checkBudgetMs: 0 });
    for (const tokens of [1, 9, 50, 333]) {
      for (const prefixId of [0, 1, 2]) {
        const prompt = generator.generate({ tokens, prefixId, uniqueSeed: tokens + prefixId });
        expect(prompt.startsWith(generator.prefix(prefixId))).toBe(true);
        expect(tokenizer.count(generator.prefix(prefixId))).toBe(200);
        expect(tokenizer.count(prompt)).toBe(200 + tokens);
      }
    }
  });
});

describe('generated prompts', () => {
  it('are all different, from their first words on, so no prefix cache serves one by accident', () => {
    const generator = createPromptGenerator(tokenizers.o200k!, { seed: 5 });
    const prompts = Array.from({ length: 3000 }, (_, i) => generator.generate({ tokens: 20 + (i % 97), uniqueSeed: i }));
    expect(new Set(prompts).size).toBe(prompts.length);
    // vLLM caches 16-token blocks: the first block must already differ.
    const firstBlocks = prompts.map((p) => p.split(' ').slice(0, 2).join(' '));
    expect(new Set(firstBlocks).size).toBe(prompts.length);
  });

  it('share exactly the prefix they are given, and K prefixes are K different texts', () => {
    const generator = createPromptGenerator(tokenizers.o200k!, { seed: 5, prefixTokens: 100 });
    const prefixes = [0, 1, 2, 3].map((id) => generator.prefix(id));
    expect(new Set(prefixes).size).toBe(4);
    const a = generator.generate({ tokens: 40, prefixId: 2, uniqueSeed: 1 });
    const b = generator.generate({ tokens: 40, prefixId: 2, uniqueSeed: 2 });
    expect(a.slice(0, prefixes[2]!.length)).toBe(b.slice(0, prefixes[2]!.length));
    expect(a.slice(prefixes[2]!.length)).not.toBe(b.slice(prefixes[2]!.length));
  });

  it('are a pure function of the seed and the spec', () => {
    const one = createPromptGenerator(tokenizers.o200k!, { seed: 9 });
    const again = createPromptGenerator(tokenizers.o200k!, { seed: 9 });
    const other = createPromptGenerator(tokenizers.o200k!, { seed: 10 });
    const spec = { tokens: 300, uniqueSeed: 42 };
    expect(again.generate(spec)).toBe(one.generate(spec));
    expect(other.generate(spec)).not.toBe(one.generate(spec));
  });

  it('read like text: the corpus words behind one numbered head, no token soup', () => {
    const generator = createPromptGenerator(tokenizers.o200k!, { seed: 1 });
    const prompt = generator.generate({ tokens: 500, uniqueSeed: 7 });
    const [head, number, ...words] = prompt.split(' ');
    expect(head).toBe('Passage');
    expect(number).toMatch(/^\d{10}\.$/);
    for (const word of words) expect(CORPUS_WORDS.has(word), word).toBe(true);
    expect(prompt).toMatch(/^[\x20-\x7e]+$/);
  });

  it('below the head size are corpus words only (documented: they may repeat)', () => {
    const generator = createPromptGenerator(tokenizers.o200k!, { seed: 1 });
    const prompt = generator.generate({ tokens: MIN_UNIQUE_TOKENS - 1, uniqueSeed: 1 });
    expect(prompt).not.toMatch(/Passage/);
    expect(tokenizers.o200k!.count(prompt)).toBe(MIN_UNIQUE_TOKENS - 1);
  });

  it('are checked whole within the budget, and corrected when a tokenizer breaks the additive count', () => {
    // A tokenizer whose count of a joined text is not the sum of its parts: each sentence join ". " costs 1 more.
    const base = tokenizers.o200k!;
    const odd: Tokenizer = { name: 'odd', count: (text) => base.count(text) + (text.match(/\. [A-Z]/g)?.length ?? 0), encode: base.encode };
    const generator = createPromptGenerator(odd, { seed: 2 });
    for (let i = 0; i < 20; i++) expect(odd.count(generator.generate({ tokens: 300, uniqueSeed: i }))).toBe(300);
    const { checked, corrected } = generator.checks();
    expect(checked).toBe(20);
    expect(corrected).toBeGreaterThan(0);
  });
});
