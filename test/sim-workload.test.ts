/** The simulator follows the workload: output limits, ignore_eos / min_tokens, prefill per uncached token, its prefix cache, usage. */
import { describe, expect, it } from 'vitest';
import { blockKeys, createPrefixCache } from '../lib/sim/prefix-cache.ts';
import { createSimState, planResponse, planTimeline } from '../lib/sim/simulator.ts';
import { promptText } from '../lib/sim/prompt-text.ts';
import { createRng } from '../lib/util/random.ts';

const words = (n: number, from = 0) => Array.from({ length: n }, (_, i) => ` w${from + i}`).join('');
// One token a word: a stand-in tokenizer whose ids are easy to reason about.
const encode = (text: string) => text.split(' ').filter(Boolean).map((word) => Number(word.slice(1)));
const options = { ttftMs: 100, itlMs: 10, tokens: 40, jitter: 0, prefillMsPerToken: 0.5, encode };
const chat = (content: string, extra: object = {}) => ({ messages: [{ role: 'user', content }], stream: true, ...extra });

describe('the simulated model', () => {
  it('stops at the output limit of every API, and at its own length before that', () => {
    const rng = createRng(1);
    const answer = (body: object) => planTimeline(body, options, rng).tokens.length;
    expect(answer(chat('hi', { max_tokens: 7 }))).toBe(7);
    expect(answer(chat('hi', { max_completion_tokens: 8 }))).toBe(8);
    expect(answer({ input: 'hi', max_output_tokens: 9 })).toBe(9);
    expect(answer({ contents: [], generationConfig: { maxOutputTokens: 10 } })).toBe(10);
    expect(answer({ prompt: 'hi', options: { num_predict: 11 } })).toBe(11);
    expect(answer(chat('hi', { max_tokens: 500 }))).toBe(40);
  });

  it('ignore_eos runs to the limit; min_tokens is a floor', () => {
    const rng = createRng(1);
    expect(planTimeline(chat('hi', { max_tokens: 500, ignore_eos: true }), options, rng).tokens.length).toBe(500);
    expect(planTimeline(chat('hi', { max_tokens: 500, min_tokens: 90 }), options, rng).tokens.length).toBe(90);
    expect(planTimeline(chat('hi', { max_tokens: 60, min_tokens: 90 }), options, rng).tokens.length).toBe(60);
  });

  it('waits a prefill cost per prompt token the cache did not serve', () => {
    const state = createSimState({ prefixCacheTokens: 10_000 });
    const first = planTimeline(chat(words(320)), options, createRng(1), state);
    expect(first.inputTokens).toBe(320);
    expect(first.cachedInputTokens).toBe(0);
    expect(first.tokens[0]!.atMs).toBe(100 + 0.5 * 320);
    // The same 320-token prefix, then 40 new tokens: 20 blocks of 16 cached, 40 tokens to prefill.
    const second = planTimeline(chat(words(320) + words(40, 1000)), options, createRng(1), state);
    expect(second.cachedInputTokens).toBe(320);
    expect(second.tokens[0]!.atMs).toBe(100 + 0.5 * 40);
    // Without state (msw handlers), nothing is cached.
    expect(planTimeline(chat(words(320)), options, createRng(1)).cachedInputTokens).toBe(0);
  });

  it('reports prompt and cached prompt tokens in each dialect\'s usage', () => {
    const state = createSimState({ prefixCacheTokens: 10_000 });
    planResponse('/v1/chat/completions', chat(words(64)), options, createRng(1), state);
    const frames = (path: string, body: object) => planResponse(path, body, options, createRng(1), state)!.frames.map((f) => f.text).join('');
    expect(frames('/v1/chat/completions', chat(words(64) + words(8, 500), { stream_options: { include_usage: true } }))).toContain(
      '"usage":{"prompt_tokens":72,"completion_tokens":40,"total_tokens":112,"prompt_tokens_details":{"cached_tokens":64}}',
    );
    expect(frames('/v1/messages', chat(words(64) + words(8, 600)))).toContain('"usage":{"input_tokens":8,"cache_read_input_tokens":64');
    expect(frames('/v1/responses', { input: words(64) + words(8, 700) })).toContain('"input_tokens":72,"input_tokens_details":{"cached_tokens":64}');
  });

  it('reads the prompt of every dialect', () => {
    expect(promptText({ system: 'S', messages: [{ role: 'user', content: [{ type: 'text', text: 'A' }] }] })).toBe('S\n\nA');
    expect(promptText({ input: [{ role: 'user', content: 'B' }] })).toBe('B');
    expect(promptText({ prompt: 'C' })).toBe('C');
    expect(promptText({ systemInstruction: { parts: [{ text: 'S' }] }, contents: [{ parts: [{ text: 'D' }] }] })).toBe('S\n\nD');
  });
});

describe('the prefix cache', () => {
  it('counts only leading blocks, keyed by everything before them', () => {
    const cache = createPrefixCache(100);
    const a = blockKeys(Array.from({ length: 64 }, (_, i) => i));
    expect(a).toHaveLength(4);
    expect(cache.admit(a)).toBe(0);
    expect(cache.admit(a)).toBe(4);
    // Same second block after a different first block: a different prefix, no hit.
    const b = blockKeys([...Array.from({ length: 16 }, (_, i) => 100 + i), ...Array.from({ length: 48 }, (_, i) => 16 + i)]);
    expect(cache.admit(b)).toBe(0);
    // A partial last block has no key.
    expect(blockKeys(Array.from({ length: 31 }, (_, i) => i))).toHaveLength(1);
  });

  it('evicts the least recently used blocks when full', () => {
    const cache = createPrefixCache(4);
    cache.admit(['a', 'b']);
    cache.admit(['c', 'd']);
    cache.admit(['a', 'b']); // a, b now the most recent
    cache.admit(['e']); // evicts c
    expect(cache.size).toBe(4);
    expect(cache.admit(['c', 'd'])).toBe(0);
    expect(createPrefixCache(0).admit(['x'])).toBe(0);
  });
});
