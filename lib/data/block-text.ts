/**
 * Synthetic text of an exact token count, made fast enough to build while the
 * load runs: one common word per token (lib/data/words.ts: each word with its
 * leading space is one token in o200k and cl100k, and texts joined end to end
 * add up). The words come from an RNG seeded by a key: the same key gives the
 * same words, so a shorter text is a prefix of a longer one with the same key;
 * different keys give different text, so no cache serves it by accident.
 *
 * Traces build their prompts from it (a hash id is a key: equal ids, equal
 * blocks of text), and so do conversations' synthetic user turns until the
 * workload generator replaces them.
 */
import { createRng } from '../util/random.ts';
import { WORDS } from './words.ts';

/** `tokens` words, each with its leading space. */
export function wordText(tokens: number, key: number): string {
  const rng = createRng(key);
  const parts = new Array<string>(tokens);
  for (let i = 0; i < tokens; i++) parts[i] = WORDS[Math.floor(rng() * WORDS.length)] as string;
  return tokens > 0 ? ' ' + parts.join(' ') : '';
}

/** A 32-bit key from several numbers (a seed, an id, a turn), well mixed (murmur3's finalizer per step). */
export function textKey(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const part of parts) {
    // Numbers beyond 32 bits keep their high bits.
    const high = Math.floor(part / 2 ** 32);
    for (const word of [part >>> 0, high >>> 0]) {
      h = Math.imul(h ^ word, 0x85ebca6b);
      h ^= h >>> 13;
      h = Math.imul(h, 0xc2b2ae35);
      h ^= h >>> 16;
    }
  }
  return h >>> 0;
}
