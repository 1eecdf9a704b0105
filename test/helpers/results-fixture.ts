/** Synthetic results files for renderer tests: deterministic timestamps, errors, groups, sweep, self-check. */
import { createRng } from '../../lib/util/random.ts';
import type { RequestRecord } from '../../lib/record/record.ts';
import { buildResults, type Results } from '../../lib/results/results.ts';
import { summarize } from '../../lib/stats/summary.ts';

export interface FixtureOptions {
  requests?: number;
  concurrency?: number;
  /** Base TTFT in ms; each request adds jitter. */
  ttftMs?: number;
  seed?: number;
  /** Every k-th request fails with an HTTP 503 whose body holds HTML. */
  failEvery?: number;
  groups?: string[];
  warmup?: number;
}

export const HOSTILE_BODY = '<script>document.title="pwned"</script><img src=x onerror="alert(1)">';

/** A closed-loop-shaped run: `concurrency` lanes, each starting its next request when the previous ends. */
export function syntheticRecords(options: FixtureOptions = {}): RequestRecord[] {
  const n = options.requests ?? 60;
  const lanes = options.concurrency ?? 4;
  const rng = createRng(options.seed ?? 7);
  const laneFree = new Array<number>(lanes).fill(0);
  const records: RequestRecord[] = [];
  for (let id = 1; id <= n; id++) {
    const lane = (id - 1) % lanes;
    const startedAt = laneFree[lane]! + 1;
    const ttft = (options.ttftMs ?? 200) * (0.7 + rng() * 0.8) + (id % 10 === 0 ? 250 : 0);
    const tokens = 20 + Math.floor(rng() * 20);
    const itl = 8 + rng() * 6;
    const failing = options.failEvery !== undefined && id % options.failEvery === 0;
    let record: RequestRecord;
    if (failing) {
      record = {
        id,
        startedAt,
        headersAt: startedAt + 30,
        firstByteAt: startedAt + 31,
        tokenTimes: [],
        reasoningTokens: 0,
        endedAt: startedAt + 32,
        status: 503,
        bytes: HOSTILE_BODY.length,
        chunks: 1,
        sawEndMarker: false,
        error: { kind: 'http', message: '[POST] "http://127.0.0.1/v1/chat/completions": 503 Service Unavailable', status: 503, body: HOSTILE_BODY },
      };
    } else {
      const first = startedAt + ttft;
      const tokenTimes = Array.from({ length: tokens }, (_, i) => first + i * itl);
      record = {
        id,
        startedAt,
        headersAt: startedAt + 5,
        firstByteAt: startedAt + 6,
        firstTokenAt: first,
        firstAnswerAt: first,
        tokenTimes,
        reasoningTokens: 0,
        endedAt: tokenTimes[tokenTimes.length - 1]! + 2,
        status: 200,
        bytes: tokens * 120,
        chunks: tokens + 3,
        usage: { inputTokens: 12, outputTokens: tokens },
        sawEndMarker: true,
      };
    }
    laneFree[lane] = record.endedAt;
    records.push(record);
  }
  return records;
}

export function syntheticResults(options: FixtureOptions = {}): Results {
  const records = syntheticRecords(options);
  const warm = options.warmup ?? 0;
  const results = buildResults({
    config: { url: 'http://127.0.0.1:8000/v1/chat/completions?api_key=sk-secret-123', concurrency: options.concurrency ?? 4, total_requests: records.length, headers: { Authorization: 'Bearer sk-live-abcdef123456' } },
    startedAt: new Date('2025-01-02T03:04:05.000Z'),
    protocol: 'openai-chat',
    transport: 'fetch',
    interrupted: false,
    version: '0.1.0',
    summary: summarize(records.slice(warm)),
    records,
  });
  results.metrics.forEach((row, i) => {
    if (i < warm) row.warmup = true;
    if (options.groups) row.group = options.groups[i % options.groups.length];
  });
  return results;
}

/** Adds a three-level concurrency sweep and a client self-check. */
export function withSweepAndSelfcheck(results: Results): Results {
  const levels = [1, 4, 16].map((concurrency, i) => ({
    value: concurrency,
    summary: summarize(syntheticRecords({ requests: 20, concurrency, ttftMs: 150 * (1 + i * i), seed: i + 1 })) as unknown as Results['summary'],
  }));
  return {
    ...results,
    sweep: { parameter: 'concurrency', levels: [...levels.slice(0, 2), { ...levels[2]!, stopped_reason: 'TTFT P99 over 1s' }], stopped_early: 'TTFT P99 over 1s' },
    selfcheck: { event_loop_delay_p99_ms: 3.2, cpu_percent: 41, client_bound: false },
  };
}
