/** The journal finishes a line the kernel took only part of (a short write), from the bytes. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { RequestRecord } from '../lib/record/record.ts';
import { recordToRow } from '../lib/results/results.ts';
import { tempDir } from './helpers/run-capture.ts';

// Every write takes at most 7 bytes, as a nearly full disk or a signal may cut one short.
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const writeSync = (fd: number, data: string | Uint8Array, offset?: number) => {
    const bytes = typeof data === 'string' ? Buffer.from(data) : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    const from = typeof data === 'string' ? 0 : (offset ?? 0);
    return fs.writeSync(fd, bytes, from, Math.min(7, bytes.length - from));
  };
  return { ...fs, writeSync, default: { ...fs, writeSync } };
});

const { openJournal, readJournal } = await import('../lib/results/journal.ts');

const dir = tempDir();
afterAll(() => dir.remove());

describe('the journal on short writes', () => {
  it('writes each whole line, in order', () => {
    const record = (id: number): RequestRecord => ({ id, startedAt: 0, tokenTimes: [1, 2], reasoningTokens: 0, endedAt: 3, bytes: 10, chunks: 1, sawEndMarker: true });
    const path = join(dir.path, 'short.jsonl');
    const journal = openJournal(path, (message) => {
      throw new Error(message);
    });
    journal.append(recordToRow(record(1)));
    journal.append(recordToRow(record(2)));
    journal.close();
    expect(readFileSync(path, 'utf8')).toBe(`${JSON.stringify(recordToRow(record(1)))}\n${JSON.stringify(recordToRow(record(2)))}\n`);
    expect(readJournal(path).rows.map((row) => row.request_id)).toEqual([1, 2]);
  });
});
