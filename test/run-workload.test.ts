/**
 * End-to-end: `run` with a workload (generated prompts, output lengths, shared prefixes, prompt datasets)
 * against a real OpenAI-compatible server on 127.0.0.1 that records every body and answers with the
 * simulator's frames, usage, prefix cache and output-limit rules.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runRun } from '../lib/commands/run.ts';
import { readResults } from '../lib/results/results.ts';
import { createSimState, planResponse } from '../lib/sim/simulator.ts';
import { loadTokenizer, type Tokenizer } from '../lib/stats/tokenizer.ts';
import { createRng } from '../lib/util/random.ts';

const ROOT = join(import.meta.dirname, '..');
const ANSWER_TOKENS = 5;
type Body = Record<string, any>;
const seen: Body[] = [];
let server: Server;
let base: string;
let dir: string;
let o200k: Tokenizer;
let state = createSimState({ prefixCacheTokens: 100_000 });

beforeAll(async () => {
  o200k = await loadTokenizer('o200k');
  server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (part: Buffer) => parts.push(part));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(parts).toString('utf8')) as Body;
      seen.push(body);
      const options = { ttftMs: 0, itlMs: 0, tokens: ANSWER_TOKENS, jitter: 0, encode: o200k.encode };
      const response = planResponse(new URL(req.url!, 'http://x').pathname, body, options, createRng(1), state)!;
      res.writeHead(200, { 'content-type': response.contentType });
      res.end(response.frames.map((frame) => frame.text).join(''));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  dir = await mkdtemp(join(tmpdir(), 'streambench-workload-'));
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => {
  seen.length = 0;
  state = createSimState({ prefixCacheTokens: 100_000 });
});

let outputs = 0;
async function run(args: string[], path = '/v1/chat/completions') {
  let stdout = '';
  let stderr = '';
  const output = join(dir, `results-${++outputs}.json`);
  const code = await runRun(['-u', base + path, '-q', '-o', output, ...args], {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env: {},
    cwd: ROOT,
  });
  return { code, stdout, stderr, results: code === 0 || code === 1 ? await readResults(output) : undefined };
}

const userText = (body: Body) => body.messages[body.messages.length - 1].content as string;

describe('run --input-tokens / --output-tokens', () => {
  it('sends unique prompts of exactly N tokens, asks for M output tokens, and reports the short requests', async () => {
    const { code, stderr, stdout, results } = await run(['-n', '12', '-p', '3', '--input-tokens', '300', '--output-tokens', '20', '--seed', '4']);
    expect(code, stderr).toBe(0);
    expect(seen).toHaveLength(12);
    for (const body of seen) {
      expect(o200k.count(userText(body))).toBe(300);
      expect(body.max_tokens).toBe(20);
      expect(body.ignore_eos).toBeUndefined();
    }
    expect(new Set(seen.map(userText)).size).toBe(12);
    expect(results!.workload).toMatchObject({ tokenizer: 'o200k', exact_output: false, prepared: 12, input_tokens: { mean: 300 }, output_tokens: { mean: 20 } });
    for (const row of results!.metrics) expect(row).toMatchObject({ prompt_tokens: 300, requested_output_tokens: 20, usage: { input_tokens: 300 } });
    const workload = (results!.summary as { workload?: Record<string, any> }).workload!;
    expect(workload.prompt_tokens).toMatchObject({ min: 300, max: 300 });
    expect(workload.server_prompt_tokens).toMatchObject({ min: 300, max: 300 });
    // The server stops after ANSWER_TOKENS: every request came back short.
    expect(workload.short_requests).toEqual({ requests: 12, of: 12, missing_tokens: 12 * (20 - ANSWER_TOKENS) });
    expect(stdout).toMatch(/Short requests: +12 of 12/);
    expect(stderr).toMatch(/workload: 12 prompts generated in \d+ ms before the clock/);
  });

  it('--exact-output asks for ignore_eos and min_tokens, and the requests come back complete', async () => {
    const { code, stderr, results } = await run(['-n', '4', '--input-tokens', '50', '--output-tokens', '20', '--exact-output']);
    expect(code, stderr).toBe(0);
    for (const body of seen) expect(body).toMatchObject({ max_tokens: 20, ignore_eos: true, min_tokens: 20 });
    expect((results!.summary as any).workload.short_requests).toEqual({ requests: 0, of: 4, missing_tokens: 0 });
  });

  it('draws lengths from mean ± stddev within [min, max], the same for the same seed', async () => {
    const args = ['-n', '30', '--input-tokens', '200', '--input-tokens-stddev', '80', '--input-tokens-min', '150', '--input-tokens-max', '260', '--output-tokens', '40', '--output-tokens-stddev', '30', '--output-tokens-min', '10', '--output-tokens-max', '60', '--seed', '8'];
    expect((await run(args)).code).toBe(0);
    const first = seen.map((body) => ({ prompt: userText(body), max: body.max_tokens as number }));
    const lengths = first.map((f) => o200k.count(f.prompt));
    expect(Math.min(...lengths)).toBeGreaterThanOrEqual(150);
    expect(Math.max(...lengths)).toBeLessThanOrEqual(260);
    expect(new Set(lengths).size).toBeGreaterThan(5);
    expect(first.every((f) => f.max >= 10 && f.max <= 60)).toBe(true);
    expect(new Set(first.map((f) => f.max)).size).toBeGreaterThan(5);
    seen.length = 0;
    expect((await run(args)).code).toBe(0);
    const sort = (list: Array<{ prompt: string; max: number }>) => list.map((f) => `${f.max}:${f.prompt}`).sort();
    expect(sort(seen.map((body) => ({ prompt: userText(body), max: body.max_tokens })))).toEqual(sort(first));
  });

  it('--prefix-tokens P --prefixes K: every prompt starts with one of K prefixes of P tokens, and the server caches them', async () => {
    const { code, stderr, results } = await run(['-n', '20', '-p', '1', '--input-tokens', '40', '--prefix-tokens', '64', '--prefixes', '2', '--seed', '3']);
    expect(code, stderr).toBe(0);
    const prefixes = new Set(seen.map((body) => userText(body).split(' Passage ')[0]));
    expect(prefixes.size).toBe(2);
    for (const prefix of prefixes) expect(o200k.count(prefix!)).toBe(64);
    for (const body of seen) expect(o200k.count(userText(body))).toBe(104);
    // 64 tokens = 4 cache blocks: every request after the first of its prefix is served them from cache.
    expect((results!.summary as any).workload.cached_prompt_tokens).toEqual({ cached: 64 * 18, of: 104 * 20, requests: 20 });
    expect(results!.workload).toMatchObject({ prefix_tokens: 64, prefixes: 2 });
  });

  it('sizes prompts in a model tokenizer from its tokenizer.json, and records which', async () => {
    const tiny = await loadTokenizer(join(ROOT, 'fixtures/tokenizers/tiny-bpe.json'));
    const { code, stderr, results } = await run(['-n', '3', '--input-tokens', '120', '--tokenizer', 'fixtures/tokenizers/tiny-bpe.json']);
    expect(code, stderr).toBe(0);
    for (const body of seen) expect(tiny.count(userText(body))).toBe(120);
    expect(results!.workload!.tokenizer).toBe('hf:fixtures/tokenizers/tiny-bpe.json');
  });

  it.each([
    ['/v1/completions', (b: Body) => [b.prompt, b.max_tokens]],
    ['/v1/responses', (b: Body) => [b.input, b.max_output_tokens]],
    ['/v1/messages', (b: Body) => [b.messages[0].content, b.max_tokens]],
    ['/v1beta/models/m:streamGenerateContent?alt=sse', (b: Body) => [b.contents[0].parts[0].text, b.generationConfig.maxOutputTokens]],
    ['/api/chat', (b: Body) => [b.messages[0].content, b.options.num_predict]],
    ['/api/generate', (b: Body) => [b.prompt, b.options.num_predict]],
  ])('puts the prompt and the output limit in the fields of %s', async (path, read) => {
    const { code, stderr } = await run(['-n', '2', '--input-tokens', '30', '--output-tokens', '7'], path);
    expect(code, stderr).toBe(0);
    for (const body of seen) {
      const [prompt, limit] = read(body);
      expect(o200k.count(prompt)).toBe(30);
      expect(limit).toBe(7);
    }
  });

  it('fills "{{prompt}}" in a custom body and keeps the rest of it', async () => {
    const body = JSON.stringify({ model: 'm', stream: true, messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Summarize: {{prompt}}' }] });
    const { code, stderr } = await run(['-n', '2', '-d', body, '--input-tokens', '40', '--output-tokens', '9']);
    expect(code, stderr).toBe(0);
    for (const sent of seen) {
      expect(sent.messages[0]).toEqual({ role: 'system', content: 'Be brief.' });
      expect(sent.messages[1].content).toMatch(/^Summarize: Passage \d{10}\./);
      expect(o200k.count(sent.messages[1].content.slice('Summarize: '.length))).toBe(40);
      expect(sent).toMatchObject({ model: 'm', max_tokens: 9 });
    }
  });
});

describe('run --data with a prompt dataset', () => {
  it('ShareGPT JSON: the first human turn of each conversation, conversations without one skipped', async () => {
    const { code, stderr, results } = await run(['-n', '6', '-p', '1', '--data', 'fixtures/datasets/sharegpt.json']);
    expect(code, stderr).toBe(0);
    expect(seen.map(userText)).toEqual([
      'Explain what a prefix cache does in an LLM server.',
      'Name three rivers in Europe.',
      '用三句话介绍长城。',
      'Explain what a prefix cache does in an LLM server.',
      'Name three rivers in Europe.',
      '用三句话介绍长城。',
    ]);
    expect(stderr).toMatch(/sharegpt, 3 rows, 1 without a prompt skipped/);
    expect(results!.dataset).toMatchObject({ file: 'fixtures/datasets/sharegpt.json', rows: 3, columns: ['sharegpt'] });
    expect(results!.metrics.map((m) => m.row_index)).toEqual([0, 1, 2, 0, 1, 2]);
    expect(results!.metrics[0]!.prompt_tokens).toBe(o200k.count('Explain what a prefix cache does in an LLM server.'));
  });

  it('OpenAI-style JSONL: the messages as sent, a trailing assistant answer left out', async () => {
    const { code, stderr } = await run(['-n', '3', '-p', '1', '--data', 'fixtures/datasets/messages.jsonl']);
    expect(code, stderr).toBe(0);
    expect(seen[0]!.messages).toEqual([
      { role: 'system', content: 'You answer in one sentence.' },
      { role: 'user', content: 'Why is the sky blue?' },
    ]);
    expect(seen[2]!.messages[0].content).toEqual([{ type: 'text', text: 'Summarize the plot of a heist movie in two sentences.' }]);
  });

  it('JSON/JSONL with a prompt or question field, to any protocol; --input-tokens-max leaves out longer rows', async () => {
    const { code, stderr } = await run(['-n', '4', '-p', '1', '--data', 'fixtures/datasets/prompts.jsonl', '--input-tokens-max', '9'], '/v1/completions');
    expect(code, stderr).toBe(0);
    expect(seen.map((b) => b.prompt)).toEqual(['List five uses of a paperclip.', 'What is the capital of Australia?', 'List five uses of a paperclip.', 'What is the capital of Australia?']);
    expect((await run(['-n', '2', '-p', '1', '--data', 'fixtures/datasets/questions.json'])).code).toBe(0);
    expect(seen.slice(4).map(userText)).toEqual(['How many legs does a spider have?', 'What does HTTP stand for?']);
  });
});

describe('bad workload input: exit 2, one line naming the flag or file', () => {
  let notTokenizer: string;
  beforeAll(async () => {
    notTokenizer = join(dir, 'not-a-tokenizer.json');
    await writeFile(notTokenizer, JSON.stringify({ vocab: { a: 1 } }));
    await writeFile(join(dir, 'empty-prompts.jsonl'), '{"prompt": ""}\n{"prompt": "   "}\n');
  });
  it.each([
    [['--input-tokens', '0'], /--input-tokens.*at least 1/],
    [['--input-tokens=-5'], /--input-tokens.*at least 1/],
    [['--input-tokens', 'many'], /--input-tokens must be a number/],
    [['--input-tokens', '1.5'], /--input-tokens.*whole number/],
    [['--input-tokens', '100', '--input-tokens-min', '200', '--input-tokens-max', '150'], /--input-tokens-min.*200 is above --input-tokens-max 150/],
    [['--output-tokens', '10', '--output-tokens-min', '20', '--output-tokens-max', '15'], /--output-tokens-min.*above --output-tokens-max/],
    [['--input-tokens-stddev', '5'], /--input-tokens-stddev.*needs a mean/],
    [['--output-tokens-stddev', '5'], /--output-tokens-stddev.*needs a mean/],
    [['--input-tokens', '100', '--prefix-tokens', '4000', '--max-model-len', '4096'], /--prefix-tokens.*4100 is longer than --max-model-len 4096/],
    [['--input-tokens', '10', '--prefix-tokens', '2097152'], /--prefix-tokens.*longer than the largest context/],
    [['--exact-output'], /--exact-output.*needs --output-tokens/],
    [['--input-tokens', '10', '--output-tokens', '5', '--exact-output', '-u', 'http://127.0.0.1:9/v1/messages'], /--exact-output: the anthropic-messages API has no field/],
    [['--data', 'fixtures/datasets/not-prompts.json'], /data file fixtures\/datasets\/not-prompts.json: no usable row; expected ShareGPT/],
    [['--data', 'fixtures/datasets/prompts.jsonl', '--input-tokens', '10'], /--input-tokens generates prompts, --data reads them/],
    [['--data', 'fixtures/datasets/prompts.jsonl', '--input-tokens-max', '2'], /no row fits --input-tokens-max 2/],
    [['--input-tokens', '10', '--tokenizer', 'gpt5'], /--tokenizer.*must be o200k or cl100k, or the path of a tokenizer.json/],
    [['--input-tokens', '10', '--tokenizer', 'fixtures/datasets/sharegpt.json'], /--tokenizer fixtures\/datasets\/sharegpt.json is not a Hugging Face tokenizer.json/],
    [['--input-tokens', '10', '--tokenizer', 'no/such/tokenizer.json'], /--tokenizer no\/such\/tokenizer.json: cannot read it/],
    [['--data', 'fixtures/datasets/sharegpt.json', '-d', '{"messages":[{"role":"user","content":"{{x}}"}]}'], /is a JSON array: as a prompt dataset it fills the request itself/],
  ])('%j', async (args, message) => {
    const { code, stderr } = await run(args as string[]);
    expect(code, stderr).toBe(2);
    const errors = stderr.split('\n').filter((line) => line.startsWith('error: '));
    expect(errors, stderr).toHaveLength(1);
    expect(errors[0]).toMatch(message as RegExp);
    expect(seen).toHaveLength(0);
  });

  it('names the files: a tokenizer.json that is not one, a dataset with no usable row', async () => {
    const tokenizer = await run(['--input-tokens', '10', '--tokenizer', notTokenizer]);
    expect(tokenizer.code).toBe(2);
    expect(tokenizer.stderr).toContain(`--tokenizer ${notTokenizer} is not a Hugging Face tokenizer.json`);
    const data = await run(['--data', join(dir, 'empty-prompts.jsonl')]);
    expect(data.code).toBe(2);
    expect(data.stderr).toMatch(/empty-prompts.jsonl: none of its 2 rows has a usable prompt/);
  });
});
