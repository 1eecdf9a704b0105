import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  outputTokens,
  outputTokenSource,
  tokenCountMismatch,
  tokensPerSecond,
  tpot,
  truncated,
  ttfat,
  ttft,
  totalTime,
} from '../lib/stats/metrics.ts';
import { anthropicMessages } from '../lib/wire/protocols/anthropic-messages.ts';
import { openaiChat } from '../lib/wire/protocols/openai-chat.ts';
import { createRedactor } from '../lib/wire/redact.ts';
import { executeRequest, type RequestContext } from '../lib/wire/request.ts';
import { runClosedLoop } from '../lib/load/runner.ts';
import { recordToRow } from '../lib/results/results.ts';
import { summarize } from '../lib/stats/summary.ts';
import { fetchTransport } from '../lib/wire/transport-fetch.ts';
import type { Transport } from '../lib/wire/transport.ts';
import { createSimMsw, scriptedStream, SIM_BASE } from './helpers/sim.ts';

const SSE = { 'content-type': 'text/event-stream' };
const chunk = (delta: object) => `data: ${JSON.stringify({ choices: [{ index: 0, delta }] })}\n\n`;
const URL_ = 'http://api.test/v1/chat/completions';
const server = setupServer();
// Node timers may fire up to ~1 ms early against performance.now() (libuv's cached loop time).
const TIMER_SLACK = 0.002;
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const request = { url: URL_, method: 'POST', headers: {}, body: '{"stream":true}' };
// msw intercepts global fetch only: the undici transport is tested against real servers (transport, faults, conformance tests).
const TRANSPORTS: Array<[string, Transport]> = [['fetch', fetchTransport]];

describe.each(TRANSPORTS)('executeRequest over the %s transport', (_name, transport) => {
  function ctx(extra: Partial<RequestContext> = {}): RequestContext {
    return { transport, protocol: openaiChat, timeoutMs: 5000, origin: performance.now(), ...extra };
  }

  it('times TTFT at the first content token, not at the role-only first chunk', async () => {
    server.use(
      http.post(URL_, () =>
        new HttpResponse(
          scriptedStream([
            [0, chunk({ role: 'assistant', content: '' })],
            [150, chunk({ content: 'Hel' })],
            [20, chunk({ content: 'lo' }) + 'data: [DONE]\n\n'],
          ]),
          { headers: SSE },
        ),
      ),
    );
    const record = await executeRequest(1, request, ctx());
    expect(record.error).toBeUndefined();
    expect(record.firstByteAt! - record.startedAt).toBeLessThan(140);
    // Real delays: at least the injected 150 ms, and well below a generous margin.
    expect(ttft(record)!).toBeGreaterThanOrEqual(0.15 - TIMER_SLACK);
    expect(ttft(record)!).toBeLessThan(1.5);
    expect(outputTokens(record)).toBe(2);
    expect(record.sawEndMarker).toBe(true);
    expect(totalTime(record)!).toBeGreaterThanOrEqual(0.17 - TIMER_SLACK);
    expect(tpot(record)!).toBeGreaterThanOrEqual(0.02 - TIMER_SLACK);
  });

  it('counts reasoning tokens and times the first answer token separately', async () => {
    server.use(
      http.post(URL_, () =>
        new HttpResponse(
          scriptedStream([
            [0, chunk({ reasoning_content: 'think' })],
            [60, chunk({ content: 'answer' }) + 'data: [DONE]\n\n'],
          ]),
          { headers: SSE },
        ),
      ),
    );
    const record = await executeRequest(1, request, ctx());
    expect(record.reasoningTokens).toBe(1);
    expect(record.firstAnswerAt! - record.firstTokenAt!).toBeGreaterThanOrEqual(60 - TIMER_SLACK * 1000);
  });

  it('takes output tokens from server usage when present', async () => {
    server.use(
      http.post(URL_, () =>
        new HttpResponse(
          chunk({ content: 'a' }) +
            `data: ${JSON.stringify({ choices: [], usage: { prompt_tokens: 3, completion_tokens: 9 } })}\n\ndata: [DONE]\n\n`,
          { headers: SSE },
        ),
      ),
    );
    const record = await executeRequest(1, request, ctx());
    expect(record.usage).toEqual({ inputTokens: 3, outputTokens: 9 });
    expect(outputTokens(record)).toBe(9);
    expect(record.tokenTimes).toHaveLength(1);
  });

  it('takes tokens/s, TPOT and the run totals from a server reporting 10 tokens over 2 events, not from the events', async () => {
    server.use(
      http.post(URL_, () =>
        new HttpResponse(
          scriptedStream([
            [0, chunk({ content: 'one two three four five' })],
            [30, chunk({ content: ' six seven eight nine ten' })],
            [0, `data: ${JSON.stringify({ choices: [], usage: { prompt_tokens: 4, completion_tokens: 10 } })}\n\ndata: [DONE]\n\n`],
          ]),
          { headers: SSE },
        ),
      ),
    );
    const record = await executeRequest(1, request, ctx());
    expect(record.tokenTimes).toHaveLength(2);
    expect(outputTokens(record)).toBe(10);
    expect(tokenCountMismatch(record)).toBe(true);
    const seconds = (record.endedAt - record.startedAt) / 1000;
    expect(tokensPerSecond(record)).toBeCloseTo(10 / seconds, 9);
    // 9 gaps between 10 tokens, not 1 gap between 2 events.
    expect(tpot(record)).toBeCloseTo((record.tokenTimes[1]! - record.tokenTimes[0]!) / 1000 / 9, 9);
    const summary = summarize([record]);
    expect(summary.output_tokens).toBe(10);
    expect(summary.tokens_per_second?.p50).toBeCloseTo(10 / seconds, 9);
    expect(summary.token_count_mismatch).toEqual({ requests: 1, usage_tokens: 10, event_tokens: 2 });
    const row = recordToRow(record);
    expect(row.total_tokens).toBe(10);
    expect(row.tokens_per_second).toBeCloseTo(10 / seconds, 5);
  });

  it('classifies an HTTP error with status and body prefix', async () => {
    server.use(http.post(URL_, () => HttpResponse.json({ error: { message: 'x'.repeat(500) } }, { status: 503 })));
    const record = await executeRequest(1, request, ctx());
    expect(record.error).toMatchObject({ kind: 'http', status: 503 });
    expect(record.error!.message).toMatch(`[POST] "${URL_}": 503 Service Unavailable: ${'x'.repeat(20)}`);
    expect(record.error!.message).toMatch(/\(the server is overloaded or down\)$/);
    expect(record.error!.body!.length).toBe(200);
    expect(ttft(record)).toBeUndefined();
  });

  it('classifies a network failure before headers as connect', async () => {
    server.use(http.post(URL_, () => HttpResponse.error()));
    const record = await executeRequest(1, request, ctx());
    expect(record.error?.kind).toBe('connect');
  });

  it('classifies a timeout mid-stream', async () => {
    server.use(
      http.post(URL_, () =>
        new HttpResponse(scriptedStream([[0, chunk({ content: 'a' })], [5000, chunk({ content: 'b' })]]), { headers: SSE }),
      ),
    );
    const record = await executeRequest(1, request, ctx({ timeoutMs: 150 }));
    expect(record.error?.kind).toBe('timeout');
    expect(record.error?.message).toMatch(/timed out mid-stream/);
  });

  it('classifies a stream with no token, and malformed JSON, as protocol errors', async () => {
    server.use(http.post(URL_, () => new HttpResponse(chunk({ role: 'assistant' }) + 'data: [DONE]\n\n', { headers: SSE })));
    expect((await executeRequest(1, request, ctx())).error?.message).toMatch(/without any token/);
    server.use(http.post(URL_, () => new HttpResponse('data: {"choices": [\n\n', { headers: SSE })));
    expect((await executeRequest(1, request, ctx())).error).toMatchObject({ kind: 'protocol' });
  });

  it('classifies an in-stream error object as protocol with the provider message', async () => {
    server.use(
      http.post(URL_, () =>
        new HttpResponse(chunk({ content: 'a' }) + 'data: {"error":{"message":"overloaded"}}\n\n', { headers: SSE }),
      ),
    );
    const record = await executeRequest(1, request, ctx());
    expect(record.error).toMatchObject({ kind: 'protocol' });
    expect(record.error!.message).toMatch(/overloaded/);
  });

  it('re-arms the idle timeout on every byte: slow but steady streams pass', async () => {
    server.use(
      http.post(URL_, () =>
        new HttpResponse(
          scriptedStream([
            [0, chunk({ content: 'a' })],
            [80, chunk({ content: 'b' })],
            [80, chunk({ content: 'c' })],
            [80, chunk({ content: 'd' })],
            [80, chunk({ content: 'e' }) + 'data: [DONE]\n\n'],
          ]),
          { headers: SSE },
        ),
      ),
    );
    const record = await executeRequest(1, request, ctx({ idleTimeoutMs: 200 }));
    expect(record.error).toBeUndefined();
    expect(record.tokenTimes).toHaveLength(5);
  });

  it('fails a stream silent for longer than the idle timeout, timed from the last byte', async () => {
    server.use(
      http.post(URL_, () =>
        new HttpResponse(scriptedStream([[0, chunk({ content: 'a' })], [100, chunk({ content: 'b' })], [5000, chunk({ content: 'c' })]]), {
          headers: SSE,
        }),
      ),
    );
    const record = await executeRequest(1, request, ctx({ idleTimeoutMs: 150 }));
    expect(record.error).toMatchObject({ kind: 'timeout' });
    expect(record.error!.message).toMatch(/no byte for 0\.15s mid-stream \(--idle-timeout\) after 2 tokens$/);
    expect(record.endedAt - record.tokenTimes[1]!).toBeGreaterThanOrEqual(150 - TIMER_SLACK * 1000);
  });

  it('scrubs a key echoed in an error body before cutting the body to size', async () => {
    const key = 'sk-echoed-0123456789abcdef';
    server.use(
      http.post(URL_, () => new HttpResponse('x'.repeat(195) + key, { status: 401, headers: { 'retry-after': '30' } })),
    );
    const record = await executeRequest(1, request, ctx({ redact: createRedactor([key]).text }));
    expect(record.error).toMatchObject({ kind: 'http', status: 401, retryAfter: '30' });
    // Cut first, the body would end in "sk-ec", a piece no redactor recognises.
    expect(record.error!.body).toBe('x'.repeat(195) + '[REDA');
  });

  it('survives a multi-byte character split across chunks', async () => {
    const bytes = new TextEncoder().encode(chunk({ content: '流🚀' }) + 'data: [DONE]\n\n');
    const cut = bytes.indexOf(0xf0) + 2; // inside the 4-byte emoji
    server.use(
      http.post(URL_, () =>
        new HttpResponse(
          new ReadableStream({
            start(controller) {
              controller.enqueue(bytes.slice(0, cut));
              controller.enqueue(bytes.slice(cut));
              controller.close();
            },
          }),
          { headers: SSE },
        ),
      ),
    );
    const record = await executeRequest(1, request, ctx());
    expect(record.error).toBeUndefined();
    expect(record.chunks).toBe(2);
    expect(record.tokenTimes).toHaveLength(1);
  });
});

describe.each(TRANSPORTS)('stream health and protocol detection over the %s transport', (_name, transport) => {
  function ctx(extra: Partial<RequestContext> = {}): RequestContext {
    return { transport, protocol: openaiChat, timeoutMs: 5000, origin: performance.now(), ...extra };
  }
  const named = (event: string, data: object) => `event: ${event}\ndata: ${JSON.stringify({ type: event, ...data })}\n\n`;
  const MESSAGES = 'http://api.test/v1/messages';
  const anthropicRequest = { ...request, url: MESSAGES };

  it('does not time TTFT at an Anthropic ping sent before the first text', async () => {
    server.use(
      http.post(MESSAGES, () =>
        new HttpResponse(
          scriptedStream([
            [
              0,
              named('message_start', { message: { usage: { input_tokens: 5, output_tokens: 1 } } }) +
                named('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }) +
                named('ping', {}),
            ],
            [120, named('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'Hi' } })],
            [
              10,
              named('content_block_delta', { index: 0, delta: { type: 'text_delta', text: ' there' } }) +
                named('message_delta', { delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 3 } }) +
                named('message_stop', {}),
            ],
          ]),
          { headers: SSE },
        ),
      ),
    );
    const record = await executeRequest(1, anthropicRequest, ctx({ protocol: anthropicMessages }));
    expect(record.error).toBeUndefined();
    expect(record.firstByteAt! - record.startedAt).toBeLessThan(110);
    expect(ttft(record)!).toBeGreaterThanOrEqual(0.12 - TIMER_SLACK);
    expect(record.tokenTimes).toHaveLength(2);
    expect(record.usage).toEqual({ inputTokens: 5, outputTokens: 3 });
    expect(outputTokens(record)).toBe(3);
    expect(truncated(record)).toBe(false);
  });

  it('classifies an Anthropic overloaded_error event with the provider message and type', async () => {
    server.use(
      http.post(MESSAGES, () =>
        new HttpResponse(
          named('message_start', { message: { usage: { input_tokens: 5 } } }) +
            named('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'Hi' } }) +
            'event: error\ndata: {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}\n\n',
          { headers: SSE },
        ),
      ),
    );
    const record = await executeRequest(1, anthropicRequest, ctx({ protocol: anthropicMessages }));
    expect(record.error).toEqual({
      kind: 'protocol',
      message: `[POST] "${MESSAGES}": error event in stream: Overloaded`,
      code: 'overloaded_error',
    });
    expect(ttft(record)).toBeUndefined();
  });

  it('keeps a stream that ends without [DONE] as a success, flagged truncated', async () => {
    server.use(http.post(URL_, () => new HttpResponse(chunk({ content: 'a' }) + chunk({ content: 'b' }), { headers: SSE })));
    const record = await executeRequest(1, request, ctx());
    expect(record.error).toBeUndefined();
    expect(record.sawEndMarker).toBe(false);
    expect(truncated(record)).toBe(true);
    expect(outputTokens(record)).toBe(2);
  });

  it('times the first answer token after a reasoning-first stream, with the same TTFT as reasoning', async () => {
    server.use(
      http.post(URL_, () =>
        new HttpResponse(
          scriptedStream([
            [0, chunk({ role: 'assistant', content: '' })],
            [60, chunk({ reasoning: 'hmm' })],
            [80, chunk({ content: 'ok' }) + 'data: [DONE]\n\n'],
          ]),
          { headers: SSE },
        ),
      ),
    );
    const record = await executeRequest(1, request, ctx());
    expect(ttft(record)!).toBeGreaterThanOrEqual(0.06 - TIMER_SLACK);
    expect(ttfat(record)! - ttft(record)!).toBeGreaterThanOrEqual(0.08 - TIMER_SLACK);
    expect(record.reasoningTokens).toBe(1);
  });

  it('picks the protocol from the content-type when the path names none, and keeps text only when asked', async () => {
    const CUSTOM = 'http://api.test/generate-stream';
    server.use(
      http.post(CUSTOM, () =>
        new HttpResponse('{"response":"Hel","done":false}\n{"response":"lo","done":false}\n{"done":true,"prompt_eval_count":4,"eval_count":2}\n', {
          headers: { 'content-type': 'application/x-ndjson' },
        }),
      ),
    );
    const custom = { ...request, url: CUSTOM };
    const record = await executeRequest(1, custom, ctx({ protocol: undefined, collectText: true }));
    expect(record.error).toBeUndefined();
    expect(record.protocol).toBe('ollama');
    expect(record.usage).toEqual({ inputTokens: 4, outputTokens: 2 });
    expect(outputTokenSource(record)).toBe('usage');
    expect(record.outputText).toBe('Hello');
    expect(record.sawEndMarker).toBe(true);
    const plain = await executeRequest(2, custom, ctx({ protocol: undefined }));
    expect(plain.outputText).toBeUndefined();
  });
});

describe.each(TRANSPORTS)('runClosedLoop against the simulated stream (msw) over the %s transport', (_name, transport) => {
  it('runs every request, keeps N in flight, and measures the simulated TTFT', async () => {
    server.close();
    const sim = createSimMsw({ ttftMs: 120, itlMs: 5, tokens: 8, jitter: 0 });
    sim.listen({ onUnhandledRequest: 'error' });
    try {
      let inFlight = 0;
      let maxInFlight = 0;
      const result = await runClosedLoop(
        {
          total: 12,
          concurrency: 4,
          buildRequest: () => ({ url: `${SIM_BASE}/v1/chat/completions`, method: 'POST', headers: {}, body: '{"stream":true}' }),
          context: { transport, protocol: openaiChat, timeoutMs: 10_000 },
        },
        {
          onStart: () => (maxInFlight = Math.max(maxInFlight, ++inFlight)),
          onComplete: () => inFlight--,
        },
      );
      expect(result.records.toArray().map((r) => r.id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
      expect(maxInFlight).toBe(4);
      for (const r of result.records) {
        expect(r.error).toBeUndefined();
        expect(ttft(r)!).toBeGreaterThanOrEqual(0.12 - TIMER_SLACK);
        expect(outputTokens(r)).toBe(8);
      }
    } finally {
      sim.close();
      server.listen({ onUnhandledRequest: 'error' });
    }
  });
});

describe('executeRequest and a transport that held the request back', () => {
  const TOKEN_EVENT = new TextEncoder().encode('data: {"choices":[{"delta":{"content":"x"}}]}\n\ndata: [DONE]\n\n');
  /** Writes the request `heldMs` after the hand-off (a pooled connection's check), answers at once. */
  const held = (heldMs: number | undefined): Transport => async () => {
    const sentAt = heldMs === undefined ? undefined : performance.now() + heldMs;
    await new Promise((resolve) => setTimeout(resolve, (heldMs ?? 0) + 2));
    return { status: 200, statusText: 'OK', header: () => null, sentAt, read: async (onChunk) => onChunk(TOKEN_EVENT), cancel: () => {} };
  };

  it('starts the clock at the write: the wait was the client’s, not the server’s', async () => {
    const origin = performance.now();
    const record = await executeRequest(1, request, { transport: held(30), protocol: openaiChat, timeoutMs: 5000, origin });
    expect(record.error).toBeUndefined();
    expect(record.startedAt).toBeGreaterThanOrEqual(30);
    // Closed loop: the intended start is the start.
    expect(record.intendedAt).toBe(record.startedAt);
    expect(ttft(record)).toBeLessThan(30);
  });

  it('keeps an open loop’s intended start, so the wait shows as send lag', async () => {
    const origin = performance.now();
    const record = await executeRequest(1, request, { transport: held(30), protocol: openaiChat, timeoutMs: 5000, origin }, 0);
    expect(record.intendedAt).toBe(0);
    expect(record.startedAt).toBeGreaterThanOrEqual(30);
  });

  it('keeps the hand-off when the transport cannot tell (or opened a connection for it)', async () => {
    const origin = performance.now();
    const record = await executeRequest(1, request, { transport: held(undefined), protocol: openaiChat, timeoutMs: 5000, origin });
    expect(record.startedAt).toBeLessThan(2);
    expect(ttft(record)).toBeGreaterThanOrEqual(2 - TIMER_SLACK * 1000);
  });
});
