/**
 * A minimal undici streaming client, the floor for streambench's default
 * transport: one undici Pool, `Pool.dispatch` with a raw handler (llhttp
 * inside, no WHATWG or Node stream), N lanes each sending the next request
 * when its last one ends, TTFT at the first SSE event with non-empty
 * delta.content (JSON.parse per event, as the node:http peer). Prints one
 * ClientReport JSON line on stdout.
 *   node --import tsx bench/peers/undici-minimal-client.ts --url URL -n 100 -c 10 --body '{...}'
 */
import { parseArgs } from 'node:util';
import { Pool, type Dispatcher } from 'undici';

const { values } = parseArgs({
  options: { url: { type: 'string' }, n: { type: 'string' }, c: { type: 'string' }, body: { type: 'string' } },
});
const url = new URL(values.url!);
const total = Number(values.n);
const concurrency = Number(values.c);
const body = Buffer.from(values.body ?? '{}');
const pool = new Pool(url.origin, { connections: concurrency, pipelining: 1, headersTimeout: 0, bodyTimeout: 0 });
const headers = { 'content-type': 'application/json' };
const path = url.pathname + url.search;

const ttftMs: number[] = [];
let ok = 0;
let errors = 0;
let tokens = 0;
let errorSample: string | undefined;

function one(): Promise<void> {
  return new Promise((resolve) => {
    const start = performance.now();
    let first = -1;
    let count = 0;
    let status = 0;
    let pending = '';
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart() {},
      onResponseStart(_controller, statusCode) {
        status = statusCode;
      },
      onResponseData(_controller, chunk) {
        const lines = (pending + chunk.toString('utf8')).split('\n');
        pending = lines.pop()!;
        for (const line of lines) {
          if (!line.startsWith('data: ') || line === 'data: [DONE]') continue;
          const delta = JSON.parse(line.slice(6)).choices?.[0]?.delta;
          if (delta?.content) {
            if (first < 0) first = performance.now() - start;
            count++;
          }
        }
      },
      onResponseEnd() {
        if (status !== 200 || first < 0) {
          errors++;
          errorSample ??= `status ${status}, ${count} tokens`;
        } else {
          ok++;
          tokens += count;
          ttftMs.push(first);
        }
        resolve();
      },
      onResponseError(_controller, error) {
        errors++;
        errorSample ??= error.message;
        resolve();
      },
    };
    pool.dispatch({ path, method: 'POST', headers, body }, handler);
  });
}

let next = 0;
async function lane(): Promise<void> {
  while (next < total) {
    next++;
    await one();
  }
}

const cpuStart = process.cpuUsage();
const wallStart = performance.now();
await Promise.all(Array.from({ length: Math.min(concurrency, total) }, lane));
const wall = (performance.now() - wallStart) / 1000;
const cpu = process.cpuUsage(cpuStart);
await pool.destroy();
process.stdout.write(
  JSON.stringify({
    ok,
    errors,
    wall_s: wall,
    output_tokens: tokens,
    ttft_ms: ttftMs,
    cpu_ms: (cpu.user + cpu.system) / 1000,
    max_rss_kb: process.resourceUsage().maxRSS,
    ...(errorSample ? { error_sample: errorSample } : {}),
  }) + '\n',
);
