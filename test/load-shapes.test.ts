import { readFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runRun } from '../lib/commands/run.ts';
import { runLoadShape, type LoadShape } from '../lib/load/load-shape.ts';
import { sendLag } from '../lib/stats/metrics.ts';
import { openaiChat } from '../lib/wire/protocols/openai-chat.ts';
import { ResultsSchema } from '../lib/results/results.ts';
import { runClosedLoop, runOpenLoop, type LoadHooks } from '../lib/load/runner.ts';
import { createRng } from '../lib/util/random.ts';
import { createArrivalTimes } from '../lib/load/schedule.ts';
import { startSimServer, type SimServer } from '../lib/sim/server.ts';
import { summarize } from '../lib/stats/summary.ts';
import { fetchTransport, warmFetch } from '../lib/wire/transport-fetch.ts';
import { captureRunIO } from './helpers/io.ts';

// Node timers may fire up to ~1 ms early against performance.now().
const SLACK_MS = 2;
const dir = mkdtempSync(join(tmpdir(), 'streambench-load-'));

let slow: SimServer; // ~80 ms to the first token, 3 tokens
let slower: SimServer; // ~300 ms to the first token
let long: SimServer; // ~2 s per request
beforeAll(async () => {
  [slow, slower, long] = await Promise.all([
    startSimServer({ ttftMs: 80, itlMs: 5, tokens: 3, jitter: 0 }),
    startSimServer({ ttftMs: 300, itlMs: 5, tokens: 2, jitter: 0 }),
    startSimServer({ ttftMs: 50, itlMs: 100, tokens: 20, jitter: 0 }),
  ]);
  await warmFetch();
});
afterAll(async () => {
  await Promise.all([slow.close(), slower.close(), long.close()]);
});

function target(server: SimServer) {
  return {
    buildRequest: () => ({
      url: `${server.url}/v1/chat/completions`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"stream":true}',
    }),
    context: { transport: fetchTransport, protocol: openaiChat, timeoutMs: 10_000 },
  };
}
const constant = (rate: number) => createArrivalTimes({ rate, arrival: 'constant', rng: createRng(1) });

function inFlightTracker(): LoadHooks & { max: () => number } {
  let now = 0;
  let max = 0;
  return { onStart: () => (max = Math.max(max, ++now)), onComplete: () => now--, max: () => max };
}

describe('open loop: coordinated omission', () => {
  it('with a cap, requests queue behind slow responses and the send lag shows it', async () => {
    const load = await runOpenLoop({ ...target(slow), total: 6, arrivals: constant(40), maxConcurrency: 1 });
    expect(load.records.toArray().map((r) => r.id)).toEqual([1, 2, 3, 4, 5, 6]);
    const first = load.records.at(0).intendedAt!;
    for (const [k, r] of load.records.toArray().entries()) {
      expect(r.error).toBeUndefined();
      // Intended every 25 ms regardless of the cap.
      expect(r.intendedAt! - first).toBeCloseTo(k * 25, 6);
      // One at a time, each >= 80 ms: request k cannot start before k·80 ms, so it lags >= k·55 ms.
      expect(sendLag(r) * 1000).toBeGreaterThanOrEqual(k * 55 - SLACK_MS);
    }
    const summary = summarize(load.records);
    expect(summary.send_lag!.p99).toBeGreaterThan(0.2);
    expect(summary.ttft_from_intended!.p99 - summary.ttft!.p99).toBeGreaterThan(0.2);
  });

  it('without a cap, a run at the same rate sends on schedule: no lag, requests overlap', async () => {
    const hooks = inFlightTracker();
    // Responses take >= 300 ms, arrivals come every 25 ms: all 6 overlap unless sends wait for responses.
    const load = await runOpenLoop({ ...target(slower), total: 6, arrivals: constant(40) }, hooks);
    expect(load.records).toHaveLength(6);
    expect(hooks.max()).toBe(6);
    // The capped run lags by hundreds of ms; these bounds leave room for a busy CI machine.
    const summary = summarize(load.records);
    expect(summary.send_lag?.p50 ?? 0).toBeLessThan(0.015);
    expect(summary.send_lag?.max ?? 0).toBeLessThan(0.15);
  });

  it('with a duration, sends exactly the arrivals before the deadline', async () => {
    const load = await runOpenLoop({ ...target(slow), total: Infinity, arrivals: constant(50), durationMs: 200 });
    expect(load.records).toHaveLength(10);
    expect(load.records.toArray().every((r) => r.error === undefined)).toBe(true);
  });
});

describe('open loop: the seed fixes the schedule', () => {
  // Gaps between intended sends (ms), from the first: the runs' origins differ by a clock read.
  async function intendedGaps(seed: number): Promise<number[]> {
    const shape: LoadShape = { concurrency: 1, rate: 200, arrival: 'poisson', seed, total: 6, graceMs: 0 };
    const load = await runLoadShape(shape, target(slow));
    const intended = load.records.toArray().map((r) => r.intendedAt!);
    return intended.slice(1).map((t, k) => Number((t - intended[k]!).toFixed(6)));
  }

  it('two runs with one seed send at the same intended times; another seed at other times', async () => {
    const first = await intendedGaps(7);
    expect(first).toHaveLength(5);
    // Poisson gaps differ from each other: the schedule is random, not constant.
    expect(new Set(first).size).toBe(5);
    expect(await intendedGaps(7)).toEqual(first);
    expect(await intendedGaps(8)).not.toEqual(first);
  });
});

describe('duration and grace', () => {
  it('stops sending at the deadline and aborts what is still in flight when the grace ends, marked as such', async () => {
    const started = performance.now();
    const load = await runClosedLoop({ ...target(long), total: Infinity, concurrency: 2, durationMs: 200, graceMs: 150 });
    const took = performance.now() - started;
    expect(load.interrupted).toBe(false);
    expect(load.records).toHaveLength(2);
    for (const r of load.records) {
      expect(r.error?.kind).toBe('aborted');
      expect(r.error?.message).toMatch(/still in flight when the grace period after the deadline ended/);
      expect(r.endedAt).toBeGreaterThanOrEqual(350 - SLACK_MS);
    }
    // Unaborted, each request would take over 2 s.
    expect(took).toBeLessThan(1900);
  });

  it('lets in-flight requests finish within the grace, and starts none after the deadline', async () => {
    const load = await runClosedLoop({ ...target(slow), total: Infinity, concurrency: 2, durationMs: 250, graceMs: 5000 });
    expect(load.records.length).toBeGreaterThanOrEqual(3);
    for (const r of load.records) {
      expect(r.error).toBeUndefined();
      expect(r.startedAt).toBeLessThan(250 + SLACK_MS);
    }
  });
});

describe('warm-up and ramp-up in the loops', () => {
  it('closed loop: the first N requests are warm-up, on top of the measured count', async () => {
    const load = await runClosedLoop({ ...target(slow), total: 3, concurrency: 2, warmup: { requests: 2 } });
    expect(load.records.toArray().map((r) => [r.id, r.warmup === true])).toEqual([
      [1, true],
      [2, true],
      [3, false],
      [4, false],
      [5, false],
    ]);
    expect(summarize(load.records)).toMatchObject({ total_requests: 3, warmup_requests: 2 });
  });

  it('open loop: arrivals meant for the warm-up time are warm-up', async () => {
    const load = await runOpenLoop({ ...target(slow), total: 3, arrivals: constant(50), warmup: { ms: 100 } });
    // Arrivals at 0, 20, 40, 60, 80 ms are warm-up; 100, 120, 140 ms are measured.
    expect(load.records.toArray().map((r) => r.warmup === true)).toEqual([true, true, true, true, true, false, false, false]);
  });

  it('closed loop ramp-up: one request in flight at first, the full concurrency later', async () => {
    const hooks = inFlightTracker();
    const load = await runClosedLoop({ ...target(slow), total: 12, concurrency: 4, rampUpMs: 300 }, hooks);
    expect(load.records).toHaveLength(12);
    // Concurrency 2 is due at 100 ms and the first request takes >= 80 ms: nothing else starts before.
    expect(load.records.toArray().filter((r) => r.startedAt - load.records.at(0).startedAt < 80 - SLACK_MS)).toHaveLength(1);
    expect(hooks.max()).toBe(4);
  });
});

const capture = () => captureRunIO(dir);
const readResults = (path: string) => ResultsSchema.parse(JSON.parse(readFileSync(path, 'utf8')));

describe('run command: load shape flags', () => {
  it('open loop with a cap: reports both latencies, warns about send lag, records intended_start and the seed', async () => {
    const { io, stdout, stderr } = capture();
    const output = join(dir, 'open.json');
    const code = await runRun(
      ['-u', `${slow.url}/v1/chat/completions`, '--rate', '40', '--arrival', 'constant', '--max-concurrency', '1', '-n', '4', '-q', '--slo', 'ttft=1', '-o', output],
      io,
    );
    expect(code).toBe(0);
    expect(stderr()).toMatch(/4 requests \| rate 40\/s constant \| max concurrency 1 \| seed \d+/);
    expect(stdout()).toMatch(/^Send lag: P50 [\d.]+ ms, P99 [\d.]+ ms · TTFT P99 from intended send [\d.]+ ms/m);
    expect(stdout()).toContain('send lag p99 is over 10 ms');
    expect(stdout()).toMatch(/^Goodput \(TTFT ≤ 1000 ms\): 4\/4 \(100\.0%\)/m);
    const results = readResults(output);
    expect(results.metrics.every((m) => m.intended_start! <= m.timestamps.started)).toBe(true);
    expect(results.config.seed).toEqual(expect.any(Number));
    expect(results.summary.send_lag).toBeDefined();
    expect(results.timeseries!.buckets.reduce((n, b) => n + b.started, 0)).toBe(4);
  });

  it('sweep: one results file with a summary per level, level on every row, a table and a chart', async () => {
    const { io, stdout, stderr } = capture();
    const output = join(dir, 'sweep.json');
    const code = await runRun(['-u', `${slow.url}/v1/chat/completions`, '--sweep', 'concurrency=1,2', '-n', '2', '--warmup', '1', '-q', '-o', output], io);
    expect(code).toBe(0);
    expect(stdout()).toContain('【Sweep: concurrency】');
    expect(stdout()).toContain('【Sweep: output tokens/s vs TTFT P99】');
    expect(stderr()).toMatch(/concurrency 1: [\d.]+ req\/s/);
    const results = readResults(output);
    expect(results.sweep!.levels.map((l) => [l.value, l.summary.total_requests, l.summary.warmup_requests])).toEqual([
      [1, 2, 1],
      [2, 2, 1],
    ]);
    expect(results.metrics.map((m) => [m.request_id, m.level, m.warmup])).toEqual([
      [1, 1, true],
      [2, 1, false],
      [3, 1, false],
      [4, 2, true],
      [5, 2, false],
      [6, 2, false],
    ]);
  });

  it('sweep stops early at saturation', async () => {
    const dead = await startSimServer({ ttftMs: 0, itlMs: 0, tokens: 1, jitter: 0 });
    await dead.close();
    const { io, stdout, stderr } = capture();
    const output = join(dir, 'saturated.json');
    const code = await runRun(['-u', `${dead.url}/v1/chat/completions`, '--sweep', 'rate=20,40,80', '-n', '2', '-q', '-o', output], io);
    expect(code).toBe(0);
    const results = readResults(output);
    expect(results.sweep!.levels).toHaveLength(1);
    expect(results.sweep!.stopped_early).toBe('rate 20: error rate 100.0% > 10.0%');
    expect(stdout()).toContain('! The sweep stopped early: rate 20');
  });

  it.each([
    [['--max-concurrency', '2'], /max_concurrency \(--max-concurrency\) applies to an open-loop run/],
    [['--rate', '5', '--arrival', 'poisson', '--burstiness', '2'], /burstiness \(--burstiness\) applies to arrival gamma/],
    [['--rate', '5', '--sweep', 'concurrency=1,2'], /sweep concurrency runs closed loops/],
    [['--duration', 'soon'], /--duration \(duration\): must be a positive duration/],
    [['--warmup', '5x'], /--warmup \(warmup\): must be a request count/],
    [['--sweep', 'threads=1,2'], /sweep\.parameter/],
    [['--sweep', 'concurrency=1.5'], /concurrency levels must be whole numbers/],
    [['--slo', 'ttfb=1'], /unknown field "ttfb" in --slo \(slo\)/],
    [['--arrival', 'uniform', '--rate', '1'], /--arrival \(arrival\): Invalid option/],
  ])('rejects %j with one line and exit 2', async (args, message) => {
    const { io, stdout, stderr } = capture();
    const code = await runRun(['-u', `${slow.url}/v1/chat/completions`, ...args, '-o', join(dir, 'never.json')], io);
    expect(stderr()).toMatch(message);
    expect(code).toBe(2);
    expect(stderr().trim().split('\n')).toHaveLength(1);
  });
});
