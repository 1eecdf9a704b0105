import { describe, expect, it } from 'vitest';
import { createRng } from '../lib/util/random.ts';
import { openaiChat, quickDeltaTokens } from '../lib/wire/protocols/openai-chat.ts';
import type { StreamSink } from '../lib/wire/protocols/protocol.ts';
import type { Usage } from '../lib/record/record.ts';

const UNKNOWN = -1;
const REASONING = 1;
const ANSWER = 2;

/** What the full JSON.parse reading says: the reference the shortcut must agree with. */
function reference(data: string): number {
  type Delta = Record<string, unknown> & { tool_calls?: Array<{ function?: { arguments?: unknown } }> };
  const choices = (JSON.parse(data) as { choices?: Array<{ delta?: Delta | null }> }).choices ?? [];
  let mask = 0;
  for (const { delta } of choices) {
    if (!delta) continue;
    if (delta.reasoning_content || delta.reasoning) mask |= REASONING;
    if (delta.content || delta.tool_calls?.some((c) => c.function?.arguments)) mask |= ANSWER;
  }
  return mask;
}

function signals(data: string): { tokens: boolean[]; usage?: Usage; ended: boolean } {
  const out: { tokens: boolean[]; usage?: Usage; ended: boolean } = { tokens: [], ended: false };
  const sink: StreamSink = {
    token: (reasoning) => out.tokens.push(reasoning),
    text: () => {},
    wantsText: false,
    usage: (usage) => (out.usage = usage),
    end: () => (out.ended = true),
    fail: (message) => {
      throw new Error(message);
    },
  };
  openaiChat.onMessage(data, undefined, sink);
  return out;
}

const chunk = (delta: object, extra: object = {}) =>
  JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta, finish_reason: null }], ...extra });

// Shapes seen from OpenAI, vLLM, SGLang, DeepSeek and Qwen, plus tricky text.
const CORPUS = [
  chunk({ role: 'assistant', content: '' }),
  chunk({ content: 'Hello' }),
  chunk({ content: '流式 🚀' }),
  chunk({ content: 'say \\"hi\\" and \\\\' }),
  chunk({ content: '"delta":{"content":"fake"}' }),
  chunk({ content: null, reasoning_content: 'think' }),
  chunk({ reasoning: 'hmm' }),
  chunk({ reasoning_content: '', content: '' }),
  chunk({ reasoning_content: 'a', content: 'b' }),
  chunk({}),
  chunk({ content: 'x' }, { usage: null }),
  chunk({ content: 'x' }, { usage: { prompt_tokens: 1, completion_tokens: 2 } }),
  chunk({ tool_calls: [{ index: 0, function: { arguments: '{"a":1}' } }] }),
  chunk({ tool_calls: [{ index: 0, function: { name: 'f' } }] }),
  chunk({ content: 'x', refusal: null }),
  JSON.stringify({ choices: [{ index: 0, delta: { content: '' } }, { index: 1, delta: { content: 'second' } }] }),
  JSON.stringify({ choices: [{ index: 0, logprobs: { content: [] }, delta: { content: 'lp' } }] }),
  JSON.stringify({ choices: [{ index: 0, delta: { content: 'spaced' } }] }, null, 1),
  JSON.stringify({ choices: [], usage: { prompt_tokens: 3, completion_tokens: 4 } }),
];

describe('quickDeltaTokens', () => {
  it.each(CORPUS.map((data, i) => ({ i, data })))('agrees with JSON.parse or defers (#$i)', ({ data }) => {
    const quick = quickDeltaTokens(data);
    if (quick !== UNKNOWN) expect(quick).toBe(reference(data));
  });

  it('answers the common shapes without parsing', () => {
    expect(quickDeltaTokens(chunk({ role: 'assistant', content: '' }))).toBe(0);
    expect(quickDeltaTokens(chunk({ content: 'Hello' }))).toBe(ANSWER);
    expect(quickDeltaTokens(chunk({ content: '流式 🚀' }))).toBe(ANSWER);
    expect(quickDeltaTokens(chunk({ reasoning_content: 'a', content: 'b' }))).toBe(REASONING | ANSWER);
    expect(quickDeltaTokens(chunk({ content: 'x' }, { usage: null }))).toBe(ANSWER);
    expect(quickDeltaTokens(chunk({}))).toBe(0);
  });

  it('defers what it cannot prove: usage objects, tool calls, whitespace, a later choice, malformed text', () => {
    expect(quickDeltaTokens(chunk({ content: 'x' }, { usage: { prompt_tokens: 1 } }))).toBe(UNKNOWN);
    expect(quickDeltaTokens(chunk({ tool_calls: [{ function: { arguments: 'a' } }] }))).toBe(UNKNOWN);
    expect(quickDeltaTokens(JSON.stringify({ choices: [{ delta: { content: 'x' } }] }, null, 1))).toBe(UNKNOWN);
    expect(quickDeltaTokens(JSON.stringify({ choices: [{ index: 0 }, { index: 1, delta: { content: 'x' } }] }))).toBe(UNKNOWN);
    expect(quickDeltaTokens('{"choices":[{"delta":{"content":"x')).toBe(UNKNOWN);
    expect(quickDeltaTokens('[DONE]')).toBe(UNKNOWN);
  });
});

/**
 * Seeded random chunks: delta keys that look like the ones read (same length, same prefix),
 * strings full of quotes, backslashes, braces and the marker texts, null and non-string values,
 * objects before "choices", several choices, and one-character corruptions of each.
 */
function fuzzCorpus(count: number): string[] {
  const rng = createRng(20);
  const pick = <T,>(items: readonly T[]): T => items[Math.floor(rng() * items.length)]!;
  const keys = ['content', 'reasoning_content', 'reasoning', 'role', 'refusal', 'Content', 'contenu', 'reasoninG', 'reasoning_contenT', 'reasoningX', 'tool_calls', 'con"tent', 'content\\'];
  const texts = ['', 'x', '"', '\\', '\\"', 'a\\\\', '}', '{"delta":{"content":"y"}}', '"choices":[{', '"usage":{', 'null', ',', ':'];
  const value = (): unknown => pick([() => pick(texts), () => pick(texts) + pick(texts), () => null, () => 1, () => [pick(texts)], () => ({ a: pick(texts) })])();
  const corpus: string[] = [];
  while (corpus.length < count) {
    const delta: Record<string, unknown> = {};
    for (let k = Math.floor(rng() * 4); k > 0; k--) delta[pick(keys)] = value();
    const choice = pick([{ index: 0, delta }, { delta, index: 0, finish_reason: null }, { index: 0, delta: null }, { index: 0, logprobs: { t: pick(texts) }, delta }]);
    const before = pick([{}, { id: pick(texts) }, { x: {} }, { model: 'm', object: 'chat.completion.chunk' }]);
    const after = pick([{}, { usage: null }, { usage: { completion_tokens: 1 } }, { tail: pick(texts) }]);
    const choices = pick([[choice], [choice, { index: 1, delta: { content: 'second' } }], [{ index: 0 }, choice], []]);
    const text = JSON.stringify({ ...before, choices, ...after });
    corpus.push(text);
    // A one-character corruption: some stay valid JSON, most do not.
    const at = Math.floor(rng() * text.length);
    corpus.push(text.slice(0, at) + pick(['', '"', '}', '\\', ' ', ':', ',', 'x']) + text.slice(at + 1));
  }
  return corpus;
}

describe('quickDeltaTokens against JSON.parse on random chunks', () => {
  it('agrees on every valid chunk it answers, and answers the plain ones', () => {
    let answered = 0;
    for (const data of fuzzCorpus(4000)) {
      const quick = quickDeltaTokens(data);
      let expected: number | undefined;
      try {
        expected = reference(data);
      } catch {
        continue; // malformed: the parsed path reports it
      }
      if (quick === UNKNOWN) continue;
      answered++;
      expect(quick, data).toBe(expected);
    }
    // The seeded corpus reaches the answering path often enough to matter (113 of 8000 at seed 20).
    expect(answered).toBeGreaterThan(100);
  });

  it('the parsed path gives one token event per chunk with text, reasoning only when no answer text', () => {
    const isText = (v: unknown) => typeof v === 'string' && v.length > 0;
    let checked = 0;
    for (const data of fuzzCorpus(2000)) {
      let parsed: { choices?: Array<{ delta?: Record<string, unknown> | null }> };
      try {
        parsed = JSON.parse(data);
      } catch {
        continue;
      }
      const deltas = (parsed.choices ?? []).map((c) => c.delta);
      // A tool_calls that is not a list is no shape a server sends; the adapter may throw on it.
      if (deltas.some((d) => d && d.tool_calls !== undefined && d.tool_calls !== null && !Array.isArray(d.tool_calls))) continue;
      let answer = false;
      let reasoning = false;
      for (const d of deltas) {
        if (!d) continue;
        if (isText(d.reasoning_content || d.reasoning)) reasoning = true;
        if (isText(d.content)) answer = true;
        for (const call of (d.tool_calls as Array<{ function?: { arguments?: unknown } | null }> | null) ?? []) {
          if (isText(call?.function?.arguments)) answer = true;
        }
      }
      const tokens: boolean[] = [];
      const sink: StreamSink = { token: (r) => tokens.push(r), text: () => {}, wantsText: true, usage: () => {}, end: () => {}, fail: () => {} };
      openaiChat.onMessage(data, undefined, sink);
      expect(tokens, data).toEqual(answer || reasoning ? [!answer] : []);
      checked++;
    }
    expect(checked).toBeGreaterThan(1000);
    // Shapes the corpus does not draw: a null delta, a tool call without a function.
    const tokens: boolean[] = [];
    const sink: StreamSink = { token: (r) => tokens.push(r), text: () => {}, wantsText: true, usage: () => {}, end: () => {}, fail: () => {} };
    openaiChat.onMessage('{"choices":[{"index":0,"delta":null},{"index":1,"delta":{"tool_calls":[{"function":null},{"index":1}]}}]}', undefined, sink);
    openaiChat.onMessage('{"object":"chat.completion.chunk"}', undefined, sink);
    expect(tokens).toEqual([]);
  });

  it('defers malformed text around the delta', () => {
    for (const data of [
      'x{"choices":[{"delta":{"content":"x"}}]}',
      '{"choices":[{"delta":{"content":"x"}}]]',
      '{"choices":[{"delta":{content:"x"}}]}',
      '{"choices":[{"delta":{"content""x"}}]}',
      '{"choices":[{"delta":{"content":x}}]}',
      '{"choices":[{"delta":{"content":"x"]}}',
      '{"choices":[{"delta":{"content":"x" }}]}',
      '{"choices":[{"delta":{"content":"x\\"}}]}',
      '{"choices":[{"delta":{"content":nul}}]}',
      '{"choices":[{"delta":{"con\\"tent":"x"}}]}',
    ]) {
      expect(quickDeltaTokens(data), data).toBe(UNKNOWN);
    }
  });

  it('answers a chunk with an object before "choices"', () => {
    expect(quickDeltaTokens('{"x":{},"choices":[{"index":0,"delta":{"content":"a"}}]}')).toBe(ANSWER);
    expect(quickDeltaTokens('{"x":{},"choices":[{"delta":{"content":null,"reasoning":"r"}}]}')).toBe(REASONING);
  });
});

describe('openaiChat.onMessage', () => {
  it('gives the same signals on the quick and the parsed path: one token event per chunk', () => {
    expect(signals(chunk({ reasoning_content: 'a', content: 'b' })).tokens).toEqual([false]);
    expect(signals(JSON.stringify({ choices: [{ delta: { reasoning_content: 'a', content: 'b' } }] }, null, 1)).tokens).toEqual([false]);
    expect(signals(chunk({ reasoning_content: 'a' })).tokens).toEqual([true]);
    expect(signals(chunk({ role: 'assistant', content: '' })).tokens).toEqual([]);
    expect(signals(chunk({ content: 'x' }, { usage: { prompt_tokens: 1, completion_tokens: 2 } }))).toEqual({
      tokens: [false],
      usage: { inputTokens: 1, outputTokens: 2 },
      ended: false,
    });
    expect(signals('[DONE]').ended).toBe(true);
  });

  it('names itself, its end marker, and a default streaming request body', () => {
    expect(openaiChat.name).toBe('openai-chat');
    expect(openaiChat.endMarker).toBe('[DONE]');
    expect(openaiChat.defaultBody!(new URL('http://x/v1/chat/completions'))).toEqual({
      messages: [{ role: 'user', content: 'Write a short essay about artificial intelligence.' }],
      stream: true,
      max_tokens: 256,
    });
  });

  it('still reports malformed JSON and in-stream errors', () => {
    expect(() => signals('{"choices": [')).toThrow(/malformed JSON/);
    expect(() => signals('{"error":{"message":"overloaded"}}')).toThrow('overloaded');
  });

  it('parses every chunk when the run keeps the text, so the text is exact', () => {
    const texts: string[] = [];
    const sink: StreamSink = { token: () => {}, text: (t) => texts.push(t), usage: () => {}, end: () => {}, fail: () => {}, wantsText: true };
    openaiChat.onMessage(chunk({ content: 'say \\"hi\\"' }), undefined, sink);
    openaiChat.onMessage(chunk({ content: '流式 🚀' }), undefined, sink);
    expect(texts).toEqual(['say \\"hi\\"', '流式 🚀']);
  });
});
