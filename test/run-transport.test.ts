import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Results } from '../lib/results/results.ts';
import { startSimServer, type SimServer } from '../lib/sim/server.ts';
import { runCaptured } from './helpers/run-capture.ts';

let server: SimServer;
let dir: string;
beforeAll(async () => {
  server = await startSimServer({ ttftMs: 20, itlMs: 1, tokens: 4, jitter: 0 });
  dir = await mkdtemp(join(tmpdir(), 'streambench-run-'));
});
afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string; results?: Results }> {
  const output = join(dir, `r-${Math.random().toString(36).slice(2)}.json`);
  const captured = await runCaptured(['-u', `${server.url}/v1/chat/completions`, '-q', '-o', output, ...args], { cwd: dir });
  const results = captured.code === 0 ? (JSON.parse(await readFile(output, 'utf8')) as Results) : undefined;
  return { ...captured, results };
}

describe('run --transport and --workers', () => {
  it('uses the undici transport by default and records the transport and the self-check', async () => {
    const { code, stdout, results } = await run(['-n', '6', '-p', '3']);
    expect(code).toBe(0);
    expect(results!.run.transport).toBe('undici');
    expect(results!.run.http2).toBe(false);
    expect(results!.summary.success_count).toBe(6);
    expect(results!.selfcheck).toMatchObject({ client_bound: expect.any(Boolean), cpu_percent: expect.any(Number) });
    expect(stdout).toContain('Client self-check');
  });

  it('opens the connections before the clock starts with --preconnect; by default not for a few plain-http connections', async () => {
    const byDefault = await run(['-n', '6', '-p', '3']);
    expect(byDefault.code).toBe(0);
    expect(byDefault.stderr).not.toContain('preconnect');
    expect(byDefault.results!.config.preconnect).toBe('auto');
    const preconnected = await run(['-n', '6', '-p', '3', '--preconnect']);
    expect(preconnected.stderr).toMatch(/preconnect: 3\/3 connections open in \d+ ms/);
    expect(preconnected.results!.config.preconnect).toBe(true);
    expect(preconnected.results!.summary.success_count).toBe(6);
    const plain = await run(['-n', '6', '-p', '3', '--no-preconnect']);
    expect(plain.code).toBe(0);
    expect(plain.stderr).not.toContain('preconnect');
    expect(plain.results!.config.preconnect).toBe(false);
  });

  it('runs a retired transport name (socket, http) on undici, with a warning', async () => {
    for (const retired of ['socket', 'http']) {
      const { code, stderr, results } = await run(['-n', '4', '-p', '2', '--transport', retired]);
      expect(code).toBe(0);
      expect(stderr).toContain(`warning: transport "${retired}" was retired; running on undici`);
      expect(results!.run.transport).toBe('undici');
      expect(results!.summary.success_count).toBe(4);
      expect(results!.metrics.every((row) => row.total_tokens === 4)).toBe(true);
    }
  });

  it('records --http2 in the results (plain http:// stays HTTP/1.1: HTTP/2 is offered in TLS)', async () => {
    const { code, stderr, results } = await run(['-n', '2', '-p', '1', '--http2']);
    expect(code).toBe(0);
    expect(stderr).toContain('transport undici (HTTP/2 offered)');
    expect(results!.run.http2).toBe(true);
    expect(results!.config.http2).toBe(true);
  });

  it('runs over fetch when asked, by flag or config field', async () => {
    const byFlag = await run(['-n', '4', '-p', '2', '--transport', 'fetch']);
    expect(byFlag.code).toBe(0);
    expect(byFlag.results!.run.transport).toBe('fetch');
    expect(byFlag.results!.summary.success_count).toBe(4);
    const config = join(dir, 'fetch.json');
    await writeFile(config, JSON.stringify({ transport: 'fetch', total_requests: 2, concurrency: 1 }));
    const byConfig = await run(['-c', config]);
    expect(byConfig.results!.run.transport).toBe('fetch');
  });

  it('splits the load across worker threads and merges the records', async () => {
    const { code, stderr, results } = await run(['-n', '8', '-p', '4', '--workers', '2']);
    expect(code).toBe(0);
    expect(stderr).toContain('2 workers');
    expect(results!.metrics.map((m) => m.request_id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(results!.metrics.every((m) => m.error === null && m.total_tokens === 4)).toBe(true);
    expect(results!.config.workers).toBe(2);
  });

  it('rejects an unknown transport and a bad worker count with exit 2', async () => {
    const transport = await run(['-n', '1', '--transport', 'curl']);
    expect(transport.code).toBe(2);
    expect(transport.stderr).toMatch(/transport/);
    const workers = await run(['-n', '1', '--workers', '0']);
    expect(workers.code).toBe(2);
    expect(workers.stderr).toMatch(/workers/);
  });
});
