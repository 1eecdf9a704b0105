import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { journalPathFor, openJournal, parseJournal, readJournal } from '../lib/results/journal.ts';
import type { RequestRecord } from '../lib/record/record.ts';
import { recordToRow, rowToRecord } from '../lib/results/results.ts';
import { summarize } from '../lib/stats/summary.ts';
import { tempDir } from './helpers/run-capture.ts';

const dir = tempDir();
afterAll(() => dir.remove());

const ok = (id: number, start: number): RequestRecord => ({
  id,
  startedAt: start,
  headersAt: start + 5,
  firstByteAt: start + 6,
  firstTokenAt: start + 100,
  firstAnswerAt: start + 100,
  tokenTimes: [start + 100, start + 120, start + 140],
  reasoningTokens: 0,
  endedAt: start + 150,
  status: 200,
  bytes: 900,
  chunks: 4,
  usage: { inputTokens: 10, outputTokens: 3 },
  sawEndMarker: true,
});
const failed: RequestRecord = {
  id: 3,
  startedAt: 10,
  headersAt: 12,
  tokenTimes: [],
  reasoningTokens: 0,
  endedAt: 13,
  status: 429,
  bytes: 0,
  chunks: 0,
  sawEndMarker: false,
  error: { kind: 'http', status: 429, message: '[POST] "http://x/": 429 Too Many Requests', body: '{"error":{}}', retryAfter: '7' },
};

describe('journalPathFor', () => {
  it('puts the journal beside the results file', () => {
    expect(journalPathFor('results/run.json')).toBe('results/run.jsonl');
    expect(journalPathFor('results/run')).toBe('results/run.jsonl');
    expect(journalPathFor('out.data')).toBe('out.data.jsonl');
  });
});

describe('the journal', () => {
  it('holds one MetricRow per line that reads back to the same records and summary', () => {
    const path = join(dir.path, 'roundtrip.jsonl');
    const records = [ok(1, 0), ok(2, 50), failed];
    const journal = openJournal(path, () => {});
    for (const record of records) journal.append(recordToRow(record));
    journal.close();

    expect(readFileSync(path, 'utf8').split('\n')).toHaveLength(4);
    const { rows, truncatedTail } = readJournal(path);
    expect(truncatedTail).toBe(false);
    expect(rows.map((row) => row.request_id)).toEqual([1, 2, 3]);
    expect(rows[2]).toMatchObject({ error_kind: 'http', status: 429, retry_after: '7' });
    // summarize reads a journal as it reads a results file.
    expect(summarize(rows.map(rowToRecord))).toEqual(summarize(records));
  });

  it('truncates an old journal of the same name', () => {
    const path = join(dir.path, 'reused.jsonl');
    writeFileSync(path, 'old line\n');
    openJournal(path, () => {}).close();
    expect(readFileSync(path, 'utf8')).toBe('');
  });

  it('skips a last line cut short by a crash, but rejects a bad line elsewhere', () => {
    const path = join(dir.path, 'cut.jsonl');
    const journal = openJournal(path, () => {});
    journal.append(recordToRow(ok(1, 0)));
    journal.close();
    appendFileSync(path, JSON.stringify(recordToRow(ok(2, 0))).slice(0, 40));
    expect(readJournal(path)).toMatchObject({ truncatedTail: true, rows: [{ request_id: 1 }] });

    writeFileSync(path, '{"not":"a row"}\n' + JSON.stringify(recordToRow(ok(1, 0))) + '\n');
    expect(() => readJournal(path)).toThrow(/cut\.jsonl:1: not a streambench metric row/);
  });

  it('keeps a complete, valid last line that has no newline (a journal written by another tool, or edited)', () => {
    const path = join(dir.path, 'no-newline.jsonl');
    writeFileSync(path, JSON.stringify(recordToRow(ok(1, 0))) + '\n' + JSON.stringify(recordToRow(ok(2, 0))));
    const contents = readJournal(path);
    expect(contents.truncatedTail).toBe(false);
    expect(contents.rows.map((row) => row.request_id)).toEqual([1, 2]);
    expect(rowToRecord(contents.rows[1]!)).toEqual(ok(2, 0));
  });

  it('skips blank lines, ignores a whitespace-only tail, and names the file line of a bad row', () => {
    const row = JSON.stringify(recordToRow(ok(1, 0)));
    expect(parseJournal(`${row}\n\n  \n${row}\n  `, 'j.jsonl')).toMatchObject({ truncatedTail: false, rows: [{ request_id: 1 }, { request_id: 1 }] });
    // A reader that took a header line off passes firstLine 2: the bad second line is the file's line 3.
    expect(() => parseJournal(`${row}\n{oops\n${row}\n`, 'j.jsonl', 2)).toThrow(/^j\.jsonl:3: invalid JSON: /);
  });

  it('cannot read a journal that is not there: a usage error naming it', () => {
    expect(() => readJournal(join(dir.path, 'missing.jsonl'))).toThrow(`cannot read journal ${join(dir.path, 'missing.jsonl')}: ENOENT`);
  });

  it('writes nothing more once closed', () => {
    const path = join(dir.path, 'closed.jsonl');
    const journal = openJournal(path, () => {});
    journal.append(recordToRow(ok(1, 0)));
    journal.close();
    journal.append(recordToRow(ok(2, 0)));
    journal.close();
    expect(readJournal(path).rows.map((row) => row.request_id)).toEqual([1]);
  });

  it.skipIf(!existsSync('/dev/full'))('reports a failed write once and keeps the run going', () => {
    const errors: string[] = [];
    // /dev/full accepts the open and fails every write with ENOSPC.
    const journal = openJournal('/dev/full', (message) => errors.push(message));
    journal.append(recordToRow(ok(1, 0)));
    journal.append(recordToRow(ok(2, 0)));
    journal.close();
    expect(errors).toEqual(['journal /dev/full stopped: ENOSPC']);
  });

  it('cannot be created in a missing or unwritable folder: a usage error', () => {
    expect(() => openJournal(join(dir.path, 'no', 'such', 'x.jsonl'), () => {})).toThrow(
      /cannot create the journal .*x\.jsonl \(ENOENT\): is its folder writable\? Choose another with --output/,
    );
  });
});
