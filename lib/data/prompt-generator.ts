/**
 * Prompts of an exact token length that read like text: sentences of the
 * shipped corpus (corpus.txt, written for this project), in order from a seeded
 * start, behind a unique head ("Passage 1234567890.") so no prefix cache serves
 * a prompt by accident, and optionally behind one of K shared prefixes.
 *
 * Exact without encoding every prompt: each sentence is counted once (with its
 * leading space), and a prompt's count is the sum of its pieces, because every
 * join is "… word." + " Next …", where BPE tokenizers split pre-tokens. The
 * last piece is a sentence cut after the word that makes the count exact. That
 * additivity is checked, not assumed: prompts are encoded whole until a time
 * budget is spent (all of them in a small run), and if one ever counts wrong,
 * every prompt is encoded and corrected from then on.
 */
import { readFileSync } from 'node:fs';
import { createRng } from '../util/random.ts';
import type { Tokenizer } from '../stats/tokenizer.ts';

const CORPUS_PATH = new URL('./corpus.txt', import.meta.url);

/** Reusable for multi-turn conversations and trace replay: a prompt is a pure function of this spec (and the generator's seed). */
export interface PromptSpec {
  /** Tokens of the prompt's own part (after the prefix, when there is one). */
  tokens: number;
  /** One of the shared prefixes (0-based), put before the prompt's own part. */
  prefixId?: number;
  /** Distinct values give distinct prompts (e.g. the request index). */
  uniqueSeed: number;
  /** It follows other text (a trace's next block): it starts with a space, counted with it, so joined texts add up. */
  leading?: boolean;
}

export interface PromptGeneratorOptions {
  /** The run's seed: the same seed gives the same prompts. */
  seed: number;
  /** Tokens of each shared prefix (--prefix-tokens). */
  prefixTokens?: number;
  /** Whole-prompt checks stop once they have taken this long in total (ms); default 500. */
  checkBudgetMs?: number;
}

export interface PromptGenerator {
  readonly tokenizer: Tokenizer;
  /** A prompt of exactly prefixTokens (with a prefixId) + spec.tokens tokens. */
  generate(spec: PromptSpec): string;
  /** The shared prefix `id`, exactly prefixTokens tokens. */
  prefix(id: number): string;
  /** Prompts encoded whole and found exact; prompts that needed correcting (then every later one is checked). */
  checks(): { checked: number; corrected: number };
}

/**
 * A prompt shorter than this, or than its head (8 tokens in o200k, 14 in
 * tokenizers that split digits), is only corpus words, and may repeat.
 */
export const MIN_UNIQUE_TOKENS = 8;

interface Sentence {
  /** With its leading space: " The harbor town woke slowly." */
  text: string;
  tokens: number;
  /** Token counts of its first 1..n words (with the leading space), filled on first use. */
  wordCounts?: Int32Array;
  words?: string[];
}

/** The corpus split into sentences, each counted once by the tokenizer. */
function loadSentences(tokenizer: Tokenizer): Sentence[] {
  const text = readFileSync(CORPUS_PATH, 'utf8');
  const sentences: Sentence[] = [];
  for (const match of text.matchAll(/[^.!?\s][^.!?]*[.!?]+/g)) {
    const sentence = ' ' + match[0].replace(/\s+/g, ' ').trim();
    sentences.push({ text: sentence, tokens: tokenizer.count(sentence) });
  }
  return sentences;
}

export function createPromptGenerator(tokenizer: Tokenizer, options: PromptGeneratorOptions): PromptGenerator {
  const sentences = loadSentences(tokenizer);
  const prefixes = new Map<number, string>();
  let budgetMs = options.checkBudgetMs ?? 500;
  let checked = 0;
  let corrected = 0;
  let alwaysCheck = false;

  /** A stable 32-bit value from the seed and a number: where a text starts, and its head's number. */
  const mix = (stream: number, value: number) => Math.floor(createRng((options.seed ^ Math.imul(stream, 0x9e3779b1) ^ Math.imul(value, 0x85ebca6b)) >>> 0)() * 2 ** 32);

  /** The words of a sentence and the counts of its first k words, computed once per sentence. */
  const wordCountsOf = (sentence: Sentence): { words: string[]; counts: Int32Array } => {
    if (!sentence.wordCounts || !sentence.words) {
      const words = sentence.text.slice(1).split(' ').map((word) => ' ' + word);
      const counts = new Int32Array(words.length);
      let prefix = '';
      for (let k = 0; k < words.length; k++) {
        prefix += words[k];
        counts[k] = k === words.length - 1 ? sentence.tokens : tokenizer.count(prefix);
      }
      sentence.words = words;
      sentence.wordCounts = counts;
    }
    return { words: sentence.words, counts: sentence.wordCounts };
  };

  /**
   * Text of exactly `target` tokens after `head` (counted `headTokens`): whole
   * sentences from `start` on, then the first words of a sentence that make the
   * count exact. Pieces all begin with a space, so their counts add up.
   */
  const body = (head: string, headTokens: number, target: number, start: number): string => {
    const parts = [head];
    let count = headTokens;
    let i = start;
    let stuck = 0;
    while (count < target) {
      const sentence = sentences[i % sentences.length]!;
      i++;
      if (count + sentence.tokens <= target) {
        parts.push(sentence.text);
        count += sentence.tokens;
        stuck = 0;
        continue;
      }
      // The tail: the first sentence (from here on) some of whose first words are exactly the tokens left.
      const left = target - count;
      for (let j = 0; j < sentences.length; j++) {
        const { words, counts } = wordCountsOf(sentences[(i - 1 + j) % sentences.length]!);
        const k = counts.indexOf(left);
        if (k !== -1) {
          parts.push(words.slice(0, k + 1).join(''));
          return parts.join('');
        }
      }
      // None ends exactly there: take the longest start of this sentence that fits, and go on from the next.
      const { words, counts } = wordCountsOf(sentence);
      let k = -1;
      while (k + 1 < counts.length && counts[k + 1]! < left) k++;
      if (k >= 0) {
        parts.push(words.slice(0, k + 1).join(''));
        count += counts[k]!;
        stuck = 0;
      } else if (++stuck > sentences.length) {
        throw new Error(`prompt generator: cannot fill ${left} tokens from the corpus in ${tokenizer.name}`);
      }
    }
    return parts.join('');
  };

  /** A text of exactly `target` tokens; `leading`: it follows other text (starts with a space). */
  const text = (target: number, label: string, value: number, stream: number, leading: boolean): string => {
    const start = mix(stream, value) % sentences.length;
    if (target < MIN_UNIQUE_TOKENS) return shortText(target, start, leading);
    // Multiplying by an odd number and xor-ing a constant is one-to-one on 32 bits: distinct values, distinct heads.
    const serial = (Math.imul(value, 0x2c1b3c6d) ^ mix(stream + 1, 0)) >>> 0;
    const head = `${leading ? ' ' : ''}${label} ${1_000_000_000 + serial}.`;
    const headTokens = tokenizer.count(head);
    // Tokenizers that split digits one by one (Qwen, DeepSeek) make a longer head.
    if (headTokens >= target) return shortText(target, start, leading);
    return body(head, headTokens, target, start);
  };

  /** Under MIN_UNIQUE_TOKENS: the first words of a sentence, each count taken whole (a few tiny encodes). */
  const shortText = (target: number, start: number, leading: boolean): string => {
    for (let j = 0; j < sentences.length; j++) {
      const words = sentences[(start + j) % sentences.length]!.text.slice(1).split(' ');
      let candidate = leading ? '' : undefined;
      for (const word of words) {
        candidate = candidate === undefined ? word : `${candidate} ${word}`;
        const count = tokenizer.count(candidate);
        if (count === target) return candidate;
        if (count > target) break;
      }
    }
    throw new Error(`prompt generator: cannot make ${target} tokens in ${tokenizer.name}`);
  };

  /** Encodes `make(target)` whole while the budget lasts (always, once one was wrong), correcting the target until exact. */
  const exact = (target: number, make: (target: number) => string): string => {
    let result = make(target);
    if (!alwaysCheck && budgetMs <= 0) return result;
    const began = performance.now();
    let actual = tokenizer.count(result);
    checked++;
    if (actual !== target) {
      alwaysCheck = true;
      corrected++;
      let asked = target;
      for (let attempt = 0; actual !== target && attempt < 8; attempt++) {
        asked = Math.max(1, asked + (target - actual));
        result = make(asked);
        actual = tokenizer.count(result);
      }
      if (actual !== target) throw new Error(`prompt generator: cannot make exactly ${target} tokens in ${tokenizer.name} (got ${actual})`);
    }
    budgetMs -= performance.now() - began;
    return result;
  };

  const prefix = (id: number): string => {
    const size = options.prefixTokens;
    if (size === undefined) throw new Error('prompt generator: no prefix size was given');
    let found = prefixes.get(id);
    if (found === undefined) {
      found = exact(size, (target) => text(target, 'Document', id, 2, false));
      prefixes.set(id, found);
    }
    return found;
  };

  return {
    tokenizer,
    prefix,
    generate(spec) {
      if (spec.prefixId === undefined) return exact(spec.tokens, (target) => text(target, 'Passage', spec.uniqueSeed, 0, spec.leading === true));
      const shared = prefix(spec.prefixId);
      const total = (options.prefixTokens ?? 0) + spec.tokens;
      // The prefix is fixed; only the prompt's own part may be corrected.
      return exact(total, (target) => shared + text(target - (options.prefixTokens ?? 0), 'Passage', spec.uniqueSeed, 0, true));
    },
    checks: () => ({ checked, corrected }),
  };
}
