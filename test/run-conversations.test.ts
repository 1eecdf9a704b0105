/**
 * Conversations and traces from the CLI, against a real OpenAI-compatible
 * server on 127.0.0.1 that answers from what it was sent: histories carry the
 * replies streamed, rows carry session and turn, the report has its per-turn
 * table, shards split whole conversations and traces by entry, and every bad
 * input is one line, exit 2, with nothing sent.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readResults } from '../lib/results/results.ts';
import { runCaptured, tempDir } from './helpers/run-capture.ts';
import { useChatServer } from './helpers/chat-server.ts';

const chat = useChatServer();
const dir = tempDir();
afterAll(() => dir.remove());
const file = (name: string, text: string) => {
  const path = join(dir.path, name);
  writeFileSync(path, text);
  return path;
};
const jsonl = (...rows: unknown[]) => rows.map((row) => JSON.stringify(row)).join('\n') + '\n';
const chatUrl = () => `${chat.server.url}/v1/chat/completions`;
const run = (args: string[]) => runCaptured([...args, '-q'], { cwd: dir.path });
type Message = { role: string; content: string };

describe('--turns from the CLI', () => {
  it('sends each turn with the whole history, the server’s own replies included, and reports by turn', async () => {
    const output = join(dir.path, 'turns.json');
    const before = chat.server.bodies.length;
    const result = await run(['-u', chatUrl(), '--turns', '3', '-n', '2', '-p', '1', '--input-tokens', '20', '--seed', '5', '-o', output]);
    expect(result.stderr).toContain('conversations: 3 turns each, user turns of 20 generated tokens');
    expect(result.code).toBe(0);
    const bodies = chat.server.bodies.slice(before).map((b) => b.messages as Message[]);
    expect(bodies.map((m) => m.length)).toEqual([1, 3, 5, 1, 3, 5]);
    // Turn 3 of conversation 1: its two earlier user turns, and the replies the server streamed to them.
    const third = bodies[2]!;
    expect(third.slice(0, 4)).toEqual([bodies[0]![0], { role: 'assistant', content: 'turn 1: I have read 1 messages, the last one ' + bodies[0]![0]!.content.length + ' characters long.' }, bodies[1]![2], { role: 'assistant', content: expect.stringMatching(/^turn 2: I have read 3 messages/) }]);
    // Conversations differ (their text is their own).
    expect(bodies[3]![0]!.content).not.toBe(bodies[0]![0]!.content);

    const results = await readResults(output);
    expect(results.metrics.map((m) => [m.session, m.turn])).toEqual([
      [1, 1],
      [1, 2],
      [1, 3],
      [2, 1],
      [2, 2],
      [2, 3],
    ]);
    expect(results.turns!.by_turn.map((t) => [t.turn, t.requests])).toEqual([
      [1, 2],
      [2, 2],
      [3, 2],
    ]);
    expect(results.turns!.conversations).toMatchObject({ conversations: 2, ended_by_failure: 0 });
    // Input tokens grow by turn: the history.
    const input = results.turns!.by_turn.map((t) => t.input_tokens!.mean);
    expect(input[1]!).toBeGreaterThan(input[0]!);
    expect(input[2]!).toBeGreaterThan(input[1]!);
    // The one-screen report: TTFT P50 by turn; the full one: the per-turn table and the note.
    expect(result.stdout).toMatch(/^Per turn: TTFT P50 turn 1 [\d.]+ ms · turn 2 [\d.]+ ms · turn 3 [\d.]+ ms \(conversations 2\)$/m);
    const { renderReport } = await import('../lib/report/report.ts');
    const { reportDataFromResults } = await import('../lib/report/report-data.ts');
    const full = renderReport(reportDataFromResults(results), { lang: 'en', detail: 'full' });
    expect(full).toMatch(/【Per turn】\n\s+Turn\s+Requests\s+Failed\s+TTFT P50 \(ms\)/);
    expect(full).toContain('Concurrency counts conversations');
  });

  it('checks thresholds by turn (turn2.ttft.p99)', async () => {
    const pass = await run(['-u', chatUrl(), '--turns', '2', '-n', '1', '--threshold', 'turn2.ttft.p99 < 10', '-o', join(dir.path, 't2.json')]);
    expect(pass.code).toBe(0);
    const missing = await run(['-u', chatUrl(), '--turns', '2', '-n', '1', '--threshold', 'turn3.ttft.p99 < 10', '-o', join(dir.path, 't3.json')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/✗ turn3\.ttft\.p99 < 10 +observed no successful requests/);
  });

  it('takes its user turns from a ShareGPT dataset’s conversations', async () => {
    const data = file(
      'chats.json',
      JSON.stringify([
        { conversations: [{ from: 'human', value: 'only one turn' }, { from: 'gpt', value: 'ok' }] },
        { conversations: [{ from: 'system', value: 'Be terse.' }, { from: 'human', value: 'hello' }, { from: 'gpt', value: 'hi' }, { from: 'human', value: 'bye' }] },
      ]),
    );
    const before = chat.server.bodies.length;
    const result = await run(['-u', chatUrl(), '--turns', '5', '-n', '1', '--data', data, '-o', join(dir.path, 'sharegpt.json')]);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('1 rows with fewer than 2 user turns left out');
    const bodies = chat.server.bodies.slice(before).map((b) => b.messages as Message[]);
    expect(bodies).toHaveLength(2);
    expect(bodies[1]).toEqual([
      { role: 'system', content: 'Be terse.' },
      { role: 'user', content: 'hello' },
      { role: 'assistant', content: expect.stringMatching(/^turn 1: /) },
      { role: 'user', content: 'bye' },
    ]);
  });

  it('shards keep conversations whole: disjoint sessions whose union is the run’s', async () => {
    const sessions: number[][] = [];
    for (const shard of ['0/2', '1/2']) {
      const output = join(dir.path, `shard-${shard.replace('/', '-')}.json`);
      const result = await run(['-u', chatUrl(), '--turns', '2', '-n', '5', '-p', '2', '--seed', '3', '--shard', shard, '-o', output]);
      expect(result.stderr.split('\n').filter((line) => line.startsWith('error'))).toEqual([]);
      expect(result.code).toBe(0);
      const rows = (await readResults(output)).metrics;
      // Every conversation's turns in one shard.
      for (const session of new Set(rows.map((m) => m.session))) expect(rows.filter((m) => m.session === session).map((m) => m.turn)).toEqual([1, 2]);
      sessions.push([...new Set(rows.map((m) => m.session!))].sort((a, b) => a - b));
    }
    expect(sessions).toEqual([
      [1, 3, 5],
      [2, 4],
    ]);
  });
});

describe('--trace from the CLI', () => {
  it('replays the entries on time with their prefix sharing on the wire', async () => {
    const trace = file(
      'trace.jsonl',
      jsonl(
        { timestamp: 0, input_length: 40, output_length: 3, hash_ids: [7, 8] },
        { timestamp: 30, input_length: 40, output_length: 4, hash_ids: [7, 9] },
        { timestamp: 60, input_length: 20, output_length: 5 },
      ),
    );
    const output = join(dir.path, 'trace.json');
    const before = chat.server.bodies.length;
    const result = await run(['-u', chatUrl(), '--trace', trace, '--trace-block-size', '32', '--seed', '1', '-o', output]);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('trace: trace.jsonl | 3 entries over 60ms | block size 32');
    const bodies = chat.server.bodies.slice(before);
    expect(bodies.map((b) => b.max_tokens)).toEqual([3, 4, 5]);
    const texts = bodies.map((b) => (b.messages as Message[])[0]!.content);
    // Block 7 is the same text in both: a shared prefix.
    let shared = 0;
    while (texts[0]![shared] === texts[1]![shared]) shared++;
    expect(shared).toBeGreaterThan(texts[0]!.length / 2 - 20);
    expect(texts[1]!.startsWith(texts[0]!)).toBe(false);
    const results = await readResults(output);
    expect(results.metrics.map((m) => [m.row_index, m.intended_start! - results.metrics[0]!.intended_start!])).toEqual([
      [0, 0],
      [1, 30],
      [2, 60],
    ]);
    expect(results.metrics.every((m) => m.session === undefined)).toBe(true);
    expect(results.dataset).toMatchObject({ file: 'trace.jsonl', rows: 3 });
  });

  it('splits a trace by entry over shards: their union is the trace', async () => {
    const trace = file('five.jsonl', jsonl(...[0, 5, 10, 15, 20].map((timestamp) => ({ timestamp, input_length: 10, output_length: 2 }))));
    const rows: number[] = [];
    for (const shard of ['0/2', '1/2']) {
      const output = join(dir.path, `trace-shard-${shard.replace('/', '-')}.json`);
      const result = await run(['-u', chatUrl(), '--trace', trace, '--seed', '1', '--shard', shard, '-o', output]);
      expect(result.code).toBe(0);
      rows.push(...(await readResults(output)).metrics.map((m) => m.row_index!));
    }
    expect(rows.sort()).toEqual([0, 1, 2, 3, 4]);
  });

  it('replays a session trace as conversations', async () => {
    const trace = file(
      'sessions.jsonl',
      jsonl({ session_id: 's1', timestamp: 0, prompt: 'Hi' }, { session_id: 's1', delay: 10, prompt: 'And then?' }, { session_id: 's2', timestamp: 5, prompt: 'Yo' }),
    );
    const output = join(dir.path, 'sessions.json');
    const before = chat.server.bodies.length;
    const result = await run(['-u', chatUrl(), '--trace', trace, '-o', output]);
    expect(result.code).toBe(0);
    const second = chat.server.bodies.slice(before).find((b) => JSON.stringify(b).includes('And then?'))!;
    expect(second.messages).toEqual([
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: 'turn 1: I have read 1 messages, the last one 2 characters long.' },
      { role: 'user', content: 'And then?' },
    ]);
    expect((await readResults(output)).metrics.map((m) => [m.session, m.turn]).sort()).toEqual([
      [1, 1],
      [1, 2],
      [2, 1],
    ]);
  });
});

describe('bad input: one line naming the flag or the file and line, exit 2, nothing sent', () => {
  const trace = (name: string, ...rows: unknown[]) => file(name, rows.map((row) => (typeof row === 'string' ? row : JSON.stringify(row))).join('\n') + '\n');
  const cases: Array<{ name: string; args: () => string[]; error: RegExp }> = [
    { name: '--turns 0', args: () => ['--turns', '0'], error: /^error: invalid option: --turns \(turns\): must be at least 1 turn$/ },
    { name: '--turns not a number', args: () => ['--turns', 'three'], error: /^error: option --turns must be a number, got "three"$/ },
    { name: 'a turns spread without a mean', args: () => ['--turns-stddev', '2'], error: /^error: --turns-stddev needs a mean: give --turns \(or turns in the config\)$/ },
    { name: 'turns min above max', args: () => ['--turns', '3', '--turns-min', '4', '--turns-max', '2'], error: /--turns-min \(turns\.min\): min must not be above max/ },
    { name: '--think-time without turns', args: () => ['--think-time', '2s'], error: /^error: think_time \(--think-time\) applies to conversations: set turns \(--turns\)$/ },
    { name: '--think-time not a duration', args: () => ['--turns', '2', '--think-time', 'soon'], error: /^error: invalid option: --think-time \(think_time\): must be a duration/ },
    {
      name: 'a trace line without a timestamp',
      args: () => ['--trace', trace('no-ts.jsonl', { timestamp: 0, input_length: 5 }, { input_length: 5 })],
      error: /^error: no-ts\.jsonl:2:1: has no "timestamp"/,
    },
    {
      name: 'a trace line without a length',
      args: () => ['--trace', trace('no-len.jsonl', { timestamp: 0, output_length: 5 })],
      error: /^error: no-len\.jsonl:1:1: has no "input_length"/,
    },
    {
      name: 'trace timestamps going backwards',
      args: () => ['--trace', trace('back.jsonl', { timestamp: 10, input_length: 5 }, { timestamp: 5, input_length: 5 })],
      error: /^error: back\.jsonl:2:2: timestamp 5 goes backwards \(line 1 has 10\)/,
    },
    {
      name: 'hash_ids that do not fit input_length',
      args: () => ['--trace', trace('hash.jsonl', { timestamp: 0, input_length: 600, hash_ids: [1] })],
      error: /^error: hash\.jsonl:1:\d+: "hash_ids" has 1 block but input_length 600 at block size 512 needs 2/,
    },
    {
      name: 'a bad line after a thousand good ones: nothing was sent',
      args: () => ['--trace', trace('late.jsonl', ...Array.from({ length: 1000 }, (_, i) => ({ timestamp: i, input_length: 5 })), '{"timestamp": 2000, "input_length": }')],
      error: /^error: late\.jsonl:1001:\d+: invalid JSON: /,
    },
    { name: 'a missing trace file', args: () => ['--trace', join(dir.path, 'nope.jsonl')], error: /^error: cannot read trace file nope\.jsonl: no such file$/ },
    { name: '--trace with --rate', args: () => ['--trace', trace('ok.jsonl', { timestamp: 0, input_length: 5 }), '--rate', '5'], error: /^error: trace \(--trace\) replays its own schedule; it cannot be combined with rate \(--rate\)/ },
    { name: '--trace with --requests', args: () => ['--trace', trace('ok2.jsonl', { timestamp: 0, input_length: 5 }), '-n', '5'], error: /^error: --requests do not apply to --trace/ },
    { name: '--trace with --turns', args: () => ['--trace', trace('ok3.jsonl', { timestamp: 0, input_length: 5 }), '--turns', '2'], error: /^error: trace \(--trace\).*turns \(--turns\)/ },
    { name: '--trace-block-size 0', args: () => ['--trace', trace('ok4.jsonl', { timestamp: 0, input_length: 5 }), '--trace-block-size', '0'], error: /--trace-block-size \(trace\.block_size\): Too small/ },
    { name: '--trace-speedup 0', args: () => ['--trace', trace('ok5.jsonl', { timestamp: 0, input_length: 5 }), '--trace-speedup', '0'], error: /--trace-speedup \(trace\.speedup\): Too small/ },
    {
      name: 'a dataset with no multi-turn conversation',
      args: () => ['--turns', '3', '--data', file('single.json', JSON.stringify([{ conversations: [{ from: 'human', value: 'one' }, { from: 'gpt', value: 'two' }] }]))],
      error: /^error: data file single\.json has no multi-turn conversation: none of its 1 rows \(sharegpt\) has two or more user turns/,
    },
    {
      name: 'a dataset with no conversations at all',
      args: () => ['--turns', '3', '--data', file('rows.csv', 'topic\nrust\n')],
      error: /^error: data file rows\.csv has no conversations \(it is not JSON\)/,
    },
  ];

  it.each(cases)('$name', async ({ args, error }) => {
    const before = chat.server.bodies.length;
    const result = await runCaptured(['-u', chatUrl(), ...args(), '-o', join(dir.path, 'never.json')], { cwd: dir.path });
    expect(result.code).toBe(2);
    expect(result.stderr.split('\n').filter((line) => line.startsWith('error:'))).toEqual([expect.stringMatching(error)]);
    expect(result.stderr.trim().split('\n').at(-1)).toMatch(error);
    expect(chat.server.bodies.length).toBe(before);
  });

  it('a URL whose path names no chat API', async () => {
    const result = await runCaptured(['-u', `${chat.server.url}/stream`, '--turns', '2', '-o', join(dir.path, 'never.json')], { cwd: dir.path });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/error: conversations \(--turns, a session trace\) need a chat API known before sending, and the URL path names none/);
  });
});

describe('the per-turn report in every format', () => {
  it('summarize shows it as text, markdown and HTML; compare compares turns', async () => {
    const output = join(dir.path, 'turns.json');
    const { runSummarize } = await import('../lib/commands/summarize.ts');
    const { runCompare } = await import('../lib/commands/compare.ts');
    const io = () => {
      let stdout = '';
      return { io: { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: () => true }, cwd: dir.path }, out: () => stdout };
    };
    for (const [format, marker] of [
      ['text', '【Per turn】'],
      ['markdown', '#### Per turn'],
      ['html', '<table id="turns">'],
    ] as const) {
      const captured = io();
      expect(await runSummarize([output, '-f', format, '--report', 'full'], captured.io)).toBe(0);
      expect(captured.out()).toContain(marker);
    }
    const html = io();
    await runSummarize([output, '-f', 'html'], html.io);
    expect(html.out()).toContain('data-chart="turns"');
    const compared = io();
    expect(await runCompare([output, output, '--fail-on', 'turn2.ttft.p50 > +50%'], compared.io)).toBe(0);
    expect(compared.out()).toMatch(/turn1\.ttft\.p50/);
    expect(compared.out()).toMatch(/turn2\.ttft\.p50 > \+50%/);
    expect(readFileSync(output, 'utf8')).toContain('"turns":{"by_turn"');
  });
});
