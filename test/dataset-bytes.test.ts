/**
 * loadDataset on byte-level inputs: byte order marks and the characters that
 * share their first bytes, tiny and truncated files, where a decoding or CSV
 * error is placed, and JSONL values that are not what a path expects.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inferDataType, loadDataset, type Dataset, type DataSource, type FieldChoice } from '../lib/data/dataset.ts';

let dir: string;
let count = 0;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'streambench-dataset-bytes-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const ALL: FieldChoice = (columns) => columns.map((name) => ({ name, usedBy: `{{${name}}}` }));
const fields = (...names: string[]): FieldChoice => names.map((name) => ({ name, usedBy: `{{${name}}}` }));

async function load(content: string | Uint8Array, options: Partial<DataSource> & { ext?: string } = {}, choice: FieldChoice = ALL): Promise<Dataset> {
  const { ext = 'csv', ...source } = options;
  const path = join(dir, `f${count++}.${ext}`);
  await writeFile(path, content);
  return loadDataset({ path, label: `data.${ext}`, ...source }, choice);
}

async function loadError(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  expect(error?.name).toBe('UsageError');
  return error!.message;
}

const utf16le = (text: string) => Buffer.from(text, 'utf16le');
const utf16be = (text: string) => Buffer.from(text, 'utf16le').swap16();

describe('data type from the file name', () => {
  it('jsonl or ndjson only as the last extension, in any case', () => {
    expect(inferDataType('prompts.JSONL')).toBe('jsonl');
    expect(inferDataType('prompts.ndjson')).toBe('jsonl');
    expect(inferDataType('prompts.jsonl.csv')).toBe('csv');
    expect(inferDataType('prompts.csv')).toBe('csv');
  });
});

describe('byte order marks', () => {
  // Each first character shares bytes with a BOM but is not one: it must stay, and bom stay false.
  it.each([
    ['utf-8 "＿" (ef bc bf: first and last byte of the BOM)', Buffer.from('＿\nx\n'), undefined, '＿'],
    ['utf-8 "ﻠ" (ef bb a0: first two bytes)', Buffer.from('ﻠ\nx\n'), undefined, 'ﻠ'],
    ['utf-8 "绿"-like e7 bb bf (last two bytes)', Buffer.from('\u7eff\nx\n'), undefined, '\u7eff'],
    ['utf-16le "ÿ" (ff 00)', utf16le('ÿ\nx\n'), 'utf-16le', 'ÿ'],
    ['utf-16le "þ" (fe 00)', utf16le('þ\nx\n'), 'utf-16le', 'þ'],
    ['utf-16be "þ" (00 fe)', utf16be('þ\nx\n'), 'utf-16be', 'þ'],
    ['utf-16be "ÿ" (00 ff)', utf16be('ÿ\nx\n'), 'utf-16be', 'ÿ'],
  ])('%s is text, not a BOM', async (_, bytes, encoding, header) => {
    expect(Buffer.from(bytes).subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf]))).toBe(false);
    const data = await load(bytes, encoding ? { encoding } : {});
    expect(data.columns).toEqual([header]);
    expect(data.bom).toBe(false);
    expect(data.encoding).toBe(encoding ?? 'utf-8');
    expect(data.field(header)!.get(0)).toBe('x');
  });

  it('a real BOM of each kind is detected and dropped', async () => {
    for (const [bytes, encoding] of [
      [Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('a\nx\n')]), 'utf-8'],
      [Buffer.concat([Buffer.from([0xff, 0xfe]), utf16le('a\nx\n')]), 'utf-16le'],
      [Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be('a\nx\n')]), 'utf-16be'],
    ] as const) {
      const data = await load(bytes);
      expect([data.columns, data.bom, data.encoding]).toEqual([['a'], true, encoding]);
    }
  });
});

describe('tiny and truncated files', () => {
  it('a two-byte JSONL file {} is one row', async () => {
    const data = await load('{}', { ext: 'jsonl' });
    expect(data.rows).toBe(1);
    expect(data.columns).toEqual([]);
  });

  it('a file ending in half a character is not valid utf-8 (the decoder is flushed)', async () => {
    const long = Buffer.concat([Buffer.from('a\nx\ny'), Buffer.from([0xe4, 0xbd])]);
    expect(await loadError(load(long))).toBe(
      'data.csv:3: the text is not valid utf-8; if it was saved by Excel or Notepad on Chinese Windows, try "encoding": "gbk" in data_source (or --data-encoding gbk; gb18030 and big5 work too)',
    );
    // Under three bytes, the whole file is decoded at the end.
    expect(await loadError(load(Buffer.from([0x61, 0xe4])))).toMatch(/^data\.csv:1: the text is not valid utf-8/);
  });
});

describe('where a decoding error is', () => {
  it('on the line of the first bad byte, not the chunk\'s last line', async () => {
    const bytes = Buffer.concat([Buffer.from('a\n1\n'), Buffer.from([0xff]), Buffer.from('\n2\n3\n4\n')]);
    expect(await loadError(load(bytes))).toMatch(/^data\.csv:3: the text is not valid utf-8;/);
  });

  it('another encoding gets a hint to check data_source.encoding, not to try gbk', async () => {
    // A lone high surrogate is not valid UTF-16.
    const bytes = Buffer.concat([utf16le('a\nx'), Buffer.from([0x00, 0xd8]), utf16le('\n')]);
    expect(await loadError(load(bytes, { encoding: 'utf-16le' }))).toBe('data.csv:2: the text is not valid utf-16le; check data_source.encoding');
  });
});

describe('CSV errors and shapes', () => {
  it('counts of ten or more fields are given whole', async () => {
    const header = Array.from({ length: 10 }, (_, i) => `c${i}`).join(',');
    const row = Array.from({ length: 12 }, (_, i) => `${i}`).join(',');
    expect(await loadError(load(`${header}\n${row}\n`))).toBe(
      'data.csv:2: this row has 12 fields but the header has 10 (a value with a comma, quote or newline must be in double quotes)',
    );
  });

  it('a csv-parse message loses its own "at line N" (ours is in front), for any N', async () => {
    const rows = Array.from({ length: 12 }, (_, i) => `r${i}`).join('\n');
    const message = await loadError(load(`a\n${rows}\n"never closed\nmore\n`));
    expect(message).toMatch(/^data\.csv:\d+: Quote Not Closed/);
    expect(message).not.toMatch(/line \d/);
    expect(message).not.toContain('Stryker');
  });

  it('a quote inside an unquoted value is refused', async () => {
    expect(await loadError(load('a,b\nfoo"bar,1\n'))).toMatch(/^data\.csv:2: /);
  });

  it('trims spaces around header names', async () => {
    const data = await load(' a , b \n1,2\n');
    expect(data.columns).toEqual(['a', 'b']);
    expect(data.field('a')!.get(0)).toBe('1');
  });

  it('a lone CR inside a quoted value is a line break for the next row\'s line number', async () => {
    const data = await load('a\n"x\ry"\nz\n');
    expect(data.field('a')!.get(0)).toBe('x\ry');
    expect([data.line(0), data.line(1)]).toEqual([2, 4]);
  });

  it('a field no column has is named as such, even when `column` is set', async () => {
    expect(await loadError(load('a,b\n1,2\n', {}, fields('zzz')))).toBe('{{zzz}} names no column of data.csv; the columns are: a, b');
    expect(await loadError(load('a,b\n1,2\n', { column: 'a' }, fields('zzz')))).toBe('{{zzz}} names no column of data.csv; the columns are: a');
  });
});

describe('JSONL values', () => {
  it('null and numbers are not objects', async () => {
    expect(await loadError(load('{"a":1}\nnull\n', { ext: 'jsonl' }))).toBe('data.jsonl:2: each line must be a JSON object, got null');
    expect(await loadError(load('{"a":1}\n3\n', { ext: 'jsonl' }))).toBe('data.jsonl:2: each line must be a JSON object, got 3');
    expect(await loadError(load('"text"\n', { ext: 'jsonl' }))).toBe('data.jsonl:1: each line must be a JSON object, got "text"');
  });

  it('a path through null or a string finds nothing', async () => {
    expect(await loadError(load('{"a":{"b":1}}\n{"a":null}\n', { ext: 'jsonl' }, fields('a.b')))).toBe(
      'data.jsonl:2: this line has no "a.b" (for {{a.b}}); its fields: a',
    );
    expect(await loadError(load('{"a":"xyz"}\n', { ext: 'jsonl' }, fields('a.length')))).toBe(
      'data.jsonl:1: this line has no "a.length" (for {{a.length}}); its fields: a',
    );
  });

  it('`column` leaving out a nested path\'s top key names the key', async () => {
    expect(await loadError(load('{"a":1,"b":{"c":2}}\n', { ext: 'jsonl', column: 'a' }, fields('b.c')))).toBe(
      '{{b.c}} uses column "b", which data_source.column leaves out (it allows: a)',
    );
  });

  it('an empty JSONL file with `column` is empty, not missing the column', async () => {
    expect(await loadError(load('\n', { ext: 'jsonl', column: 'a' }))).toBe('data file data.jsonl is empty');
  });
});
