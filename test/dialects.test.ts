/**
 * End to end, per dialect: the run command against the simulated endpoint
 * (a real loopback server), small counts. Each dialect must be detected from
 * its path and measured with the server's own token counts.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runRun } from '../lib/commands/run.ts';
import { readResults } from '../lib/results/results.ts';
import { startSimServer, type SimServer } from '../lib/sim/server.ts';

const ANSWER = 5;
const REASONING = 2;
let sim: SimServer;
let dir: string;

beforeAll(async () => {
  // Gaps wide enough that a loaded machine still delivers reasoning and answer tokens in separate chunks
  // (one chunk would give them one timestamp, and firstAnswer > firstToken could not hold).
  sim = await startSimServer({ ttftMs: 30, itlMs: 15, tokens: ANSWER, reasoningTokens: REASONING, jitter: 0 });
  dir = await mkdtemp(join(tmpdir(), 'streambench-dialects-'));
});
afterAll(async () => {
  await sim.close();
  await rm(dir, { recursive: true, force: true });
});

async function run(args: string[]) {
  let stdout = '';
  let stderr = '';
  const output = join(dir, `run-${Math.random().toString(36).slice(2)}.json`);
  const code = await runRun([...args, '-n', '3', '-p', '3', '-q', '-o', output], {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env: {},
    cwd: dir,
  });
  expect(code, stderr).toBe(0);
  return { results: await readResults(output), stdout, stderr };
}

describe('every dialect against the simulated endpoint', () => {
  it.each([
    ['/v1/chat/completions', 'openai-chat', REASONING],
    ['/v1/completions', 'openai-completions', 0],
    ['/v1/responses', 'openai-responses', REASONING],
    ['/v1/messages', 'anthropic-messages', REASONING],
    ['/v1beta/models/sim:streamGenerateContent?alt=sse', 'gemini', REASONING],
    ['/api/chat', 'ollama', REASONING],
    ['/api/generate', 'ollama', REASONING],
  ])('%s is read as %s, with server usage matching the token events', async (path, protocol, reasoning) => {
    const { results, stdout } = await run(['-u', `${sim.url}${path}`]);
    expect(results.run.protocol).toBe(protocol);
    expect(results.metrics).toHaveLength(3);
    for (const row of results.metrics) {
      expect(row.error).toBeNull();
      expect(row.end_marker).toBe(true);
      expect(row.token_source).toBe('usage');
      expect(row.total_tokens).toBe(ANSWER + REASONING);
      expect(row.token_times).toHaveLength(ANSWER + REASONING);
      expect(row.reasoning_tokens).toBe(reasoning);
      expect(row.timestamps.first_token).not.toBeNull();
      if (reasoning > 0) expect(row.timestamps.first_answer!).toBeGreaterThan(row.timestamps.first_token!);
    }
    expect(results.summary.truncated_count).toBe(0);
    expect(stdout).toContain("usage agrees with events");
  });

  it.each([
    ['/v1/chat/completions', 'openai-chat'],
    ['/v1/completions', 'openai-completions'],
    ['/v1/responses', 'openai-responses'],
    ['/v1/messages', 'anthropic-messages'],
    ['/api/chat', 'ollama'],
    ['/api/generate', 'ollama'],
  ])('%s with "stream": false is measured end to end: tokens from usage, no TTFT', async (path, protocol) => {
    const body = { model: 'm', stream: false, messages: [{ role: 'user', content: 'hi' }], prompt: 'hi', input: 'hi', max_tokens: 64 };
    const { results, stdout, stderr } = await run(['-u', `${sim.url}${path}`, '-d', JSON.stringify(body)]);
    expect(results.run.protocol).toBe(protocol);
    expect(stderr).toContain('non-streaming (one JSON answer each');
    for (const row of results.metrics) {
      expect(row).toMatchObject({ error: null, non_streaming: true, ttft: null, token_source: 'usage', total_tokens: ANSWER + REASONING, token_times: [] });
      expect(row.timestamps.first_token).toBeNull();
      // The whole answer comes when its last token is generated: E2E covers the generation.
      expect(row.total_time!).toBeGreaterThanOrEqual((30 + 15 * (ANSWER + REASONING - 1)) / 1000 - 0.002);
      expect(row.tokens_per_second).toBeCloseTo((ANSWER + REASONING) / row.total_time!, 2);
    }
    expect(results.summary).toMatchObject({ non_streaming: 3, success_count: 3 });
    expect(results.summary.ttft).toBeUndefined();
    // TTFT is "not applicable", never the E2E.
    expect(stdout).toMatch(/^ {2}TTFT \(ms\) +n\/a +n\/a +n\/a +n\/a$/m);
    expect(stdout).toContain('TTFT, TPOT and ITL do not apply to the 3 non-streaming request(s)');
    expect(stdout).not.toContain('differ: usage');
  });

  it("Gemini's :generateContent endpoint is non-streaming; :streamGenerateContent still needs alt=sse", async () => {
    const { results } = await run(['-u', `${sim.url}/v1beta/models/m:generateContent`]);
    expect(results.metrics.every((row) => row.non_streaming === true && row.total_tokens === ANSWER + REASONING && row.ttft === null)).toBe(true);
    let stderr = '';
    const code = await runRun(['-u', `${sim.url}/v1beta/models/m:streamGenerateContent`, '-n', '1'], {
      stdout: { write: () => true },
      stderr: { write: (text: string) => (stderr += text) },
      env: {},
      cwd: dir,
    });
    expect(code).toBe(2);
    expect(stderr).toContain('needs "?alt=sse"');
  });

  it('a non-streaming answer without text or usage is a protocol error, not a success', async () => {
    const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"choices": []}'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/chat/completions`;
      let stdout = '';
      const output = join(dir, 'empty.json');
      await runRun(['-u', url, '-d', '{"stream": false, "messages": []}', '-n', '1', '-q', '-o', output], {
        stdout: { write: (text: string) => (stdout += text) },
        stderr: { write: () => true },
        env: {},
        cwd: dir,
      });
      const results = await readResults(output);
      expect(results.metrics[0]).toMatchObject({ error_kind: 'protocol', non_streaming: true });
      expect(results.metrics[0]!.error).toContain('no generated text in the non-streaming response');
      expect(stdout).toContain('protocol ×1');
    } finally {
      server.close();
    }
  });

  it('sends no stream_options when include_usage is off, and then counts token events', async () => {
    const config = join(dir, 'no-usage.json');
    await writeFile(config, JSON.stringify({ url: `${sim.url}/v1/chat/completions`, include_usage: false }));
    const { results, stdout } = await run(['-c', config]);
    for (const row of results.metrics) {
      expect(row.usage).toBeUndefined();
      expect(row.token_source).toBe('events');
      expect(row.total_tokens).toBe(ANSWER + REASONING);
    }
    // Counted per event with no usage: the report says so and names --tokenizer.
    expect(stdout).toMatch(/^! output tokens were counted per stream event for 3 request\(s\): .*--tokenizer o200k/m);
  });

  it('estimates output tokens with --tokenizer when the server reports no usage', async () => {
    const config = join(dir, 'tokenizer.json');
    await writeFile(config, JSON.stringify({ url: `${sim.url}/v1/chat/completions`, include_usage: false }));
    const { results, stdout } = await run(['-c', config, '--tokenizer', 'o200k']);
    // The simulator's text: two reasoning words, then five answer words.
    const expected = countTokens('Let me' + 'Streaming is measured token');
    for (const row of results.metrics) {
      expect(row.token_source).toBe('tokenizer');
      expect(row.tokenizer_tokens).toBe(expected);
      expect(row.total_tokens).toBe(expected);
    }
    expect(stdout).toContain('output tokens from tokenizer 3');
    expect(JSON.stringify(results)).not.toContain('measured');
  });

  it('rejects an unknown tokenizer and protocol as usage errors', async () => {
    let stderr = '';
    const io = { stdout: { write: () => true }, stderr: { write: (t: string) => (stderr += t) }, env: {}, cwd: dir };
    expect(await runRun(['-u', `${sim.url}/v1/chat/completions`, '--tokenizer', 'llama'], io)).toBe(2);
    expect(stderr).toMatch(/tokenizer/);
    expect(await runRun(['-u', `${sim.url}/v1/chat/completions`, '--protocol', 'grpc'], io)).toBe(2);
    expect(stderr).toMatch(/unknown protocol "grpc"/);
  });

  it('sends each API a default body of its own shape when the config gives none', async () => {
    const bodies = new Map<string, unknown>();
    const capture = createServer((req, res) => {
      let text = '';
      req.on('data', (part: Buffer) => (text += part.toString('utf8')));
      req.on('end', () => {
        bodies.set(new URL(req.url ?? '/', 'http://x').pathname, JSON.parse(text));
        res.writeHead(500).end();
      });
    });
    await new Promise<void>((resolve) => capture.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(capture.address() as AddressInfo).port}`;
    const io = { stdout: { write: () => true }, stderr: { write: () => true }, env: {}, cwd: dir };
    try {
      for (const path of ['/v1/chat/completions', '/v1/messages', '/v1beta/models/g:streamGenerateContent?alt=sse', '/api/generate']) {
        expect(await runRun(['-u', base + path, '-n', '1', '-q', '-o', join(dir, 'capture.json')], io)).toBe(0);
      }
      expect(await runRun(['-u', `${base}/v1/completions`, '--model', 'm', '-n', '1', '-q', '-o', join(dir, 'capture.json')], io)).toBe(0);
    } finally {
      capture.close();
    }
    expect(bodies.get('/v1/chat/completions')).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    expect(bodies.get('/v1/messages')).toMatchObject({ stream: true, max_tokens: 256, messages: [{ role: 'user' }] });
    expect(bodies.get('/v1beta/models/g:streamGenerateContent')).toMatchObject({ contents: [{ role: 'user' }] });
    expect(bodies.get('/api/generate')).toMatchObject({ stream: true, prompt: expect.any(String) });
    // --model lands on the default body instead of replacing it.
    expect(bodies.get('/v1/completions')).toMatchObject({ model: 'm', prompt: expect.any(String), stream: true, max_tokens: 256 });
    const recorded = await readResults(join(dir, 'capture.json'));
    expect(recorded.config.body).toMatchObject({ model: 'm', prompt: expect.any(String) });
  });
});
