/**
 * The conversation loop on a synthetic clock (fake timers and performance.now):
 * every time below is exact, so the schedule itself is checked, not a range.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { conversationProtocol } from '../lib/data/chat-history.ts';
import { syntheticConversations, traceConversations, type TurnRendering, type UserTurns } from '../lib/data/conversation-plan.ts';
import type { PromptGenerator } from '../lib/data/prompt-generator.ts';
import { parseTrace } from '../lib/data/trace.ts';
import { laterTurnTime, runConversations, type ConversationPlan } from '../lib/load/conversations.ts';
import type { LoadResult } from '../lib/load/runner.ts';
import type { RequestRecord } from '../lib/record/record.ts';
import { openaiChat } from '../lib/wire/protocols/openai-chat.ts';
import type { Transport } from '../lib/wire/transport.ts';

/** Each response takes this long (fake ms): first token at half of it, the end at all of it. */
const RESPONSE_MS = 100;

const sse = (content: string) => `data: ${JSON.stringify({ choices: [{ delta: { content } }] })}\n\n`;

/**
 * A chat server with no network: it answers "seen <n> messages (<last user message>)",
 * so each reply depends on the history it was sent. Bodies are kept, in send order.
 */
function chatServer(bodies: unknown[]): Transport {
  const encoder = new TextEncoder();
  return async (request, signal) => {
    const body = JSON.parse(request.body!) as { messages: Array<{ role: string; content: string }> };
    bodies.push(body);
    const reply = `seen ${body.messages.length} (${body.messages.at(-1)!.content})`;
    return {
      status: 200,
      statusText: 'OK',
      header: () => null,
      read: (onChunk) =>
        new Promise<void>((resolve, reject) => {
          const first = setTimeout(() => onChunk(encoder.encode(sse(reply.slice(0, 4)))), RESPONSE_MS / 2);
          const last = setTimeout(() => {
            onChunk(encoder.encode(sse(reply.slice(4)) + 'data: [DONE]\n\n'));
            resolve();
          }, RESPONSE_MS);
          signal.addEventListener('abort', () => {
            clearTimeout(first);
            clearTimeout(last);
            reject(new Error('aborted'));
          });
        }),
      cancel: () => {},
    };
  };
}

const userTurns: UserTurns = { available: () => Infinity, instructions: () => [], turn: (c, k) => ({ content: `u${c}.${k}` }) };
const rendering: TurnRendering = {
  template: { stream: true },
  protocol: conversationProtocol(openaiChat),
  render: (body) => ({ url: 'http://chat.test/v1/chat/completions', method: 'POST', headers: {}, body: JSON.stringify(body) }),
};

function plan(bodies: unknown[], overrides: Partial<ConversationPlan> & Pick<ConversationPlan, 'source'>): ConversationPlan {
  return {
    total: 2,
    concurrency: 1,
    context: { transport: chatServer(bodies), protocol: openaiChat, timeoutMs: 60_000, collectReply: true },
    ...overrides,
  };
}

async function onFakeClock(run: Promise<LoadResult>): Promise<RequestRecord[]> {
  await vi.runAllTimersAsync();
  return (await run).records.toArray();
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'performance'] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('runConversations on a synthetic clock', () => {
  it('sends each turn with the replies streamed so far, after the think time; a conversation holds its slot', async () => {
    const bodies: unknown[] = [];
    const source = syntheticConversations({ turns: { mean: 3 }, thinkTime: { mean: 0.5 }, user: userTurns, seed: 1 }, rendering);
    const records = await onFakeClock(runConversations(plan(bodies, { source, total: 2, concurrency: 1 })));

    expect(records.map((r) => [r.id, r.session, r.turn])).toEqual([
      [1, 1, 1],
      [2, 1, 2],
      [3, 1, 3],
      [4, 2, 1],
      [5, 2, 2],
      [6, 2, 3],
    ]);
    // The history grows by the reply the server actually streamed.
    expect(bodies[2]).toEqual({
      stream: true,
      messages: [
        { role: 'user', content: 'u0.1' },
        { role: 'assistant', content: 'seen 1 (u0.1)' },
        { role: 'user', content: 'u0.2' },
        { role: 'assistant', content: 'seen 3 (u0.2)' },
        { role: 'user', content: 'u0.3' },
      ],
    });
    // Each later turn is meant exactly think time after the previous reply ended, and sent then: no lag.
    for (const [previous, next] of [
      [records[0]!, records[1]!],
      [records[1]!, records[2]!],
    ] as const) {
      expect(next.intendedAt).toBe(previous.endedAt + 500);
      expect(next.startedAt).toBe(next.intendedAt);
    }
    // The turn's latency excludes the think time.
    expect(records[1]!.endedAt - records[1]!.startedAt).toBe(RESPONSE_MS);
    // Concurrency 1: conversation 2 starts when conversation 1's last turn ends.
    expect(records[3]!.startedAt).toBe(records[2]!.endedAt);
    expect(records.every((r) => r.replyText === undefined || typeof r.replyText === 'string')).toBe(true);
  });

  it('keeps `concurrency` conversations in flight: their turns interleave', async () => {
    const source = syntheticConversations({ turns: { mean: 2 }, user: userTurns, seed: 1 }, rendering);
    const records = await onFakeClock(runConversations(plan([], { source, total: 3, concurrency: 2 })));
    expect(records.map((r) => [r.session, r.turn])).toEqual([
      [1, 1],
      [2, 1],
      [1, 2],
      [2, 2],
      [3, 1],
      [3, 2],
    ]);
    expect(records[4]!.startedAt).toBe(records[2]!.endedAt);
  });

  it('with a rate, starts conversations on the schedule; behind max concurrency the wait is send lag', async () => {
    const source = syntheticConversations({ turns: { mean: 2 }, user: userTurns, seed: 1 }, rendering);
    let next = 0;
    const arrivals = () => (next++ * 50);
    const records = await onFakeClock(runConversations(plan([], { source, total: 2, arrivals, maxConcurrency: 1 })));
    const firstTurns = records.filter((r) => r.turn === 1);
    expect(firstTurns.map((r) => r.intendedAt)).toEqual([0, 50]);
    // Conversation 2 was due at 50 but its slot freed at 200 (two turns of 100 ms).
    expect(firstTurns[1]!.startedAt).toBe(200);
  });

  it('a failed turn ends its conversation: the next turn would need its reply', async () => {
    const failing: Transport = async () => ({ status: 500, statusText: 'Oops', header: () => null, read: async () => {}, cancel: () => {} });
    const source = syntheticConversations({ turns: { mean: 3 }, user: userTurns, seed: 1 }, rendering);
    const records = await onFakeClock(
      runConversations({ ...plan([], { source, total: 2 }), context: { transport: failing, protocol: openaiChat, timeoutMs: 1000, collectReply: true } }),
    );
    expect(records.map((r) => [r.session, r.turn, r.error?.kind])).toEqual([
      [1, 1, 'http'],
      [2, 1, 'http'],
    ]);
  });

  it('flags warm-up conversations whole: every turn of the first W', async () => {
    const source = syntheticConversations({ turns: { mean: 2 }, user: userTurns, seed: 1 }, rendering);
    const records = await onFakeClock(runConversations(plan([], { source, total: 1, warmup: { requests: 1 } })));
    expect(records.map((r) => [r.session, r.turn, r.warmup])).toEqual([
      [1, 1, true],
      [1, 2, true],
      [2, 1, false],
      [2, 2, false],
    ]);
  });
});

describe('trace replay on a synthetic clock', () => {
  const generator = { generate: () => 'text' } as unknown as PromptGenerator;

  it('sends each entry at timestamp / speedup, whatever the earlier ones are doing (open loop)', async () => {
    const trace = parseTrace(
      [0, 10, 10, 25, 400].map((timestamp, i) => JSON.stringify({ timestamp: 7000 + timestamp, input_length: 3, output_length: i + 1 })).join('\n'),
      't.jsonl',
    );
    const source = traceConversations(trace, { speedup: 2, seed: 1, generator }, rendering);
    const bodies: unknown[] = [];
    const records = await onFakeClock(runConversations(plan(bodies, { source })));
    expect(records.map((r) => r.intendedAt)).toEqual([0, 5, 5, 12.5, 200]);
    // On time, to the timer's resolution (whole ms) on a clock nothing else runs on.
    expect(records.map((r) => r.startedAt)).toEqual([0, 5, 5, 13, 200]);
    expect(records.map((r) => [r.rowIndex, r.session, r.requestedOutputTokens])).toEqual([
      [0, undefined, 1],
      [1, undefined, 2],
      [2, undefined, 3],
      [3, undefined, 4],
      [4, undefined, 5],
    ]);
    expect((bodies[3] as { max_tokens: number }).max_tokens).toBe(4);
  });

  it('--max-concurrency holds entries back: they go out late, and the lag is recorded', async () => {
    const trace = parseTrace([0, 10, 20].map((timestamp) => JSON.stringify({ timestamp, input_length: 3 })).join('\n'), 't.jsonl');
    const source = traceConversations(trace, { speedup: 1, seed: 1, generator }, rendering);
    const records = await onFakeClock(runConversations(plan([], { source, maxConcurrency: 1 })));
    expect(records.map((r) => [r.intendedAt, r.startedAt])).toEqual([
      [0, 0],
      [10, 100],
      [20, 200],
    ]);
  });

  it('replays a session trace as conversations: a delay after the reply, a timestamp not before it', async () => {
    const trace = parseTrace(
      [
        { session_id: 'a', timestamp: 0, prompt: 'a1' },
        { session_id: 'b', timestamp: 30, prompt: 'b1' },
        { session_id: 'a', delay: 1000, prompt: 'a2' },
        { session_id: 'b', timestamp: 50, prompt: 'b2' },
        { session_id: 'b', timestamp: 5000, prompt: 'b3' },
      ]
        .map((o) => JSON.stringify(o))
        .join('\n'),
      't.jsonl',
    );
    const source = traceConversations(trace, { speedup: 1, seed: 1, generator }, rendering);
    const bodies: Array<{ messages: unknown[] }> = [];
    const records = await onFakeClock(runConversations(plan(bodies as unknown[], { source })));
    const byTurn = Object.fromEntries(records.map((r) => [`${r.session}.${r.turn}`, r]));
    // a.2: 1000 ms after a.1's reply ended at 100.
    expect(byTurn['1.2']!.intendedAt).toBe(1100);
    // b.2 is stamped 50, but b.1's reply ends at 130: it goes then, not before.
    expect(byTurn['2.2']!.intendedAt).toBe(130);
    expect(byTurn['2.2']!.startedAt).toBe(130);
    // b.3 at its own time.
    expect(byTurn['2.3']!.intendedAt).toBe(5000);
    const last = bodies.find((b) => JSON.stringify(b).includes('b3'))!;
    expect(last.messages).toEqual([
      { role: 'user', content: 'b1' },
      { role: 'assistant', content: 'seen 1 (b1)' },
      { role: 'user', content: 'b2' },
      { role: 'assistant', content: 'seen 3 (b2)' },
      { role: 'user', content: 'b3' },
    ]);
  });
});

describe('laterTurnTime', () => {
  it('is the later of think time after the reply and the turn’s own time; undefined when nothing waits', () => {
    expect(laterTurnTime({}, 100)).toBeUndefined();
    expect(laterTurnTime({ afterMs: 0 }, 100)).toBeUndefined();
    expect(laterTurnTime({ atMs: 50 }, 100)).toBeUndefined();
    expect(laterTurnTime({ afterMs: 20 }, 100)).toBe(120);
    expect(laterTurnTime({ atMs: 300 }, 100)).toBe(300);
    expect(laterTurnTime({ atMs: 110, afterMs: 20 }, 100)).toBe(120);
    expect(laterTurnTime({ atMs: 130, afterMs: 20 }, 100)).toBe(130);
  });
});
