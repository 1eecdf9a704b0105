import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadTrace, parseTrace } from '../lib/data/trace.ts';
import { UsageError } from '../lib/record/errors.ts';

const lines = (...objects: unknown[]) => objects.map((o) => (typeof o === 'string' ? o : JSON.stringify(o))).join('\n') + '\n';
const parse = (text: string, blockSize?: number) => parseTrace(text, 't.jsonl', blockSize);
/** The one-line message of the UsageError a parse throws. */
const problem = (text: string, blockSize?: number): string => {
  try {
    parse(text, blockSize);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    const message = (error as Error).message;
    expect(message).not.toContain('\n');
    return message;
  }
  throw new Error('expected the trace to be refused');
};

describe('parseTrace: the mooncake format', () => {
  it('reads timestamp, input_length, output_length and hash_ids, in file order', () => {
    const trace = parse(
      lines(
        { timestamp: 0, input_length: 655, output_length: 52, hash_ids: [46, 47] },
        { timestamp: 10535, input_length: 672, output_length: 26, hash_ids: [46, 47] },
        '',
        { timestamp: 10535, input_length: 1024, output_length: 1, hash_ids: [46, 48] },
      ),
    );
    expect(trace.sessions).toBeUndefined();
    expect(trace.entries).toEqual([
      { line: 1, index: 0, timestampMs: 0, inputLength: 655, outputLength: 52, hashIds: [46, 47] },
      { line: 2, index: 1, timestampMs: 10535, inputLength: 672, outputLength: 26, hashIds: [46, 47] },
      { line: 4, index: 2, timestampMs: 10535, inputLength: 1024, outputLength: 1, hashIds: [46, 48] },
    ]);
    expect(trace.fields).toEqual(['timestamp', 'input_length', 'output_length', 'hash_ids']);
  });

  it('takes a prompt (or AIPerf’s text_input) or OpenAI-style messages instead of a length', () => {
    const trace = parse(
      lines(
        { timestamp: 0, prompt: 'Hello there' },
        { timestamp: 5, text_input: 'From AIPerf', output_length: 4 },
        { timestamp: 9, messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi' }] },
      ),
    );
    expect(trace.entries.map((e) => e.prompt ?? e.messages)).toEqual([
      'Hello there',
      'From AIPerf',
      [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi' },
      ],
    ]);
  });

  it('groups session_id lines into conversations, turns in file order, sessions by start time', () => {
    const trace = parse(
      lines(
        { session_id: 'b', timestamp: 100, input_length: 10 },
        { session_id: 'a', timestamp: 50, input_length: 10 },
        { session_id: 'b', delay: 2000, input_length: 5 },
        { timestamp: 60, input_length: 3 },
        { session_id: 'a', timestamp: 400, input_length: 5 },
      ),
    );
    expect(trace.sessions!.map((s) => [s.id, s.startMs, s.turns.map((t) => t.line)])).toEqual([
      ['a', 50, [2, 5]],
      ['t.jsonl:4', 60, [4]],
      ['b', 100, [1, 3]],
    ]);
    expect(trace.entries[2]).toMatchObject({ sessionId: 'b', delayMs: 2000 });
  });

  it('accepts hash_ids that fit input_length at the block size: the last block partial', () => {
    expect(parse(lines({ timestamp: 0, input_length: 1024, hash_ids: [1, 2] })).entries[0]!.hashIds).toEqual([1, 2]);
    expect(parse(lines({ timestamp: 0, input_length: 1025, hash_ids: [1, 2, 3] })).entries[0]!.hashIds).toEqual([1, 2, 3]);
    expect(parse(lines({ timestamp: 0, input_length: 20, hash_ids: [1, 2] }), 16).entries[0]!.hashIds).toEqual([1, 2]);
  });

  it('reads a file, recording its sha256', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'trace-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'trace.jsonl');
    writeFileSync(path, lines({ timestamp: 0, input_length: 4 }));
    const trace = await loadTrace(path, 'trace.jsonl');
    expect(trace.sha256).toMatch(/^[0-9a-f]{64}$/);
    await expect(loadTrace(join(dir, 'missing.jsonl'), 'missing.jsonl')).rejects.toThrow('cannot read trace file missing.jsonl: no such file');
  });
});

describe('parseTrace: every bad line is one error naming file, line and column', () => {
  it('a line without a timestamp', () => {
    expect(problem(lines({ timestamp: 0, input_length: 5 }, { input_length: 5 }))).toBe('t.jsonl:2:1: has no "timestamp" (ms from the start of the trace)');
  });

  it('a line without a length (nor a prompt or messages)', () => {
    expect(problem(lines({ timestamp: 0, output_length: 5, hash_ids: [1] }))).toBe(
      't.jsonl:1:1: has no "input_length" (nor a "prompt" or "messages"): a trace line needs its input length or its text',
    );
  });

  it('timestamps going backwards', () => {
    expect(problem(lines({ timestamp: 0, input_length: 5 }, { timestamp: 1500, input_length: 5 }, { timestamp: 1200, input_length: 5 }))).toBe(
      't.jsonl:3:2: timestamp 1200 goes backwards (line 2 has 1500): a trace must be in time order',
    );
  });

  it('timestamps going backwards within a session', () => {
    expect(problem(lines({ session_id: 's', timestamp: 900, input_length: 5 }, { session_id: 's', timestamp: 800, input_length: 5 }))).toMatch(
      /^t\.jsonl:2:\d+: timestamp 800 goes backwards within session "s" \(its turn on line 1 has 900\)$/,
    );
  });

  it('hash_ids that do not fit input_length at the block size', () => {
    expect(problem(lines({ timestamp: 0, input_length: 655, hash_ids: [1, 2, 3] }))).toBe(
      't.jsonl:1:35: "hash_ids" has 3 blocks but input_length 655 at block size 512 needs 2 (512 tokens a block, the last one partial); set --trace-block-size to the trace\'s block size',
    );
    expect(problem(lines({ timestamp: 0, input_length: 1025, hash_ids: [1, 2] }))).toContain('"hash_ids" has 2 blocks but input_length 1025 at block size 512 needs 3');
    expect(problem(lines({ timestamp: 0, input_length: 600, hash_ids: [1, 2] }), 16)).toContain('needs 38');
  });

  it('hash_ids that are not whole numbers, or without an input_length', () => {
    expect(problem(lines({ timestamp: 0, input_length: 5, hash_ids: [1.5] }))).toContain('"hash_ids" must be a list of whole numbers >= 0');
    expect(problem(lines({ timestamp: 0, prompt: 'x', hash_ids: [1] }))).toContain('"hash_ids" needs "input_length"');
  });

  it('lengths and times of the wrong kind', () => {
    expect(problem(lines({ timestamp: -1, input_length: 5 }))).toBe('t.jsonl:1:2: "timestamp" must be a number of ms >= 0, got -1');
    expect(problem(lines({ timestamp: '0', input_length: 5 }))).toContain('"timestamp" must be a number of ms >= 0, got "0"');
    expect(problem(lines({ timestamp: 0, input_length: 0 }))).toContain('"input_length" must be a whole number of tokens >= 1, got 0');
    expect(problem(lines({ timestamp: 0, input_length: 5, output_length: 2.5 }))).toContain('"output_length" must be a whole number of tokens >= 1, got 2.5');
  });

  it('invalid JSON, with its column', () => {
    expect(problem(lines({ timestamp: 0, input_length: 5 }, '{"timestamp": 1, "input_length": }'))).toMatch(/^t\.jsonl:2:34: invalid JSON: /);
  });

  it('a line that is not an object', () => {
    expect(problem(lines('[1, 2]'))).toBe('t.jsonl:1:1: each trace line must be a JSON object, got an array');
  });

  it('a session turn without a timestamp or delay', () => {
    expect(problem(lines({ session_id: 's', delay: 5, input_length: 5 }))).toContain('the first turn of session "s" needs one');
    expect(problem(lines({ session_id: 's', timestamp: 0, input_length: 5 }, { session_id: 's', input_length: 5 }))).toContain(
      'a later turn of session "s" needs one',
    );
  });

  it('messages of the wrong shape', () => {
    expect(problem(lines({ timestamp: 0, messages: [] }))).toContain('"messages" must be a non-empty list');
    expect(problem(lines({ timestamp: 0, messages: [{ content: 'x' }] }))).toContain('"messages" [0] has no "role"');
  });

  it('an empty trace, and a bad block size', () => {
    expect(problem('\n\n')).toBe('trace file t.jsonl has no entries');
    expect(problem(lines({ timestamp: 0, input_length: 5 }), 0)).toBe('--trace-block-size must be a whole number of tokens >= 1, got 0');
  });
});
