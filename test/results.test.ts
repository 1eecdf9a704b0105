import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildFixtures } from '../fixtures/results/make.ts';
import { MetricRowSchema, parseResults, readResults, recordToRow, rowToRecord, SCHEMA_VERSION, serializeResults } from '../lib/results/results.ts';
import type { RequestRecord } from '../lib/record/record.ts';
import { loadResults, parseResultsJsonl } from '../lib/results/results-load.ts';
import { summarize } from '../lib/stats/summary.ts';

const FIXTURES = join(import.meta.dirname, '../fixtures/results');
const fixture = (name: string) => join(FIXTURES, name);
const tmp = mkdtempSync(join(tmpdir(), 'streambench-results-'));
function write(name: string, content: string): string {
  const path = join(tmp, name);
  writeFileSync(path, content);
  return path;
}

describe('results fixtures', () => {
  it('are what fixtures/results/make.ts generates (reproducible from their seeds)', () => {
    for (const [name, content] of Object.entries(buildFixtures())) {
      expect(readFileSync(fixture(name), 'utf8'), name).toBe(content);
    }
  });
});

describe('the results contract', () => {
  it('reads a results file and its rows round-trip through records', async () => {
    const { results, notes } = await loadResults(fixture('base.json'));
    expect(notes).toEqual([]);
    expect(results.schema_version).toBe(SCHEMA_VERSION);
    expect(results.metrics).toHaveLength(500);
    const row = results.metrics[0]!;
    expect(recordToRow(rowToRecord(row))).toEqual(row);
  });

  it('keeps fields it does not know (written by newer versions or other features)', () => {
    const base = JSON.parse(readFileSync(fixture('base.json'), 'utf8'));
    base.timeseries = { bucket_seconds: 1, buckets: [] };
    base.metrics[0].group = 'short';
    base.metrics[0].future_field = 42;
    const results = parseResults(base, 'x.json');
    expect(results.timeseries).toEqual({ bucket_seconds: 1, buckets: [] });
    expect(results.metrics[0]).toMatchObject({ group: 'short', future_field: 42 });
  });

  it('refuses an older schema version it cannot migrate, and a newer one, saying which', async () => {
    await expect(loadResults(fixture('old-schema.json'), 'old.json')).rejects.toThrow(
      'old.json has results schema_version 0, which this streambench cannot migrate to 1: re-run the test',
    );
    const base = JSON.parse(readFileSync(fixture('base.json'), 'utf8'));
    expect(() => parseResults({ ...base, schema_version: 7 }, 'new.json')).toThrow(
      'new.json has results schema_version 7, newer than this streambench reads (1): upgrade streambench',
    );
    // The very next version is already newer: the same message, not a vaguer schema error.
    expect(() => parseResults({ ...base, schema_version: SCHEMA_VERSION + 1 }, 'next.json')).toThrow(
      `next.json has results schema_version ${SCHEMA_VERSION + 1}, newer than this streambench reads (${SCHEMA_VERSION}): upgrade streambench`,
    );
    expect(parseResults({ ...base, schema_version: SCHEMA_VERSION }, 'same.json').schema_version).toBe(SCHEMA_VERSION);
    expect(() => parseResults({ ...base, schema_version: '1' }, 'x.json')).toThrow('x.json: schema_version must be an integer, got "1"');
  });

  it('gives one line for a JSON file that is not results, naming the field when close', async () => {
    await expect(loadResults(fixture('not-results.json'), 'package.json')).rejects.toThrow(
      "package.json is not a streambench results file (no schema_version, and not the original tool's config/summary/metrics shape)",
    );
    const base = JSON.parse(readFileSync(fixture('base.json'), 'utf8'));
    base.metrics[3].timestamps.started = 'soon';
    expect(() => parseResults(base, 'broken.json')).toThrow(
      /^broken\.json is not a valid streambench results file \(metrics\.3\.timestamps\.started: .*number/,
    );
  });

  it('names line and column of invalid JSON, and a missing file', async () => {
    const path = write('bad.json', '{\n  "schema_version": 1,\n  oops\n}');
    await expect(loadResults(path, 'bad.json')).rejects.toThrow(/^bad\.json:3:3: invalid JSON/);
    await expect(loadResults(join(tmp, 'nope.json'), 'nope.json')).rejects.toThrow('cannot read results file nope.json: no such file');
    await expect(readResults(join(tmp, 'nope.json'))).rejects.toThrow(/cannot read results file .*nope\.json: no such file/);
    await expect(readResults(path)).rejects.toThrow(/bad\.json:3:3: invalid JSON/);
  });
});

describe("the original tool's results JSON", () => {
  it('becomes records with synthesized start times, keeping TTFT, E2E, tokens and errors', async () => {
    const { results, notes } = await loadResults(fixture('seed-format.json'));
    const seed = JSON.parse(readFileSync(fixture('seed-format.json'), 'utf8'));
    expect(results.run.imported_from).toBe('seed-json');
    expect(notes.join(' ')).toMatch(/synthesized by replaying a closed loop.*TPOT, ITL, bytes and end markers are unknown/);
    const records = results.metrics.map(rowToRecord);
    const summary = summarize(records);
    expect(summary.total_requests).toBe(20);
    expect(summary.failed_count).toBe(1);
    expect(summary.errors).toEqual({ http: 1 });
    expect(records.find((r) => r.error)!.error).toMatchObject({ kind: 'http', status: 503, message: 'HTTP 503: upstream overloaded' });
    expect(summary.tpot).toBeUndefined();
    seed.metrics.forEach((row: { ttft: number | null; total_time: number; total_tokens: number; error: string | null }, i: number) => {
      const got = results.metrics[i]!;
      if (row.error) return;
      expect(got.ttft).toBeCloseTo(row.ttft!, 6);
      expect(got.total_time).toBeCloseTo(row.total_time, 6);
      expect(got.total_tokens).toBe(row.total_tokens);
    });
    // A closed loop at the original tool's concurrency (4): never more than 4 in flight, and the 5th waits for the first to end.
    const starts = records.map((r) => r.startedAt);
    expect(starts.slice(0, 4)).toEqual([0, 0, 0, 0]);
    expect(starts[4]).toBeCloseTo(Math.min(...records.slice(0, 4).map((r) => r.endedAt)), 6);
  });

  it('points at the field when the original tool shape is broken', async () => {
    const path = write('seed-bad.json', JSON.stringify({ config: { url: 'x', concurrency: 2, total_requests: 1 }, metrics: [{ request_id: 'a' }] }));
    await expect(loadResults(path, 'seed-bad.json')).rejects.toThrow(
      /^seed-bad\.json looks like the original tool's results JSON but is not valid \(metrics\.0\.request_id: /,
    );
  });
});

describe('a .jsonl journal of metric rows', () => {
  it('reads the header and the rows, and drops a half-written last line with a note', async () => {
    const { results, notes } = await loadResults(fixture('journal.jsonl'), 'journal.jsonl');
    const base = (await loadResults(fixture('base.json'))).results;
    expect(results.metrics).toEqual(base.metrics.slice(0, 49));
    expect(results.config.url).toBe(base.config.url);
    expect(results.run.started_at).toBe(base.run.started_at);
    expect(notes).toEqual(['line 51: dropped an incomplete last line (the run was probably killed while writing it)']);
  });

  it('without a header, estimates the start from the file time and the concurrency from the rows', () => {
    const base = JSON.parse(readFileSync(fixture('base.json'), 'utf8'));
    const rows = base.metrics.slice(0, 30);
    const text = rows.map((row: unknown) => JSON.stringify(row)).join('\n') + '\n';
    const lastEnd = Math.max(...rows.map((row: { timestamps: { ended: number } }) => row.timestamps.ended));
    const written = new Date('2025-01-06T10:00:00.000Z');
    const { results, notes } = parseResultsJsonl(text, 'j.jsonl', written);
    expect(results.run.imported_from).toBe('jsonl');
    expect(Date.parse(results.run.started_at)).toBe(Math.round(written.getTime() - lastEnd));
    expect(results.config.concurrency).toBe(10);
    expect(notes.join(' ')).toMatch(/url, model and protocol are unknown/);
  });

  it('names the line of a row that is not a metric row', () => {
    const base = JSON.parse(readFileSync(fixture('base.json'), 'utf8'));
    const text = [JSON.stringify(base.metrics[0]), JSON.stringify({ request_id: 2 }), JSON.stringify(base.metrics[1])].join('\n');
    expect(() => parseResultsJsonl(text, 'j.jsonl', new Date())).toThrow(/^j\.jsonl:2: not a streambench metric row \(ttft: /);
    // After a header line, line numbers still count from the top of the file.
    const header = JSON.stringify({ config: base.config, run: base.run });
    expect(() => parseResultsJsonl(`${header}\n${text}`, 'j.jsonl', new Date())).toThrow(/^j\.jsonl:3: not a streambench metric row/);
    expect(() => parseResultsJsonl('{"a":\n' + JSON.stringify(base.metrics[0]), 'j.jsonl', new Date())).toThrow(/^j\.jsonl:1: invalid JSON/);
    expect(() => parseResultsJsonl('\n\n', 'j.jsonl', new Date())).toThrow('j.jsonl holds no metric rows');
  });
});

describe('a row and its record', () => {
  const full: RequestRecord = {
    id: 7,
    intendedAt: 90,
    startedAt: 100,
    headersAt: 105,
    firstByteAt: 106,
    firstTokenAt: 150,
    firstAnswerAt: 170,
    tokenTimes: [150, 170, 190],
    reasoningTokens: 1,
    endedAt: 200,
    status: 200,
    bytes: 300,
    chunks: 4,
    usage: { inputTokens: 11, outputTokens: 9 },
    sawEndMarker: true,
    protocol: 'openai-chat',
    tokenizerTokens: 8,
    warmup: false,
    attempt: 2,
    level: 4,
    rowIndex: 0,
    group: 'short',
  };
  const failed: RequestRecord = {
    id: 8,
    startedAt: 10,
    tokenTimes: [],
    reasoningTokens: 0,
    endedAt: 20,
    status: 429,
    bytes: 0,
    chunks: 0,
    sawEndMarker: false,
    usage: { inputTokens: 3, outputTokens: 0 },
    warmup: true,
    error: { kind: 'http', status: 429, message: '429 Too Many Requests', body: '{}', retryAfter: '7', code: 'rate_limit' },
  };
  const bare: RequestRecord = { id: 9, startedAt: 0, tokenTimes: [], reasoningTokens: 0, endedAt: 5, bytes: 0, chunks: 0, sawEndMarker: false, error: { kind: 'connect', message: 'ECONNREFUSED' } };

  it.each([
    ['every optional field', full],
    ['a failed request with its error details', failed],
    ['a failure with nothing optional', bare],
  ])('round-trip exactly: %s', (_name, record) => {
    const row = MetricRowSchema.parse(JSON.parse(JSON.stringify(recordToRow(record))));
    expect(rowToRecord(row)).toStrictEqual(record);
  });

  it('write no field a record does not have', () => {
    expect(Object.keys(recordToRow(bare)).sort()).toEqual(
      ['bytes', 'chunks', 'end_marker', 'error', 'error_kind', 'reasoning_tokens', 'request_id', 'status', 'timestamps', 'token_source', 'token_times', 'tokens_per_second', 'total_time', 'total_tokens', 'ttft'].sort(),
    );
    expect(recordToRow({ ...full, usage: {} }).usage).toStrictEqual({});
    expect(recordToRow({ ...full, usage: { inputTokens: 3 } }).usage).toStrictEqual({ input_tokens: 3 });
    // A status on a non-HTTP failure is the response's, not the error's.
    const midStream = rowToRecord(recordToRow({ ...bare, status: 200, error: { kind: 'protocol', message: 'malformed JSON' } }));
    expect(midStream.status).toBe(200);
    expect(midStream.error).toStrictEqual({ kind: 'protocol', message: 'malformed JSON' });
  });
});

describe('the results schema refuses, naming the field', () => {
  const base = () => JSON.parse(readFileSync(fixture('base.json'), 'utf8'));
  it.each<[string, (json: any) => void, RegExp]>([
    ['a distribution without p99', (j) => delete j.summary.ttft.p99, /summary\.ttft\.p99/],
    ['a negative row_index', (j) => (j.metrics[0].row_index = -1), /metrics\.0\.row_index/],
    ['attempt 1 (the first attempt has none)', (j) => (j.metrics[0].attempt = 1), /metrics\.0\.attempt/],
    ['a source without its request_id', (j) => (j.metrics[0].source = { file: 0 }), /metrics\.0\.source\.request_id/],
    ['a sweep of an unknown parameter', (j) => (j.sweep = { parameter: 'temperature', levels: [] }), /sweep\.parameter/],
    ['a sweep level without a value', (j) => (j.sweep = { parameter: 'rate', levels: [{ summary: j.summary }] }), /sweep\.levels\.0\.value/],
    ['a dataset without its hash', (j) => (j.dataset = { file: 'd.csv', rows: 1, columns: [] }), /dataset\.sha256/],
    ['shard index -1', (j) => (j.shard = { index: -1, count: 2 }), /shard\.index/],
    ['shard count 0', (j) => (j.shard = { index: 0, count: 0 }), /shard\.count/],
    ['a threshold without pass', (j) => (j.thresholds = [{ rule: 'ttft.p99 < 1', observed: 0.5 }]), /thresholds\.0\.pass/],
    ['merged_from without offset_ms', (j) => (j.merged_from = [{ file: 'a.json', started_at: 'x', requests: 1 }]), /merged_from\.0\.offset_ms/],
    ['another tool', (j) => (j.tool.name = 'other'), /tool\.name/],
    ['a config without its url', (j) => delete j.config.url, /config\.url/],
    ['a summary without success_count', (j) => delete j.summary.success_count, /summary\.success_count/],
  ])('%s', (_name, spoil, field) => {
    const json = base();
    spoil(json);
    expect(() => parseResults(json, 'r.json')).toThrow(field);
  });
});

describe('reading and writing results files', () => {
  it('reads a file with a byte-order mark, and names a missing file or a folder', async () => {
    const text = readFileSync(fixture('base.json'), 'utf8');
    expect((await readResults(write('bom.json', '\uFEFF' + text))).metrics).toHaveLength(500);
    await expect(readResults(join(tmp, 'none.json'))).rejects.toThrow(`cannot read results file ${join(tmp, 'none.json')}: no such file`);
    await expect(readResults(tmp)).rejects.toThrow(`cannot read results file ${tmp}: EISDIR`);
  });

  it('serializes to the same JSON as stringifying the whole, empty strings after the metrics included', async () => {
    const results = { ...JSON.parse(readFileSync(fixture('base.json'), 'utf8')), after: '', also: { x: '' } };
    const records = results.metrics.slice(0, 3).map(rowToRecord);
    const text = [...serializeResults(results, records)].join('');
    expect(text).toBe(JSON.stringify({ ...results, metrics: records.map(recordToRow) }) + '\n');
    // The transform (redaction) reaches the head and every row.
    const mark = <T,>(value: T): T => ({ ...value, marked: true }) as T;
    const marked = JSON.parse([...serializeResults(results, records, mark)].join(''));
    expect(marked.marked).toBe(true);
    expect(marked.metrics.map((row: { marked?: boolean }) => row.marked)).toEqual([true, true, true]);
  });
});
