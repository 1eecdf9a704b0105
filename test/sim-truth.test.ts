import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openaiChat } from '../lib/wire/protocols/openai-chat.ts';
import { runClosedLoop } from '../lib/load/runner.ts';
import { startSimServer, STATS_PATH, type SimServer, type SimStats } from '../lib/sim/server.ts';
import { createTransport } from '../lib/wire/create-transport.ts';

describe('the simulated endpoint’s ground truth', () => {
  let server: SimServer;
  beforeAll(async () => {
    server = await startSimServer({ ttftMs: 60, itlMs: 1, tokens: 3, jitter: 0, recordTruth: true });
  });
  afterAll(() => server.close());

  const stats = async (method = 'GET') => (await (await fetch(server.url + STATS_PATH, { method })).json()) as SimStats;

  it('records request received -> first token written per request, and clears on DELETE', async () => {
    expect((await stats('DELETE')).requests).toBe(0);
    const transport = createTransport('undici', { connections: 3 });
    const load = await runClosedLoop({
      total: 6,
      concurrency: 3,
      buildRequest: () => ({ url: `${server.url}/v1/chat/completions`, method: 'POST', headers: {}, body: '{"stream":true}' }),
      context: { transport, protocol: openaiChat, timeoutMs: 5000 },
    });
    transport.close?.();
    const truth = await stats();
    expect(truth.requests).toBe(6);
    expect(truth.ttft_ms).toHaveLength(6);
    for (const ms of truth.ttft_ms) {
      expect(ms).toBeGreaterThanOrEqual(60 - 2);
      expect(ms).toBeLessThan(1000);
    }
    // The client can only see the first token after the endpoint wrote it.
    const clientMin = Math.min(...load.records.toArray().map((r) => r.firstTokenAt! - r.startedAt));
    expect(clientMin).toBeGreaterThanOrEqual(Math.min(...truth.ttft_ms) - 2);
    await stats('DELETE');
    expect((await stats()).requests).toBe(0);
  });
});
