import { describe, expect, it } from 'vitest';
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
