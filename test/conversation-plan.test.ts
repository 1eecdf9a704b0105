import { beforeAll, describe, expect, it } from 'vitest';
import { bodyWithHistory, conversationProtocol } from '../lib/data/chat-history.ts';
import {
  datasetUserTurns,
  generatedUserTurns,
  syntheticConversations,
  traceConversations,
  traceText,
  type TurnRendering,
  type UserTurns,
} from '../lib/data/conversation-plan.ts';
import { createPromptGenerator, type PromptGenerator } from '../lib/data/prompt-generator.ts';
import { parseTrace } from '../lib/data/trace.ts';
import { loadTokenizer, type Tokenizer } from '../lib/stats/tokenizer.ts';
import { protocolByName } from '../lib/wire/protocols/registry.ts';
import type { JsonObject } from '../lib/wire/protocols/protocol.ts';

/** User turns "u<c>.<k>": easy to find in a body. */
const namedTurns: UserTurns = { available: () => Infinity, instructions: () => [], turn: (c, k) => ({ content: `u${c}.${k}`, tokens: 3 }) };

function rendering(protocolName: string, template: unknown, extra: Partial<TurnRendering> = {}): TurnRendering {
  return {
    template,
    protocol: conversationProtocol(protocolByName(protocolName)),
    render: (body) => ({ url: 'http://x.test/', method: 'POST', headers: {}, body: JSON.stringify(body) }),
    ...extra,
  };
}

/** Runs a conversation to its end, replying to turn k with `reply(k)`; returns each turn's body. */
function bodiesOf(conversation: ReturnType<ReturnType<typeof syntheticConversations>['conversation']>, reply: (k: number) => string): JsonObject[] {
  const bodies: JsonObject[] = [];
  for (let k = 1; ; k++) {
    const turn = conversation.turn(k, k > 1 ? reply(k - 1) : undefined);
    if (!turn) return bodies;
    bodies.push(JSON.parse(turn.request.body!) as JsonObject);
  }
}

describe('a conversation carries its whole history, with the replies actually streamed', () => {
  const conversation = (protocolName: string, template: unknown) =>
    syntheticConversations({ turns: { mean: 3 }, user: namedTurns, seed: 1 }, rendering(protocolName, template)).conversation(0);
  const reply = (k: number) => `reply to turn ${k}`;

  it('OpenAI chat: messages grow by the reply and the next user turn; the template’s system message stays first', () => {
    const template = { model: 'm', stream: true, messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'template prompt' }] };
    const bodies = bodiesOf(conversation('openai-chat', template), reply);
    expect(bodies.map((b) => b.messages)).toEqual([
      [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'u0.1' },
      ],
      [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'u0.1' },
        { role: 'assistant', content: 'reply to turn 1' },
        { role: 'user', content: 'u0.2' },
      ],
      [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'u0.1' },
        { role: 'assistant', content: 'reply to turn 1' },
        { role: 'user', content: 'u0.2' },
        { role: 'assistant', content: 'reply to turn 2' },
        { role: 'user', content: 'u0.3' },
      ],
    ]);
    expect(bodies.every((b) => b.model === 'm' && b.stream === true)).toBe(true);
  });

  it('Anthropic Messages: the same history in messages, the template’s system field kept', () => {
    const bodies = bodiesOf(conversation('anthropic-messages', { system: 'Be brief.', max_tokens: 9, messages: [] }), reply);
    expect(bodies[2]).toEqual({
      system: 'Be brief.',
      max_tokens: 9,
      messages: [
        { role: 'user', content: 'u0.1' },
        { role: 'assistant', content: 'reply to turn 1' },
        { role: 'user', content: 'u0.2' },
        { role: 'assistant', content: 'reply to turn 2' },
        { role: 'user', content: 'u0.3' },
      ],
    });
  });

  it('Gemini: contents with role "model" for the replies', () => {
    const bodies = bodiesOf(conversation('gemini', { contents: [], generationConfig: { maxOutputTokens: 5 } }), reply);
    expect(bodies[1]!.contents).toEqual([
      { role: 'user', parts: [{ text: 'u0.1' }] },
      { role: 'model', parts: [{ text: 'reply to turn 1' }] },
      { role: 'user', parts: [{ text: 'u0.2' }] },
    ]);
  });

  it('OpenAI Responses: input messages', () => {
    const bodies = bodiesOf(conversation('openai-responses', { input: 'x', stream: true }), reply);
    expect(bodies[1]!.input).toEqual([
      { role: 'user', content: 'u0.1' },
      { role: 'assistant', content: 'reply to turn 1' },
      { role: 'user', content: 'u0.2' },
    ]);
  });

  it('completions-style APIs: the transcript as the prompt, each turn’s prompt starting with the last one’s', () => {
    for (const [name, template] of [
      ['openai-completions', { prompt: 'x', stream: true }],
      ['ollama', { prompt: 'x', stream: true }],
    ] as const) {
      const prompts = bodiesOf(conversation(name, template), reply).map((b) => b.prompt as string);
      expect(prompts[0]).toBe('u0.1');
      expect(prompts[2]).toBe('u0.1\n\nreply to turn 1\n\nu0.2\n\nreply to turn 2\n\nu0.3');
      expect(prompts[2]!.startsWith(prompts[1]!)).toBe(true);
    }
  });

  it('Ollama /api/chat: messages', () => {
    const bodies = bodiesOf(conversation('ollama', { messages: [], stream: true }), reply);
    expect((bodies[1]!.messages as unknown[]).length).toBe(3);
  });

  it('refuses a protocol with no prompt field to carry a history', () => {
    expect(() => conversationProtocol(protocolByName('raw'))).toThrow(/need a chat API known before sending.*protocol raw/);
    expect(() => conversationProtocol(undefined)).toThrow(/the URL path names none/);
  });

  it('counts the prompt’s tokens: user turns as generated, replies with the run’s tokenizer', () => {
    const counted = syntheticConversations(
      { turns: { mean: 3 }, user: namedTurns, seed: 1 },
      rendering('openai-chat', {}, { count: (text) => text.length }),
    ).conversation(0);
    const tokens = [1, 2, 3].map((k) => counted.turn(k, k > 1 ? 'abcd' : undefined)!.promptTokens);
    expect(tokens).toEqual([3, 3 + 4 + 3, 3 + 4 + 3 + 4 + 3]);
  });

  it('sets each turn’s output length in the API’s own field', () => {
    const planned = syntheticConversations(
      { turns: { mean: 2 }, user: namedTurns, seed: 1, outputTokens: () => 77 },
      rendering('anthropic-messages', { max_tokens: 5 }),
    ).conversation(0);
    const turn = planned.turn(1, undefined)!;
    expect(JSON.parse(turn.request.body!).max_tokens).toBe(77);
    expect(turn.requestedOutputTokens).toBe(77);
  });
});

describe('synthetic conversations are a pure function of (seed, conversation)', () => {
  const source = (seed: number, conversationIndex?: (n: number) => number) =>
    syntheticConversations(
      { turns: { mean: 4, stddev: 2, min: 1, max: 8 }, thinkTime: { mean: 2, stddev: 1, min: 0.5, max: 5 }, user: namedTurns, seed, conversationIndex },
      rendering('openai-chat', {}),
    );
  /** How many turns the conversation has. */
  const shapeOf = (conversation: ReturnType<ReturnType<typeof source>['conversation']>) => {
    let k = 1;
    while (conversation.turn(k, 'r')) k++;
    return k - 1;
  };

  it('draws turn counts within the bounds, the same for the same seed', () => {
    const a = source(7);
    const b = source(7);
    const counts = Array.from({ length: 200 }, (_, n) => shapeOf(a.conversation(n)));
    expect(Array.from({ length: 200 }, (_, n) => shapeOf(b.conversation(n)))).toEqual(counts);
    expect(Math.min(...counts)).toBeGreaterThanOrEqual(1);
    expect(Math.max(...counts)).toBeLessThanOrEqual(8);
    expect(new Set(counts).size).toBeGreaterThan(3);
    const mean = counts.reduce((x, y) => x + y, 0) / counts.length;
    expect(mean).toBeGreaterThan(3.4);
    expect(mean).toBeLessThan(4.6);
  });

  it('waits a think time before every turn but the first', () => {
    const conversation = source(3).conversation(0);
    const first = conversation.turn(1, undefined)!;
    expect(first.afterMs).toBeUndefined();
    const second = conversation.turn(2, 'r');
    if (second) {
      expect(second.afterMs).toBeGreaterThanOrEqual(500);
      expect(second.afterMs).toBeLessThanOrEqual(5000);
    }
  });

  it('a shard sends the run’s conversations c = i, i+N, ...: the same text and session numbers as one run', () => {
    const whole = source(5);
    const shard1 = source(5, (n) => 1 + n * 3);
    for (const n of [0, 1, 2]) {
      const mine = shard1.conversation(n);
      const same = whole.conversation(1 + n * 3);
      expect(mine.session).toBe(same.session);
      expect(mine.turn(1, undefined)!.request.body).toBe(same.turn(1, undefined)!.request.body);
    }
  });

  it('a new load (a sweep level) gets new conversations, never the last level’s again', () => {
    const s = source(5);
    s.begin();
    const first = [0, 1].map((n) => s.conversation(n).session);
    s.begin();
    const second = [0, 1].map((n) => s.conversation(n).session);
    expect(first).toEqual([1, 2]);
    expect(second).toEqual([3, 4]);
  });
});

describe('user turns from a dataset’s conversations', () => {
  const dataset = {
    label: 'chats.json',
    format: 'sharegpt' as const,
    skipped: 0,
    fingerprint: () => ({ file: 'chats.json', sha256: '', rows: 2, columns: ['sharegpt'] }),
    conversations: [
      { instructions: [{ role: 'system', content: 'You are terse.' }], userTurns: ['a1', 'a2', 'a3'] },
      { instructions: [], userTurns: ['b1', 'b2'] },
    ],
  };

  it('sends a row’s user turns in order, its system messages first, at most as many turns as it has', () => {
    const source = syntheticConversations({ turns: { mean: 5 }, user: datasetUserTurns(dataset), seed: 1 }, rendering('openai-chat', {}));
    const first = bodiesOf(source.conversation(0), (k) => `r${k}`);
    expect(first).toHaveLength(3);
    expect(first[2]!.messages).toEqual([
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: 'a1' },
      { role: 'assistant', content: 'r1' },
      { role: 'user', content: 'a2' },
      { role: 'assistant', content: 'r2' },
      { role: 'user', content: 'a3' },
    ]);
    expect(bodiesOf(source.conversation(1), (k) => `r${k}`)).toHaveLength(2);
    // Rows cycle.
    expect(bodiesOf(source.conversation(2), (k) => `r${k}`)[0]!.messages).toEqual(first[0]!.messages);
  });
});

describe('trace text: hash ids are blocks of text', () => {
  let tokenizer: Tokenizer;
  let generator: PromptGenerator;
  beforeAll(async () => {
    tokenizer = await loadTokenizer('o200k');
    generator = createPromptGenerator(tokenizer, { seed: 9 });
  });
  const trace = () =>
    parseTrace(
      [
        { timestamp: 0, input_length: 100, hash_ids: [1, 2, 3, 4] },
        { timestamp: 1, input_length: 110, hash_ids: [1, 2, 3, 5] },
        { timestamp: 2, input_length: 100, hash_ids: [1, 2, 6, 7] },
        { timestamp: 3, input_length: 100, hash_ids: [8, 2, 3, 4] },
        { timestamp: 4, input_length: 57 },
        { timestamp: 5, input_length: 57 },
      ]
        .map((o) => JSON.stringify(o))
        .join('\n'),
      't.jsonl',
      32,
    );

  it('equal ids give equal text, so shared leading ids are a shared prefix on the wire', () => {
    const text = traceText(32, 9, generator);
    const [a, b, c, d, e, f] = trace().entries.map(text);
    const common = (x: string, y: string) => {
      let i = 0;
      while (i < x.length && x[i] === y[i]) i++;
      return x.slice(0, i);
    };
    // Three shared blocks of 32 tokens, then different ones.
    expect(tokenizer.count(common(a!, b!))).toBeGreaterThanOrEqual(96);
    expect(tokenizer.count(common(a!, c!))).toBeGreaterThanOrEqual(64);
    expect(tokenizer.count(common(a!, c!))).toBeLessThan(96);
    // A different first block: nothing shared at the start, whatever follows.
    expect(tokenizer.count(common(a!, d!))).toBeLessThan(8);
    // No hash ids: text of its own.
    expect(tokenizer.count(common(e!, f!))).toBeLessThan(8);
  });

  it('has the entry’s input_length in tokens', () => {
    const text = traceText(32, 9, generator);
    for (const entry of trace().entries) expect(tokenizer.count(text(entry))).toBe(entry.inputLength);
  });

  it('depends on the run’s seed: a rerun does not hit the last run’s cache', () => {
    const entry = trace().entries[0]!;
    expect(traceText(32, 9, generator)(entry)).not.toBe(traceText(32, 10, generator)(entry));
  });

  it('replays entries at timestamp / speedup from the first timestamp; a shard takes every N-th entry', () => {
    const late = parseTrace(['{"timestamp": 1000, "input_length": 5}', '{"timestamp": 1010, "input_length": 5}', '{"timestamp": 1025, "input_length": 5}'].join('\n'), 't.jsonl');
    const all = traceConversations(late, { speedup: 2, seed: 1, generator }, rendering('openai-chat', {}));
    expect([0, 1, 2].map(all.startAtMs)).toEqual([0, 5, 12.5]);
    expect(all.conversation(1).turn(1, undefined)).toMatchObject({ atMs: 5, rowIndex: 1, promptTokens: 5 });
    expect(all.conversation(1).session).toBeUndefined();
    const shard = traceConversations(late, { speedup: 1, seed: 1, generator, unitIndex: (n) => 1 + n * 2, units: 1 }, rendering('openai-chat', {}));
    expect(shard.count).toBe(1);
    expect(shard.startAtMs(0)).toBe(10);
  });

  it('replays a session trace as conversations: timestamps or delays per turn, the history carried', () => {
    const sessions = parseTrace(
      [
        { session_id: 'x', timestamp: 0, prompt: 'first' },
        { session_id: 'x', delay: 3000, prompt: 'second', output_length: 7 },
        { session_id: 'y', timestamp: 500, prompt: 'other' },
      ]
        .map((o) => JSON.stringify(o))
        .join('\n'),
      't.jsonl',
    );
    const source = traceConversations(sessions, { speedup: 1, seed: 1, generator }, rendering('openai-chat', {}));
    const x = source.conversation(0);
    expect(x.session).toBe(1);
    expect(x.turn(1, undefined)).toMatchObject({ atMs: 0 });
    const second = x.turn(2, 'the reply')!;
    expect(second.afterMs).toBe(3000);
    expect(JSON.parse(second.request.body!)).toEqual({
      messages: [
        { role: 'user', content: 'first' },
        { role: 'assistant', content: 'the reply' },
        { role: 'user', content: 'second' },
      ],
      max_tokens: 7,
    });
    expect(x.turn(3, 'r')).toBeUndefined();
    expect(source.startAtMs(1)).toBe(500);
  });
});

describe('generated user turns', () => {
  it('are the run’s length in tokens, and different for every turn of every conversation', async () => {
    const tokenizer = await loadTokenizer('o200k');
    const user = generatedUserTurns(createPromptGenerator(tokenizer, { seed: 4 }), { mean: 50 }, 4);
    const texts = [0, 1].flatMap((c) => [1, 2].map((k) => user.turn(c, k)));
    expect(texts.map((t) => t.tokens)).toEqual([50, 50, 50, 50]);
    for (const t of texts) expect(tokenizer.count(t.content as string)).toBe(50);
    expect(new Set(texts.map((t) => t.content)).size).toBe(4);
  });

  it('can always be made: a tail no sentence starts with exactly is filled from the next sentences', async () => {
    const tokenizer = await loadTokenizer('o200k');
    // Before the fix about 1 in 170 prompts of 64 tokens threw "no sentence of the corpus starts with exactly 28 tokens".
    const generator = createPromptGenerator(tokenizer, { seed: 3, checkBudgetMs: Infinity });
    for (let seed = 0; seed < 1000; seed++) expect(() => generator.generate({ tokens: 64, uniqueSeed: seed })).not.toThrow();
    expect(generator.checks().corrected).toBe(0);
  });
});

describe('bodyWithHistory', () => {
  it('leaves the template object untouched', () => {
    const template = { messages: [{ role: 'system', content: 's' }], n: 1 };
    const copy = structuredClone(template);
    bodyWithHistory(template, conversationProtocol(protocolByName('openai-chat')), [{ role: 'user', content: 'u' }]);
    expect(template).toEqual(copy);
  });
});
