import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValueKind } from '../lib/data/column-store.ts';
import { loadDataset, type Dataset, type DataSource, type FieldChoice } from '../lib/data/dataset.ts';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures');
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'streambench-dataset-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const ALL: FieldChoice = (columns) => columns.map((name) => ({ name, usedBy: `placeholder {{${name}}}` }));

async function write(name: string, content: string | Uint8Array): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

function load(path: string, fields: FieldChoice = ALL, options: Partial<DataSource> = {}): Promise<Dataset> {
  return loadDataset({ path, label: options.label ?? path.split('/').pop()!, ...options }, fields);
}

/** Every stored row of a dataset as objects, for comparisons. */
function rowsOf(data: Dataset, fields = data.columns): Array<Record<string, string>> {
  return Array.from({ length: data.rows }, (_, row) =>
    Object.fromEntries(fields.map((name) => [name, data.field(name)!.get(row)])),
  );
}

async function loadError(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    expect((error as Error).name).toBe('UsageError');
    const message = (error as Error).message;
    expect(message).not.toContain('\n');
    return message;
  }
  throw new Error('expected a UsageError');
}

const SEED_ROWS = [
  { content: '写一个关于人工智能的短文', topic: 'AI', category: '科技' },
  { content: '介绍Python编程语言的特点和应用', topic: '编程', category: '技术' },
  { content: '分析机器学习算法的优缺点', topic: 'ML', category: '科技' },
  { content: '解释深度学习的原理', topic: '深度学习', category: '科技' },
  { content: '讨论自然语言处理的发展趋势', topic: 'NLP', category: '科技' },
];

describe('CSV decoding', () => {
  const text = 'content,topic,category\r\n' + SEED_ROWS.map((r) => `${r.content},${r.topic},${r.category}`).join('\r\n') + '\r\n';

  it('reads the shipped seed example', async () => {
    const data = await load(join(FIXTURES, 'test_data.csv'));
    expect(data.columns).toEqual(['content', 'topic', 'category']);
    expect(rowsOf(data)).toEqual(SEED_ROWS);
    expect(data.line(0)).toBe(2);
    expect(data.encoding).toBe('utf-8');
    expect(data.bom).toBe(false);
  });

  it('reads utf-8 with a BOM (Excel "CSV UTF-8"), even when another encoding is configured', async () => {
    const path = await write('bom.csv', '\uFEFF' + text);
    for (const encoding of [undefined, 'gbk']) {
      const data = await load(path, ALL, { encoding });
      expect(data.columns[0]).toBe('content'); // not "\uFEFFcontent"
      expect(rowsOf(data)).toEqual(SEED_ROWS);
      expect(data).toMatchObject({ encoding: 'utf-8', bom: true });
    }
  });

  it('reads utf-16le and utf-16be with a BOM', async () => {
    const le = Buffer.from('\uFEFF' + text, 'utf16le');
    const be = Buffer.from(le).swap16();
    expect([...be.subarray(0, 2)]).toEqual([0xfe, 0xff]);
    for (const [name, bytes, encoding] of [['le.csv', le, 'utf-16le'], ['be.csv', be, 'utf-16be']] as const) {
      const data = await load(await write(name, bytes));
      expect(rowsOf(data)).toEqual(SEED_ROWS);
      expect(data).toMatchObject({ encoding, bom: true });
    }
  });

  it('reads gbk, gb18030 and big5 files when told the encoding', async () => {
    const gbk = await load(join(FIXTURES, 'encodings', 'gbk.csv'), ALL, { encoding: 'gbk' });
    expect(rowsOf(gbk)).toEqual([
      { content: '写一个关于人工智能的短文, 要求简洁', topic: 'AI', category: '科技' },
      { content: '他说"你好"', topic: '问候', category: '日常' },
    ]);
    const gb18030 = await load(join(FIXTURES, 'encodings', 'gb18030.csv'), ALL, { encoding: 'gb18030' });
    expect(gb18030.field('content')!.get(1)).toBe('表情😀与生僻字𠀀'); // four-byte GB18030 sequences
    const big5 = await load(join(FIXTURES, 'encodings', 'big5.csv'), ALL, { encoding: 'big5' });
    expect(rowsOf(big5)).toEqual([
      { content: '寫一篇關於人工智慧的短文, 要求簡潔', topic: 'AI', category: '科技' },
      { content: '他說"你好"', topic: '問候', category: '日常' },
    ]);
  });

  it('refuses undecodable text with the line and a hint to try gbk', async () => {
    const message = await loadError(load(join(FIXTURES, 'encodings', 'gbk.csv'), ALL, { label: 'gbk.csv' }));
    expect(message).toBe(
      'gbk.csv:2: the text is not valid utf-8; if it was saved by Excel or Notepad on Chinese Windows, try "encoding": "gbk" in data_source (or --data-encoding gbk; gb18030 and big5 work too)',
    );
  });

  it('places a decoding error on its line deep in a file (across read chunks)', async () => {
    const lines = ['a'];
    for (let i = 0; i < 20_000; i++) lines.push(`value ${i}`);
    const good = Buffer.from(lines.join('\n') + '\n');
    const path = await write('late-bad.csv', Buffer.concat([good, Buffer.from([0xc4, 0xe3, 0x0a])]));
    expect(await loadError(load(path, ALL, { label: 'late.csv' }))).toMatch(/^late\.csv:20002: the text is not valid utf-8/);
  });

  it('names an unknown encoding', async () => {
    const path = await write('any.csv', text);
    expect(await loadError(load(path, ALL, { encoding: 'klingon' }))).toBe(
      'data_source.encoding: unknown encoding "klingon"; try utf-8, gbk, gb18030, big5, utf-16le, utf-16be',
    );
  });
});

describe('CSV shapes', () => {
  it('keeps commas, doubled quotes and newlines inside quoted fields, and numbers rows by their first line', async () => {
    const path = await write(
      'quoted.csv',
      'id,text\r\n1,"a, b"\r\n2,"she said ""hi"""\r\n3,"line one\r\nline two\nline three"\r\n\r\n4,plain\r\n',
    );
    const data = await load(path);
    expect(rowsOf(data)).toEqual([
      { id: '1', text: 'a, b' },
      { id: '2', text: 'she said "hi"' },
      { id: '3', text: 'line one\r\nline two\nline three' },
      { id: '4', text: 'plain' },
    ]);
    expect([0, 1, 2, 3].map((row) => data.line(row))).toEqual([2, 3, 4, 8]);
  });

  it('keeps line numbers right after CRLFs inside quotes, in errors too', async () => {
    const path = await write('crlf.csv', 'id,text\r\n1,"a\r\nb\r\nc"\r\n2,d\r\n3,e,extra\r\n');
    const data = await load(path, [{ name: 'id', usedBy: 'x' }], { label: 'crlf.csv' }).catch((error: Error) => error);
    expect((data as Error).message).toMatch(/^crlf\.csv:6: this row has 3 fields/);
  });

  it('accepts a last line without a newline and skips blank lines', async () => {
    const data = await load(await write('tail.csv', 'a,b\n\n1,2\n\n3,4'));
    expect(rowsOf(data)).toEqual([
      { a: '1', b: '2' },
      { a: '3', b: '4' },
    ]);
  });

  it('fingerprints the file: sha256 of its bytes, row count, every column', async () => {
    const path = join(FIXTURES, 'test_data.csv');
    const data = await load(path, [{ name: 'content', usedBy: 'x' }], { label: 'test_data.csv' });
    const sha256 = createHash('sha256').update(await readFile(path)).digest('hex');
    expect(data.fingerprint()).toEqual({ file: 'test_data.csv', sha256, rows: 5, columns: ['content', 'topic', 'category'] });
    expect(data.field('topic')).toBeUndefined(); // only requested fields are kept
  });

  it('keeps only the requested columns, and lets `column` limit them', async () => {
    const path = join(FIXTURES, 'test_data.csv');
    const data = await load(path, (columns) => [{ name: columns[0]!, usedBy: 'x' }], { column: 'content' });
    expect(data.usable).toEqual(['content']);
    expect(data.field('content')!.get(4)).toBe('讨论自然语言处理的发展趋势');
  });
});

describe('bad data files: one line, before any request', () => {
  const placeholder = (name: string) => [{ name, usedBy: `{{${name}}} in body.messages[0].content` }];

  it('missing or unreadable', async () => {
    expect(await loadError(load(join(dir, 'nope.csv'), ALL, { label: 'nope.csv' }))).toBe('cannot read data file nope.csv: no such file');
    await mkdir(join(dir, 'folder.csv'));
    expect(await loadError(load(join(dir, 'folder.csv'), ALL, { label: 'folder.csv' }))).toBe(
      'cannot read data file folder.csv: it is a folder',
    );
  });

  it('empty, blank, BOM-only, or header-only', async () => {
    for (const [name, content] of [['empty.csv', ''], ['blank.csv', '\n\n'], ['bom-only.csv', '\uFEFF']] as const) {
      expect(await loadError(load(await write(name, content), ALL, { label: name }))).toBe(`data file ${name} is empty`);
    }
    for (const content of ['content,topic', 'content,topic\r\n', 'content,topic\n\n']) {
      expect(await loadError(load(await write('header.csv', content), ALL, { label: 'header.csv' }))).toBe(
        'data file header.csv has a header but no data rows',
      );
    }
    expect(await loadError(load(await write('empty.jsonl', '\n \n'), ALL, { label: 'empty.jsonl' }))).toBe(
      'data file empty.jsonl is empty',
    );
  });

  it('a row with the wrong number of fields: file:line', async () => {
    const path = await write('fields.csv', 'content,topic\nfine,ok\nhello, world,AI\n');
    expect(await loadError(load(path, ALL, { label: 'fields.csv' }))).toBe(
      'fields.csv:3: this row has 3 fields but the header has 2 (a value with a comma, quote or newline must be in double quotes)',
    );
  });

  it('an unclosed quote: file:line', async () => {
    const path = await write('quote.csv', 'content,topic\n"never closed,AI\nmore,rows\n');
    expect(await loadError(load(path, ALL, { label: 'quote.csv' }))).toMatch(/^quote\.csv:\d+: Quote Not Closed/);
  });

  it('a placeholder naming a column that does not exist lists the columns', async () => {
    const path = join(FIXTURES, 'test_data.csv');
    expect(await loadError(load(path, placeholder('contnet'), { label: 'test_data.csv' }))).toBe(
      '{{contnet}} in body.messages[0].content names no column of test_data.csv; the columns are: content, topic, category',
    );
  });

  it('`column` naming a column that does not exist, or leaving out one that is used', async () => {
    const path = join(FIXTURES, 'test_data.csv');
    expect(await loadError(load(path, placeholder('content'), { label: 'test_data.csv', column: 'prompt' }))).toBe(
      'data_source.column: test_data.csv has no column "prompt"; its columns: content, topic, category',
    );
    expect(await loadError(load(path, placeholder('topic'), { label: 'test_data.csv', column: 'content' }))).toBe(
      '{{topic}} in body.messages[0].content uses column "topic", which data_source.column leaves out (it allows: content)',
    );
  });

  it('a header naming a column twice', async () => {
    const path = await write('dup.csv', 'a,b,a\n1,2,3\n');
    expect(await loadError(load(path, ALL, { label: 'dup.csv' }))).toBe('dup.csv:1: the header names column "a" twice');
  });
});

describe('JSONL', () => {
  const lines = [
    '{"prompt":"你好 \\"quoted\\"","meta":{"lang":"zh","max":64},"tags":["a"],"n":null}',
    '',
    '{"prompt":"hello","meta":{"lang":"en","max":128},"extra":true,"tags":[]}\r',
  ].join('\n');

  it('reads one object per line, nested paths and every value kind', async () => {
    const path = await write('data.jsonl', lines);
    const data = await load(path, ['prompt', 'meta.lang', 'meta.max', 'tags', 'meta'].map((name) => ({ name, usedBy: name })));
    expect(data.type).toBe('jsonl');
    expect(data.rows).toBe(2);
    expect(data.columns).toEqual(['prompt', 'meta', 'tags', 'n', 'extra']);
    expect(data.field('tags')!.get(1)).toBe('[]');
    expect([data.line(0), data.line(1)]).toEqual([1, 3]);
    const prompt = data.field('prompt')!;
    expect([prompt.get(0), prompt.kind(0)]).toEqual(['你好 "quoted"', ValueKind.String]);
    expect(data.field('meta.lang')!.get(1)).toBe('en');
    const max = data.field('meta.max')!;
    expect([max.get(1), max.kind(1)]).toEqual(['128', ValueKind.Json]);
    expect(data.field('tags')!.get(0)).toBe('["a"]');
    expect(JSON.parse(data.field('meta')!.get(0))).toEqual({ lang: 'zh', max: 64 });
  });

  it('a line missing a used field names the line and what it has', async () => {
    const path = await write('missing.jsonl', lines);
    expect(await loadError(load(path, [{ name: 'n', usedBy: '{{n}} in body.x' }], { label: 'm.jsonl' }))).toBe(
      'm.jsonl:3: this line has no "n" (for {{n}} in body.x); its fields: prompt, meta, extra, tags',
    );
    expect(await loadError(load(path, [{ name: 'meta.lang.x', usedBy: 'x' }], { label: 'm.jsonl' }))).toMatch(
      /^m\.jsonl:1: this line has no "meta\.lang\.x"/,
    );
  });

  it('invalid JSON is file:line:column; a line that is not an object is named', async () => {
    const bad = await write('bad.jsonl', '{"a":1}\n{"a":2,}\n');
    expect(await loadError(load(bad, ALL, { label: 'bad.jsonl' }))).toMatch(/^bad\.jsonl:2:\d+: invalid JSON/);
    const array = await write('array.jsonl', '{"a":1}\n[1,2]\n');
    expect(await loadError(load(array, ALL, { label: 'array.jsonl' }))).toBe('array.jsonl:2: each line must be a JSON object, got an array');
  });

  it('`column` limits the top-level keys', async () => {
    const path = await write('limit.jsonl', lines);
    const data = await load(path, [{ name: 'meta.lang', usedBy: 'x' }], { column: ['meta'] });
    expect(data.field('meta.lang')!.get(0)).toBe('zh');
    expect(await loadError(load(path, [{ name: 'prompt', usedBy: 'x' }], { column: ['meta'] }))).toMatch(/leaves out/);
    expect(await loadError(load(path, [{ name: 'meta', usedBy: 'x' }], { column: ['meta', 'nope'], label: 'l.jsonl' }))).toBe(
      'data_source.column: l.jsonl has no column "nope"; its columns: prompt, meta, tags, n, extra',
    );
  });
});

describe('memory', () => {
  it('loads a 200k-row CSV holding less than twice its size', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const lines = ['id,prompt,category'];
    for (let i = 0; i < 200_000; i++) {
      lines.push(`${i},"Prompt ${i}: 写一个关于人工智能的短文, about ""topic"" ${i % 97}",cat${i % 7}`);
    }
    const path = await write('big.csv', lines.join('\n') + '\n');
    lines.length = 0;
    const size = (await readFile(path)).length;

    gc();
    const before = process.memoryUsage();
    const data = await load(path);
    gc();
    const after = process.memoryUsage();

    const held = after.heapUsed + after.external - (before.heapUsed + before.external);
    expect(data.rows).toBe(200_000);
    expect(data.field('prompt')!.get(199_999)).toBe(`Prompt 199999: 写一个关于人工智能的短文, about "topic" ${199_999 % 97}`);
    expect(data.field('category')!.get(12_345)).toBe(`cat${12_345 % 7}`);
    expect(held).toBeLessThan(2 * size);
  });
});
