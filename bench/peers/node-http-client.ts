/**
 * A minimal node:http streaming client, the benchmark's reference for what
 * Node can do: keep-alive Agent, N lanes each sending the next request when
 * its last one ends, TTFT at the first SSE event with non-empty
 * delta.content. Prints one ClientReport JSON line on stdout.
 *   node --import tsx bench/peers/node-http-client.ts --url URL -n 100 -c 10 --body '{...}'
 */
import http from 'node:http';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { url: { type: 'string' }, n: { type: 'string' }, c: { type: 'string' }, body: { type: 'string' } },
});
const url = new URL(values.url!);
const total = Number(values.n);
const concurrency = Number(values.c);
const body = values.body ?? '{}';
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
const headers = { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) };

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
    let pending = '';
    const fail = (error: Error) => {
      errors++;
      errorSample ??= error.message;
      resolve();
    };
    const req = http.request({ hostname: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers, agent }, (res) => {
      res.setEncoding('utf8');
      res.on('data', (text: string) => {
        const lines = (pending + text).split('\n');
        pending = lines.pop()!;
        for (const line of lines) {
          if (!line.startsWith('data: ') || line === 'data: [DONE]') continue;
          const delta = JSON.parse(line.slice(6)).choices?.[0]?.delta;
          if (delta?.content) {
            if (first < 0) first = performance.now() - start;
            count++;
          }
        }
      });
      res.on('end', () => {
        if (res.statusCode !== 200 || first < 0) return fail(new Error(`status ${res.statusCode}, ${count} tokens`));
        ok++;
        tokens += count;
        ttftMs.push(first);
        resolve();
      });
      res.on('error', fail);
    });
    req.on('error', fail);
    req.end(body);
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
agent.destroy();
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
