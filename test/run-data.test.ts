/** End-to-end: `run` with a data source, against a loopback server that records what it received and, once, the built-in simulator. */
import { createHash } from 'node:crypto';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runRun } from '../lib/commands/run.ts';
import { runSummarize } from '../lib/commands/summarize.ts';
import { captureIO } from './helpers/io.ts';
import { journalPathFor, readJournal } from '../lib/results/journal.ts';
import { createRng } from '../lib/util/random.ts';
import { shuffledOrder } from '../lib/data/request-plan.ts';
import { readResults } from '../lib/results/results.ts';
import { framesToStream, planResponse } from '../lib/sim/simulator.ts';

const ROOT = join(import.meta.dirname, '..');
const SEED_CONTENT = ['写一个关于人工智能的短文', '介绍Python编程语言的特点和应用', '分析机器学习算法的优缺点', '解释深度学习的原理', '讨论自然语言处理的发展趋势'];

/** The original tool README's data-source example, verbatim. */
const SEED_EXAMPLE_CONFIG = `{
  "url": "https://api.example.com/v1/chat/completions",
  "method": "POST",
  "headers": {
    "Content-Type": "application/json",
    "Authorization": "Bearer sk-xxxxxxxxxxxxxxxx"
  },
  "data_source": {
    "type": "csv",
    "file": "test_data.csv",
    "column": "content",
    "encoding": "utf-8"
  },
  "body": {
    "model": "gpt-3.5-turbo",
    "messages": [
      {
        "role": "user",
        "content": "{{content}}"
      }
    ],
    "stream": true,
    "max_tokens": 500
  },
  "timeout": 300,
  "concurrency": 10,
  "total_requests": 100
}`;

interface Seen {
  url: string;
  headers: Record<string, string>;
  body: { messages: Array<{ content: string }>; max_tokens?: number };
}
const seen: Seen[] = [];
const rng = createRng(1);
const server: Server = createServer((req, res) => {
  const parts: Buffer[] = [];
  req.on('data', (part: Buffer) => parts.push(part));
  req.on('end', () => {
    const body = JSON.parse(Buffer.concat(parts).toString('utf8')) as Seen['body'];
    const url = SIM_BASE + req.url;
    seen.push({ url, headers: req.headers as Record<string, string>, body });
    const response = planResponse(new URL(url).pathname, body, { ttftMs: 1, itlMs: 0, tokens: 3, jitter: 0 }, rng)!;
    res.writeHead(200, { 'content-type': response.contentType });
    void (async () => {
      for await (const chunk of framesToStream(response.frames)) res.write(chunk);
      res.end();
    })();
  });
});
let SIM_BASE = '';
let SIM_URL = '';

let dir: string;
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  SIM_BASE = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  SIM_URL = `${SIM_BASE}/v1/chat/completions`;
  dir = await mkdtemp(join(tmpdir(), 'streambench-run-data-'));
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => {
  seen.length = 0;
});

async function run(args: string[], cwd = dir) {
  let stdout = '';
  let stderr = '';
  const code = await runRun(args, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env: {},
    cwd,
  });
  return { code, stdout, stderr };
}

let outputs = 0;
const outputPath = () => join(dir, `results-${++outputs}.json`);

describe('run with a data source', () => {
  it("accepts the original tool's example config exactly: row i feeds request i, rows cycle, results carry rows and a fingerprint", async () => {
    const configDir = await mkdtemp(join(dir, 'seed-'));
    await writeFile(join(configDir, 'config.json'), SEED_EXAMPLE_CONFIG);
    await copyFile(join(ROOT, 'fixtures', 'test_data.csv'), join(configDir, 'test_data.csv'));
    const output = outputPath();
    // Run from another folder: data_source.file is relative to the config file.
    const { code, stderr } = await run(['-c', join(configDir, 'config.json'), '-u', SIM_URL, '-o', output, '-q']);
    expect(code, stderr).toBe(0);

    expect(seen).toHaveLength(100);
    const results = await readResults(output);
    expect(results.metrics.map((m) => m.row_index)).toEqual(Array.from({ length: 100 }, (_, i) => i % 5));
    // Each request's prompt is its row's content (requests may arrive out of order, so match by the echoed body).
    const sent = seen.map((s) => s.body.messages[0]!.content).sort();
    expect(sent).toEqual(Array.from({ length: 100 }, (_, i) => SEED_CONTENT[i % 5]!).sort());
    const sha256 = createHash('sha256').update(await readFile(join(ROOT, 'fixtures', 'test_data.csv'))).digest('hex');
    expect(results.dataset).toEqual({ file: relative(dir, join(configDir, 'test_data.csv')), sha256, rows: 5, columns: ['content', 'topic', 'category'] });
    expect(JSON.stringify(results)).not.toContain('sk-xxxxxxxxxxxxxxxx');
    expect(stderr).toContain('data: ');
  });

  it('--data, --group-by, --shuffle and --seed from flags: per-row types, a group table, a reproducible order', async () => {
    const data = join(dir, 'prompts.csv');
    await writeFile(data, 'prompt,max,kind\n"say ""a"", then\nstop",2,short\nhello 🚀,3,long\n中文,1,short\n');
    const body = JSON.stringify({ messages: [{ role: 'user', content: '{{prompt}}' }], stream: true, max_tokens: '{{max:int}}' });
    const args = ['-u', SIM_URL, '--data', 'prompts.csv', '-d', body, '-n', '9', '-p', '3', '--group-by', 'kind', '--shuffle', '--seed', '11', '-q'];
    const first = outputPath();
    const a = await run([...args, '-o', first]);
    expect(a.code, a.stderr).toBe(0);
    expect(a.stderr).toContain('data: prompts.csv | csv, utf-8 | 3 rows, shuffled, seed 11 | columns: prompt, max, kind');
    expect(a.stdout).toMatch(/More with --report full: .*Per group: kind/);
    const summary = captureIO(dir);
    expect(await runSummarize([first, '--report', 'full'], summary.io)).toBe(0);
    expect(summary.stdout()).toMatch(/【Per group: kind】\n {2}Group +Requests +Failed +TTFT P50 \(ms\) +TTFT P95 \(ms\) .*\n {2}long +3 +0 .*\n {2}short +6 +0 /);
    for (const request of seen) {
      const row = ['say "a", then\nstop', 'hello 🚀', '中文'].indexOf(request.body.messages[0]!.content);
      expect(request.body.max_tokens).toBe([2, 3, 1][row]);
    }

    const results = await readResults(first);
    expect(results.config.seed).toBe(11);
    const order = results.metrics.map((m) => m.row_index);
    expect(order.slice(0, 3).sort()).toEqual([0, 1, 2]);
    expect(order.slice(3, 6)).toEqual(order.slice(0, 3));
    expect(results.metrics.map((m) => m.group)).toEqual(order.map((row) => ['short', 'long', 'short'][row!]));
    for (const m of results.metrics) expect(m.total_tokens).toBe([2, 3, 1][m.row_index!]);

    const second = outputPath();
    expect((await run([...args, '-o', second])).code).toBe(0);
    expect((await readResults(second)).metrics.map((m) => m.row_index)).toEqual(order);
  });

  it('fills the URL and headers per row', async () => {
    const data = join(dir, 'tenants.jsonl');
    await writeFile(data, '{"tenant":"a b","model":"m1"}\n{"tenant":"c","model":"m2"}\n');
    const body = JSON.stringify({ model: '{{model}}', messages: [{ role: 'user', content: 'hi' }], stream: true });
    const { code, stderr } = await run(
      ['-u', `${SIM_BASE}/{{tenant}}/v1/chat/completions`, '-H', 'X-Model: {{model}}', '--data', data, '-d', body, '-n', '2', '-q', '-o', outputPath()],
    );
    expect(code, stderr).toBe(0);
    const byModel = Object.fromEntries(seen.map((s) => [s.headers['x-model'], s.url]));
    expect(byModel).toEqual({ m1: `${SIM_BASE}/a%20b/v1/chat/completions`, m2: `${SIM_BASE}/c/v1/chat/completions` });
  });

  it('with an open loop and warm-up: one seed feeds the shuffle and the schedule; request i still uses row order[i]', async () => {
    const body = JSON.stringify({ messages: [{ role: 'user', content: '{{content}}' }], stream: true });
    const data = join(ROOT, 'fixtures', 'test_data.csv');
    const args = ['-u', SIM_URL, '--data', data, '-d', body, '--rate', '200', '--arrival', 'constant', '--shuffle', '--warmup', '2', '-n', '7', '-q'];
    const output = outputPath();
    const { code, stderr } = await run([...args, '-o', output]);
    expect(code, stderr).toBe(0);
    const results = await readResults(output);
    const seed = results.config.seed as number;
    expect(Number.isInteger(seed)).toBe(true);
    expect(stderr).toContain(`5 rows, shuffled, seed ${seed} |`);
    expect(stderr).toContain(`rate 200/s constant | seed ${seed}`);
    const order = shuffledOrder(5, seed);
    expect(results.metrics.map((m) => [m.request_id, m.row_index, m.warmup])).toEqual(
      Array.from({ length: 9 }, (_, i) => [i + 1, order[i % 5], i < 2]),
    );
    // The recorded seed replays the same rows.
    const again = outputPath();
    expect((await run([...args, '--seed', String(seed), '-o', again])).code).toBe(0);
    expect((await readResults(again)).metrics.map((m) => m.row_index)).toEqual(results.metrics.map((m) => m.row_index));
  });

  it('in a sweep every level sends the same rows from the first, and the journal tags each row with its level', async () => {
    const body = JSON.stringify({ messages: [{ role: 'user', content: '{{content}}' }], stream: true });
    const output = outputPath();
    const args = ['-u', SIM_URL, '--data', join(ROOT, 'fixtures', 'test_data.csv'), '-d', body, '--sweep', 'concurrency=1,2', '-n', '3', '-q'];
    const { code, stderr } = await run([...args, '-o', output]);
    expect(code, stderr).toBe(0);
    const rows = (await readResults(output)).metrics.map((m) => [m.request_id, m.level, m.row_index]);
    expect(rows).toEqual([[1, 1, 0], [2, 1, 1], [3, 1, 2], [4, 2, 0], [5, 2, 1], [6, 2, 2]]);
    const journal = readJournal(journalPathFor(output)).rows.map((m) => [m.request_id, m.level, m.row_index]);
    expect(journal.sort((x, y) => x[0]! - y[0]!)).toEqual(rows);
  });

  it('runs the shipped config_csv_example.json against the built-in simulator', async () => {
    const output = outputPath();
    const { code, stderr } = await run(['-c', 'config_csv_example.json', '-n', '6', '-q', '-o', output], ROOT);
    expect(code, stderr).toBe(0);
    const results = await readResults(output);
    expect(results.dataset).toMatchObject({ file: 'fixtures/test_data.csv', rows: 5 });
    expect(results.metrics.map((m) => m.row_index)).toEqual([0, 1, 2, 3, 4, 0]);
    expect(results.summary.failed_count).toBe(0);
  });
});

describe('bad data stops the run before any request, with one line and exit 2', () => {
  const body = JSON.stringify({ messages: [{ role: 'user', content: '{{content}}' }], stream: true });
  const cases: Array<[name: string, file: string | undefined, content: string | Buffer | undefined, extra: string[], message: string | RegExp]> = [
    ['missing file', 'missing.csv', undefined, [], 'error: cannot read data file missing.csv: no such file'],
    ['empty file', 'empty.csv', '', [], 'error: data file empty.csv is empty'],
    ['header only', 'header.csv', 'content,topic\r\n', [], 'error: data file header.csv has a header but no data rows'],
    ['unknown encoding', 'enc.csv', 'content\nx\n', ['--data-encoding', 'utf-9'], /^error: data_source\.encoding: unknown encoding "utf-9"; try utf-8, gbk/],
    ['undecodable', 'gbk.csv', Buffer.from([...Buffer.from('content\n'), 0xc4, 0xe3, 0x0a]), [], /^error: gbk\.csv:2: the text is not valid utf-8; .*try "encoding": "gbk"/],
    ['unknown placeholder column', 'cols.csv', 'text,topic\nx,y\n', [], 'error: {{content}} in body.messages[0].content names no column of cols.csv; the columns are: text, topic'],
    ['wrong field count', 'fields.csv', 'content,topic\nok,1\na, b,2\n', [], /^error: fields\.csv:3: this row has 3 fields but the header has 2/],
    ['unknown column', 'col.csv', 'content\nx\n', ['--data-column', 'prompt'], 'error: data_source.column: col.csv has no column "prompt"; its columns: content'],
    ['bad typed value', 'typed.csv', 'content,n\nx,many\n', ['-d', JSON.stringify({ messages: [{ role: 'user', content: '{{content}}' }], max_tokens: '{{n:int}}' })], 'error: typed.csv:2: {{n:int}} in body.max_tokens needs an integer, got "many"'],
  ];

  it.each(cases)('%s', async (_name, file, content, extra, message) => {
    if (file && content !== undefined) await writeFile(join(dir, file), content);
    const { code, stderr } = await run(['-u', SIM_URL, '-d', body, '--data', file!, '-n', '3', '-q', '-o', outputPath(), ...extra]);
    expect(code).toBe(2);
    const lines = stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toEqual(typeof message === 'string' ? message : expect.stringMatching(message));
    expect(seen).toHaveLength(0);
  });

  it('a data_source field the schema does not know', async () => {
    await writeFile(join(dir, 'typo.json'), JSON.stringify({ url: SIM_URL, data_source: { file: 'x.csv', colum: 'a' } }));
    const { code, stderr } = await run(['-c', 'typo.json']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/unknown field "colum" in data_source/);
  });
});
