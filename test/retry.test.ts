/**
 * --retries: only retryable failures are retried, with backoff and the
 * server's Retry-After; every attempt is its own record and the first failure
 * stays counted.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readJournal } from '../lib/results/journal.ts';
import { readResults } from '../lib/results/results.ts';
import { isRetryable, retryAfterMs, retryDelayMs, type RetryPolicy } from '../lib/load/retry.ts';
import { summarize } from '../lib/stats/summary.ts';
import { faultUrl, useFaultServer } from './helpers/fault-server.ts';
import { failedRecord, makeRecord } from './helpers/records.ts';
import { runCaptured, tempDir } from './helpers/run-capture.ts';

const http = (status: number) => failedRecord({ status, error: { kind: 'http', message: `${status}`, status } });

describe('isRetryable', () => {
  it.each([
    ['HTTP 429', http(429), true],
    ['HTTP 500', http(500), true],
    ['HTTP 503', http(503), true],
    ['HTTP 400', http(400), false],
    ['HTTP 401', http(401), false],
    ['HTTP 404', http(404), false],
    ['a refused connection', failedRecord({ error: { kind: 'connect', message: 'ECONNREFUSED' } }), true],
    ['a timeout before headers', failedRecord({ headersAt: undefined, error: { kind: 'timeout', message: 't' } }), true],
    ['a timeout mid-stream', failedRecord({ headersAt: 5, error: { kind: 'timeout', message: 't' } }), false],
    ['a protocol error', failedRecord({ error: { kind: 'protocol', message: 'bad json' } }), false],
    ['an aborted request (Ctrl-C)', failedRecord({ error: { kind: 'aborted', message: 'interrupted' } }), false],
    ['a success', makeRecord(), false],
  ])('%s -> %s', (_, record, expected) => {
    expect(isRetryable(record)).toBe(expected);
  });
});

describe('retryAfterMs', () => {
  it('reads delta-seconds, fractions included', () => {
    expect(retryAfterMs('7', 0)).toBe(7000);
    expect(retryAfterMs(' 0.25 ', 0)).toBe(250);
  });
  it('reads an HTTP date against the wall clock, never below 0', () => {
    const now = Date.parse('Wed, 21 Oct 2015 07:28:00 GMT');
    expect(retryAfterMs('Wed, 21 Oct 2015 07:28:03 GMT', now)).toBe(3000);
    expect(retryAfterMs('Wed, 21 Oct 2015 07:27:00 GMT', now)).toBe(0);
  });
  it('is undefined when unreadable', () => {
    expect(retryAfterMs('soon', 0)).toBeUndefined();
    expect(retryAfterMs('-3', 0)).toBeUndefined();
  });
});

describe('retryDelayMs', () => {
  const policy: RetryPolicy = { retries: 5, baseMs: 100, maxMs: 1000, seed: 0 };
  it('doubles the backoff per retry, half of it jittered, up to the cap', () => {
    expect(retryDelayMs(policy, 1, http(503), () => 0, 0)).toBe(50);
    expect(retryDelayMs(policy, 1, http(503), () => 0.999999, 0)).toBeCloseTo(100, 3);
    expect(retryDelayMs(policy, 3, http(503), () => 0, 0)).toBe(200);
    expect(retryDelayMs(policy, 10, http(503), () => 1, 0)).toBe(1000);
  });
  it('waits at least the Retry-After, but never past the cap', () => {
    const asked = (value: string) => failedRecord({ error: { kind: 'http', message: '429', status: 429, retryAfter: value } });
    expect(retryDelayMs(policy, 1, asked('0.6'), () => 0, 0)).toBe(600);
    expect(retryDelayMs(policy, 1, asked('60'), () => 0, 0)).toBe(1000);
    // A shorter Retry-After does not cut the backoff.
    expect(retryDelayMs(policy, 4, asked('0.1'), () => 0, 0)).toBe(400);
  });
});

describe('summarize with retries', () => {
  it('counts requests once, every failed attempt under errors, and retries apart', () => {
    const records = [
      failedRecord({ id: 1 }),
      makeRecord({ id: 1, attempt: 2, start: 500, ttft: 50 }),
      failedRecord({ id: 2 }),
      failedRecord({ id: 2, attempt: 2, start: 300 }),
      makeRecord({ id: 3, ttft: 80 }),
    ];
    const summary = summarize(records);
    expect(summary.total_requests).toBe(3);
    expect(summary.success_count).toBe(2);
    expect(summary.failed_count).toBe(1);
    expect(summary.success_rate).toBeCloseTo(2 / 3, 9);
    expect(summary.errors).toEqual({ http: 3 });
    expect(summary.retries).toBe(2);
    expect(summary.recovered_by_retry).toBe(1);
    // The successful attempts are the samples: the retry's own TTFT, not counted from the first attempt.
    expect(summary.ttft?.count).toBe(2);
    expect(summary.ttft?.min).toBeCloseTo(0.05, 9);
  });
  it('has no retry fields when none was sent', () => {
    const summary = summarize([failedRecord({ id: 1 }), makeRecord({ id: 2 })]);
    expect(summary.retries).toBeUndefined();
    expect(summary.recovered_by_retry).toBeUndefined();
    expect(summary.total_requests).toBe(2);
  });
});

describe('--retries in a whole run', () => {
  const fault = useFaultServer();
  const dir = tempDir();
  afterAll(() => dir.remove());
  const run = async (name: string, path: string, flags: string[]) => {
    const output = join(dir.path, `${name}.json`);
    const result = await runCaptured(['-u', faultUrl(fault.server.url, path), '-n', '1', '-t', '5', '-o', output, ...flags], { cwd: dir.path });
    expect(result.code, result.stderr).toBe(0);
    return { ...result, results: await readResults(output), journal: readJournal(output + 'l') };
  };

  it('recovers a 503 after its Retry-After, keeping both attempts and the first failure', async () => {
    const { results, journal, stdout, stderr } = await run('recovered', '/fail-first/503?retry_after=0.2&name=recovered', [
      '--retries',
      '1',
      // The backoff alone would wait at most 10 ms: a 200 ms gap is the Retry-After's.
      '--retry-backoff',
      '10ms',
    ]);
    const [first, retry] = results.metrics;
    expect(results.metrics).toHaveLength(2);
    expect(first).toMatchObject({ request_id: 1, error_kind: 'http', status: 503, retry_after: '0.2' });
    expect(first?.attempt).toBeUndefined();
    expect(retry).toMatchObject({ request_id: 1, attempt: 2, error: null, total_tokens: 3 });
    // Retry-After 0.2 s honoured (timers may fire ~1 ms early).
    expect(retry!.timestamps.started - first!.timestamps.ended).toBeGreaterThanOrEqual(198);
    expect(results.summary).toMatchObject({ total_requests: 1, success_count: 1, failed_count: 0, errors: { http: 1 }, retries: 1, recovered_by_retry: 1 });
    expect(journal.rows.map((row) => [row.request_id, row.attempt])).toEqual([
      [1, undefined],
      [1, 2],
    ]);
    expect(stdout).toMatch(/Retries: 1 sent, 1 request\(s\) recovered/);
    expect(stdout).toMatch(/^ {2}http ×1 {2}e\.g\. /m);
    expect(stderr).toMatch(/\[001 #2\] done 0\.\d+s \| 3 tokens/);
  });

  it('lets the failure stand without --retries', async () => {
    const { results, stdout } = await run('no-retries', '/fail-first/503?retry_after=0.2&name=no-retries', []);
    expect(results.metrics).toHaveLength(1);
    expect(results.summary).toMatchObject({ total_requests: 1, success_count: 0, failed_count: 1, errors: { http: 1 } });
    expect(results.summary.retries).toBeUndefined();
    expect(stdout).not.toMatch(/Retries/);
  });

  it('does not retry a 400', async () => {
    const { results } = await run('bad-request', '/fail-first/400?key=bad-request', ['--retries', '3', '--retry-backoff', '10ms']);
    expect(results.metrics).toHaveLength(1);
    expect(results.summary).toMatchObject({ failed_count: 1, errors: { http: 1 } });
  });

  it('stops after N retries, every failed attempt counted, the request failed once', async () => {
    const { results } = await run('exhausted', '/fail-first/500?times=5&name=exhausted', ['--retries', '2', '--retry-backoff', '10ms']);
    expect(results.metrics.map((row) => [row.attempt, row.status])).toEqual([
      [undefined, 500],
      [2, 500],
      [3, 500],
    ]);
    expect(results.summary).toMatchObject({ total_requests: 1, failed_count: 1, errors: { http: 3 }, retries: 2, recovered_by_retry: 0 });
  });

  it('sends no retry that would start past the --duration deadline', async () => {
    const output = join(dir.path, 'deadline.json');
    const result = await runCaptured(
      ['-u', faultUrl(fault.server.url, '/fail-first/429?times=1000&retry_after=1&name=deadline'), '-p', '1', '--duration', '300ms', '--retries', '2', '-o', output],
      { cwd: dir.path },
    );
    expect(result.code, result.stderr).toBe(0);
    const { metrics, summary } = await readResults(output);
    expect(metrics.length).toBeGreaterThan(0);
    expect(metrics.every((row) => row.attempt === undefined)).toBe(true);
    expect(summary.retries).toBeUndefined();
    expect(summary.failed_count).toBe(metrics.length);
  });

  it('stops waiting for a retry when the run is interrupted', async () => {
    const output = join(dir.path, 'interrupted.json');
    const controller = new AbortController();
    setTimeout(() => controller.abort('SIGINT'), 150);
    const started = performance.now();
    const result = await runCaptured(
      ['-u', faultUrl(fault.server.url, '/fail-first/503?times=1000&retry_after=5&name=interrupted'), '-n', '1', '--retries', '3', '-o', output],
      { cwd: dir.path, signal: controller.signal },
    );
    // Without the interrupt, the Retry-After alone is 5 s.
    expect(performance.now() - started).toBeLessThan(4000);
    expect(result.code).toBe(130);
    const { metrics } = await readResults(output);
    expect(metrics.map((row) => [row.attempt, row.status])).toEqual([[undefined, 503]]);
  });

  it('rejects a negative --retries', async () => {
    const result = await runCaptured(['-u', faultUrl(fault.server.url, '/ok'), '--retries', '-1'], { cwd: dir.path });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--retries/);
  });
});
