// A metrics endpoint that is absent, slow, a web page, 401, gone halfway or hanging never fails or slows the run.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runRun } from '../lib/commands/run.ts';
import { ResultsSchema } from '../lib/results/results.ts';
import { createServerMetricsScraper } from '../lib/server-metrics/scraper.ts';
import { startSimServer, type SimServer } from '../lib/sim/server.ts';
import { captureRunIO } from './helpers/io.ts';

const EXPOSITION = '# TYPE up gauge\nup 1\n# TYPE work_total counter\nwork_total 5\n';

interface MetricsFaults {
  url: string;
  received: IncomingMessage['headers'][];
  close(): Promise<void>;
}

/** /ok, /slow, /html, /401, /garbage, /halfway/N (N answers, then silence), /hang. */
async function startMetricsFaults(): Promise<MetricsFaults> {
  const received: IncomingMessage['headers'][] = [];
  const sockets = new Set<Socket>();
  const halfway = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    received.push(req.headers);
    const path = req.url ?? '/';
    if (path === '/ok') return void res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(EXPOSITION);
    if (path === '/slow') return void setTimeout(() => res.writeHead(200).end(EXPOSITION), 1500).unref();
    if (path === '/html') return void res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<!doctype html><title>Open WebUI</title>');
    if (path === '/401') return void res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ detail: req.headers }));
    if (path === '/garbage') return void res.writeHead(200, { 'content-type': 'text/plain' }).end('hello world\nthis is not metrics\n');
    const half = /^\/halfway\/(\d+)$/.exec(path);
    if (half) {
      const served = halfway.get(path) ?? 0;
      halfway.set(path, served + 1);
      if (served < Number(half[1])) return void res.writeHead(200).end(EXPOSITION);
    }
    // /hang, and /halfway past its answers: the socket stays open, nothing is sent.
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

async function deadUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/metrics`;
}

let faults: MetricsFaults;
let sim: SimServer;
const dir = mkdtempSync(join(tmpdir(), 'streambench-server-metrics-'));
beforeAll(async () => {
  faults = await startMetricsFaults();
  sim = await startSimServer({ ttftMs: 40, itlMs: 10, tokens: 20, jitter: 0 });
});
afterAll(async () => {
  await faults.close();
  await sim.close();
});

/** Baseline, a few periodic scrapes, final; returns the record and the warnings. */
async function scrapeFor(url: string, periodicMs = 250, headers: Record<string, string> = {}) {
  const warnings: string[] = [];
  const scraper = createServerMetricsScraper({ endpoints: [{ url, headers }], intervalMs: 50, timeoutMs: 300, warn: (m) => warnings.push(m) });
  await scraper.baseline();
  scraper.start();
  await new Promise((resolve) => setTimeout(resolve, periodicMs));
  const [record] = await scraper.finish();
  return { record: record!, warnings, cost: scraper.cost() };
}

describe('the scraper against failing endpoints', () => {
  it('records every scrape of a healthy endpoint, baseline and final included', async () => {
    const { record, warnings, cost } = await scrapeFor(`${faults.url}/ok`);
    expect(warnings).toEqual([]);
    expect(record.failures).toEqual([]);
    expect(record.coversRun).toBe(true);
    expect(record.series.times.length).toBeGreaterThanOrEqual(3);
    expect(record.series.columns.get('work_total')?.values.every((v) => v === 5)).toBe(true);
    // The cost counts the periodic scrapes, those while requests are in flight: not the baseline and the final one
    // (nor one still in flight at the end, which is dropped).
    expect(cost.scrapes).toBe(record.series.times.length - 2);
    expect(cost.bytes).toBe(EXPOSITION.length * cost.scrapes);
  });

  it('absent: connection refused, one warning, every scrape counted as failed', async () => {
    const { record, warnings } = await scrapeFor(await deadUrl());
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/server metrics http:\/\/127\.0\.0\.1:\d+\/metrics failed: connection refused/);
    expect(record.series.times).toEqual([]);
    expect(record.failures.length).toBeGreaterThanOrEqual(3);
    expect(record.coversRun).toBe(false);
  });

  it('slow: each scrape gives up at the timeout, and a tick is skipped while one is in flight', async () => {
    const before = faults.received.length;
    const { record, warnings } = await scrapeFor(`${faults.url}/slow`, 400);
    expect(warnings).toEqual([expect.stringContaining('no answer within 0.3 s')]);
    expect(record.failures.every((f) => f.error === 'no answer within 0.3 s')).toBe(true);
    // Never more than one scrape in flight: baseline (300 ms), at most two periodic in 400 ms, final.
    expect(faults.received.length - before).toBeLessThanOrEqual(4);
  });

  it('a web page: named as one, not parsed as metrics', async () => {
    const { record, warnings } = await scrapeFor(`${faults.url}/html`, 0);
    expect(warnings).toHaveLength(1);
    expect(record.failures[0]!.error).toMatch(/a web page \(text\/html\), not Prometheus metrics/);
  });

  it('plain text that is not metrics: the first bad line is named', async () => {
    const { record } = await scrapeFor(`${faults.url}/garbage`, 0);
    expect(record.failures[0]!.error).toBe('not Prometheus metrics (line 1: bad value "world": "hello world")');
  });

  it('401: says credentials go in server_metrics.headers', async () => {
    const { record, warnings } = await scrapeFor(`${faults.url}/401`, 100);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('HTTP 401 Unauthorized: the metrics endpoint wants credentials (server_metrics.headers');
    expect(record.failures.length).toBeGreaterThanOrEqual(2);
  });

  it('stops answering halfway: the scrapes before are kept, the warning says it stopped', async () => {
    const { record, warnings } = await scrapeFor(`${faults.url}/halfway/3`, 400);
    expect(record.series.times).toHaveLength(3);
    expect(warnings).toEqual([expect.stringMatching(/\/halfway\/3 stopped answering: no answer within 0\.3 s; the run goes on/)]);
    expect(record.coversRun).toBe(false);
  });

  it('sends user:password from the URL as Basic credentials (fetch refuses them in the URL)', async () => {
    const before = faults.received.length;
    const url = faults.url.replace('http://', 'http://scraper:pa55word@') + '/ok';
    const { record } = await scrapeFor(url, 0);
    expect(record.failures).toEqual([]);
    expect(faults.received[before]!.authorization).toBe(`Basic ${Buffer.from('scraper:pa55word').toString('base64')}`);
  });
});

describe('a run with --server-metrics', () => {
  it('against the simulator: the running gauge reaches the concurrency and generation tokens match the client count', async () => {
    const { io, stdout, stderr } = captureRunIO(dir);
    const output = join(dir, 'sim.json');
    const code = await runRun(
      ['-u', `${sim.url}/v1/chat/completions`, '-n', '24', '-p', '4', '-q', '--server-metrics', '--server-metrics-interval', '50ms', '-o', output, '--html'],
      io,
    );
    expect(code).toBe(0);
    const results = ResultsSchema.parse(JSON.parse(readFileSync(output, 'utf8')));
    const endpoint = results.server_metrics!.endpoints[0]!;
    const metric = (name: string) => endpoint.metrics[name]!.series[0] as Record<string, number>;
    expect(endpoint).toMatchObject({ url: `${sim.url}/metrics`, server: 'vllm', scrapes: { failed: 0, covers_run: true } });
    expect(metric('vllm:num_requests_running').max).toBe(4);
    expect(metric('vllm:generation_tokens_total').delta).toBe(results.summary.output_tokens);
    expect(metric('vllm:generation_tokens_total').delta).toBe(480);
    expect(metric('vllm:time_to_first_token_seconds').count).toBe(24);
    expect(results.selfcheck?.server_metrics?.scrapes).toBeGreaterThanOrEqual(3);
    // The series are on the client's clock: the baseline just before 0, the final just after the last request.
    expect(endpoint.timeseries.t[0]).toBeLessThanOrEqual(0);
    expect(endpoint.timeseries.t.at(-1)).toBeGreaterThanOrEqual(Math.max(...results.metrics.map((m) => m.timestamps.ended)) / 1000 - 0.001);
    expect(stdout()).toMatch(/^Server vLLM · http:\/\/127\.0\.0\.1:\d+\/metrics: \d+ scrapes, 0 failed · Running requests max 4/m);
    expect(stderr()).toContain(`server metrics: ${sim.url}/metrics every 0.05s`);
    const html = readFileSync(output.replace(/\.json$/, '.html'), 'utf8');
    expect(html).toContain(`data-section="server"><h2>Server: vLLM · ${sim.url}/metrics</h2>`);
    expect(html).toMatch(/<th scope="row">Generation tokens<\/th><td class="text">480 \([\d.]+\/s\); client counted 480<\/td>/);
    expect(html).toContain('data-chart="server-queue-0"');
  });

  it('a hanging endpoint: one warning line, the run finishes, the results say which scrapes failed', async () => {
    const config = join(dir, 'hang.json');
    writeFileSync(
      config,
      JSON.stringify({
        url: `${sim.url}/v1/chat/completions`,
        total_requests: 16,
        concurrency: 4,
        quiet: true,
        server_metrics: { urls: [`${faults.url}/hang`], interval: '100ms', timeout: '600ms' },
      }),
    );
    const { io, stderr } = captureRunIO(dir);
    const output = join(dir, 'hang-results.json');
    expect(await runRun(['-c', config, '-o', output], io)).toBe(0);
    const results = ResultsSchema.parse(JSON.parse(readFileSync(output, 'utf8')));
    expect(results.summary.success_count).toBe(16);
    const endpoint = results.server_metrics!.endpoints[0]!;
    expect(endpoint.scrapes).toMatchObject({ ok: 0, covers_run: false });
    expect(endpoint.failures.length).toBe(endpoint.scrapes.failed);
    expect(endpoint.failures[0]!.error).toBe('no answer within 0.6 s');
    expect(stderr().split('\n').filter((line) => line.startsWith('warning: server metrics'))).toHaveLength(1);
    // A request waiting on a scrape would leave a gap of the scrape timeout (0.6 s) between two sends; a send
    // follows each completion (~0.06 s apart here).
    const starts = results.metrics.map((m) => m.timestamps.started).sort((a, b) => a - b);
    const gaps = starts.slice(1).map((start, i) => start - starts[i]!);
    expect(Math.max(...gaps)).toBeLessThan(600);
  });

  it('sends ${VAR} credentials to the metrics endpoint and keeps them out of the results and the log', async () => {
    const config = join(dir, 'auth.json');
    writeFileSync(
      config,
      JSON.stringify({
        url: `${sim.url}/v1/chat/completions`,
        total_requests: 4,
        concurrency: 2,
        quiet: true,
        server_metrics: { urls: [`${faults.url}/401`], headers: { Authorization: 'Bearer ${METRICS_TOKEN}' } },
      }),
    );
    const { io, stdout, stderr } = captureRunIO(dir, { env: { METRICS_TOKEN: 'sk-metrics-7f3a9c' } });
    const output = join(dir, 'auth-results.json');
    const before = faults.received.length;
    expect(await runRun(['-c', config, '-o', output], io)).toBe(0);
    expect(faults.received[before]!.authorization).toBe('Bearer sk-metrics-7f3a9c');
    const written = readFileSync(output, 'utf8');
    expect(written).toContain('[REDACTED]');
    for (const text of [written, stdout(), stderr()]) expect(text).not.toContain('sk-metrics-7f3a9c');
    expect(stderr()).toContain('HTTP 401 Unauthorized');
  });

  it('names the bad field of a bad server_metrics config', async () => {
    const { io, stderr } = captureRunIO(dir);
    expect(await runRun(['-u', `${sim.url}/v1/chat/completions`, '--server-metrics', 'ftp://x/metrics'], io)).toBe(2);
    expect(stderr()).toContain('--server-metrics (server_metrics');
    expect(stderr()).toContain('must be an http(s):// URL or a path such as /metrics');
  });
});
