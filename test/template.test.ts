import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDataset, type Dataset } from '../lib/data/dataset.ts';
import { compileTemplate, findPlaceholders, type RequestTemplate } from '../lib/data/template.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'streambench-template-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let fileCount = 0;
/** Writes the data file and loads the fields the template uses, as a run does. */
async function dataFor(template: RequestTemplate, content: string, type: 'csv' | 'jsonl' = 'csv'): Promise<Dataset> {
  const label = `data${++fileCount}.${type}`;
  const path = join(dir, label);
  await writeFile(path, content);
  const fields = findPlaceholders(template).map((p) => ({ name: p.field, usedBy: `${p.text} in ${p.where}` }));
  return loadDataset({ path, label }, fields);
}

function chat(content: unknown, extra: Record<string, unknown> = {}): RequestTemplate {
  return {
    url: 'http://127.0.0.1:8000/v1/chat/completions',
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: { model: 'm', messages: [{ role: 'user', content }], stream: true, ...extra },
  };
}

async function compileError(template: RequestTemplate, content: string, type: 'csv' | 'jsonl' = 'csv'): Promise<string> {
  try {
    compileTemplate(template, await dataFor(template, content, type));
  } catch (error) {
    expect((error as Error).name).toBe('UsageError');
    return (error as Error).message;
  }
  throw new Error('expected a UsageError');
}

/** A CSV cell, quoted the way Excel writes it. */
const cell = (value: string) => `"${value.replace(/"/g, '""')}"`;

describe('body substitution', () => {
  it('keeps hostile values valid JSON, byte for byte', async () => {
    const hostile = [
      'she said "hi", then left',
      'back\\slash \\n not a newline \\u0041',
      'line one\nline two\r\nline three\ttab',
      '流式输出 🚀 emoji 👩‍👩‍👧 and 中文',
      '{{content}} stays literal, {{nope}} too',
      '</script><script>alert(1)</script>',
      'separators \u2028 \u2029 and control \u0001\u001f',
      '',
    ];
    const template = chat('{{content}}');
    const data = await dataFor(template, 'content\n' + hostile.map(cell).join('\n') + '\n');
    const render = compileTemplate(template, data);
    hostile.forEach((value, row) => {
      const body = render(row).body!;
      expect(JSON.parse(body)).toEqual({ model: 'm', messages: [{ role: 'user', content: value }], stream: true });
      expect(body).toBe(JSON.stringify({ model: 'm', messages: [{ role: 'user', content: value }], stream: true }));
    });
  });

  it('fills several placeholders in one string, anywhere in nested arrays and objects', async () => {
    const template = chat('{{topic}} - {{content}}', {
      metadata: { tags: ['{{category}}', 'fixed', 3, null, true], note: 'no placeholder' },
    });
    const data = await dataFor(template, 'content,topic,category\n写一个关于人工智能的短文,AI,科技\n"a ""b""",x,y\n');
    const render = compileTemplate(template, data);
    expect(JSON.parse(render(0).body!)).toEqual({
      model: 'm',
      messages: [{ role: 'user', content: 'AI - 写一个关于人工智能的短文' }],
      stream: true,
      metadata: { tags: ['科技', 'fixed', 3, null, true], note: 'no placeholder' },
    });
    expect(JSON.parse(render(1).body!).messages[0].content).toBe('x - a "b"');
  });

  it('turns a string that is exactly one typed placeholder into that type', async () => {
    const template = chat('{{content}}', {
      max_tokens: '{{max:int}}',
      temperature: '{{temp:number}}',
      stream: '{{stream:bool}}',
      response_format: '{{format:json}}',
      label: 'n={{max:int}}',
      as_text: '{{max:string}}',
    });
    const data = await dataFor(
      template,
      'content,max,temp,stream,format\nhi, 64 ,0.7,yes,"{""type"":""json_object""}"\nyo,1e3,-2,FALSE,null\n',
    );
    const render = compileTemplate(template, data);
    expect(JSON.parse(render(0).body!)).toMatchObject({
      max_tokens: 64,
      temperature: 0.7,
      stream: true,
      response_format: { type: 'json_object' },
      label: 'n=64',
      as_text: ' 64 ',
    });
    expect(JSON.parse(render(1).body!)).toMatchObject({ max_tokens: 1000, temperature: -2, stream: false, response_format: null });
  });

  it('reads every true and false word, numbers in every JSON form, and refuses an unsafe integer', async () => {
    const template = chat('x', { flag: '{{b:bool}}', n: '{{n:number}}' });
    const data = await dataFor(template, 'b,n\ntrue,1.25\n1,1e+5\nyes,1E-5\n" TRUE ",-0.5e10\nfalse,0\n0,12\nno,7.0\n');
    const render = compileTemplate(template, data);
    const rows = [0, 1, 2, 3, 4, 5, 6].map((row) => JSON.parse(render(row).body!) as { flag: boolean; n: number });
    expect(rows.map((r) => r.flag)).toEqual([true, true, true, true, false, false, false]);
    expect(rows.map((r) => r.n)).toEqual([1.25, 1e5, 1e-5, -0.5e10, 0, 12, 7]);
    expect(await compileError(chat('{{n:int}}'), 'n\n9007199254740993\n')).toMatch(/needs an integer, got "9007199254740993"$/);
    expect(await compileError(chat('{{n:number}}'), 'n\n1.\n')).toMatch(/needs a number, got "1\."$/);
    expect(await compileError(chat('{{n:number}}'), 'n\n1e\n')).toMatch(/needs a number, got "1e"$/);
  });

  it('names the url and a text body as where a bad value is', async () => {
    const inUrl: RequestTemplate = { url: 'http://127.0.0.1/v1/{{n:int}}', method: 'POST', headers: {}, body: 'text {{n:int}}' };
    expect(await compileError(inUrl, 'n\nten\n')).toMatch(/\{\{n:int\}\} in url needs an integer/);
    const inBody: RequestTemplate = { url: 'http://127.0.0.1/v1', method: 'POST', headers: {}, body: 'text {{n:int}}' };
    expect(await compileError(inBody, 'n\nten\n')).toMatch(/\{\{n:int\}\} in body needs an integer/);
  });

  it('reads a type only after the last colon of the placeholder, with spaces around it', async () => {
    const template = chat('{{ a:b : int }}');
    expect(findPlaceholders(template)[0]).toMatchObject({ field: 'a:b', type: 'int' });
    // Not a type: the whole text is the field.
    expect(findPlaceholders(chat('{{x:int y}}'))[0]).toMatchObject({ field: 'x:int y', type: 'string' });
  });

  it('checks every typed value before any request, naming file:line', async () => {
    const template = chat('{{content}}', { max_tokens: '{{max:int}}' });
    expect(await compileError(template, 'content,max\na,10\nb," 12\n"\nc,"1\n2"\nd,ten\n')).toMatch(
      /^data\d+\.csv:5: \{\{max:int\}\} in body\.max_tokens needs an integer, got "1\\n2"$/,
    );
    expect(await compileError(template, 'content,max\na,1.5\n')).toMatch(/:2: \{\{max:int\}\} in body.max_tokens needs an integer, got "1.5"$/);
    expect(await compileError(chat('{{c:number}}'), 'c\n0x10\n')).toMatch(/needs a number, got "0x10"$/);
    expect(await compileError(chat('{{c:bool}}'), 'c\nmaybe\n')).toMatch(/needs true or false, got "maybe"$/);
    expect(await compileError(chat('{{c:json}}'), 'c\n"{a:1}"\n')).toMatch(/:2: \{\{c:json\}\} in body\.messages\[0\]\.content needs JSON text, got "\{a:1\}"$/);
  });

  it('rejects an unknown type or an empty placeholder, naming where', () => {
    expect(() => findPlaceholders(chat('{{n:float}}'))).toThrow(
      'body.messages[0].content: unknown placeholder type "float" in {{n:float}}; use int, number, bool or json',
    );
    expect(() => findPlaceholders(chat('x {{ }} y'))).toThrow('body.messages[0].content: empty placeholder {{ }}');
  });

  it('finds placeholders in the url, headers and body with their field paths', () => {
    const template: RequestTemplate = {
      url: 'http://127.0.0.1/{{ tenant }}/v1?model={{model}}',
      method: 'POST',
      headers: { 'X-Tenant': '{{tenant}}' },
      body: { a: [{ b: '{{x:int}}' }] },
    };
    expect(findPlaceholders(template).map((p) => [p.field, p.type, p.where])).toEqual([
      ['tenant', 'string', 'url'],
      ['model', 'string', 'url'],
      ['tenant', 'string', 'headers.X-Tenant'],
      ['x', 'int', 'body.a[0].b'],
    ]);
  });

  it('fills a raw text body as text', async () => {
    const template: RequestTemplate = { url: 'http://127.0.0.1/', method: 'POST', headers: {}, body: 'prompt: {{p}}' };
    const render = compileTemplate(template, await dataFor(template, 'p\n"say ""x"""\n'));
    expect(render(0).body).toBe('prompt: say "x"');
  });
});

describe('url and header substitution', () => {
  it('percent-encodes values in the URL and fills header values', async () => {
    const template: RequestTemplate = {
      url: 'http://127.0.0.1:8000/v1/{{model}}/chat?tenant={{tenant}}',
      method: 'POST',
      headers: { 'X-Tenant': '{{tenant}}', Accept: 'text/event-stream' },
      body: { q: '{{model}}' },
    };
    const render = compileTemplate(template, await dataFor(template, 'model,tenant\nqwen/7b,a&b c\n'));
    const request = render(0);
    expect(request.url).toBe('http://127.0.0.1:8000/v1/qwen%2F7b/chat?tenant=a%26b%20c');
    expect(request.headers).toEqual({ 'X-Tenant': 'a&b c', Accept: 'text/event-stream' });
  });

  it('refuses a header value with a line break', async () => {
    const template: RequestTemplate = { url: 'http://127.0.0.1/', method: 'GET', headers: { 'X-A': '{{a}}' }, body: undefined };
    expect(await compileError(template, 'a\nok\n"evil\r\nInjected: 1"\n')).toMatch(
      /:3: \{\{a\}\} in headers\.X-A a header value cannot hold a line break, got "evil\\r\\nInjected: 1"$/,
    );
  });

  it('shares the fixed parts: with no placeholder the request never changes', async () => {
    const template = chat('{{c}}');
    const render = compileTemplate(template, await dataFor(template, 'c\na\nb\n'));
    expect(render(0).headers).toBe(render(1).headers);
    expect(render(0).url).toBe(template.url);
    expect(render(0).body).not.toBe(render(1).body);
  });
});

describe('JSONL rows', () => {
  const jsonl = [
    JSON.stringify({ q: 'hi "there"', meta: { lang: 'zh', max: 64, opts: { temperature: 0.5 } }, none: null }),
    JSON.stringify({ q: '第二', meta: { lang: 'en', max: '32', opts: [] }, none: 'x' }),
  ].join('\n');

  it('reads nested paths, keeps JSON types for :json and converts for :int', async () => {
    const template = chat('[{{meta.lang}}] {{q}}{{none}}', {
      max_tokens: '{{meta.max:int}}',
      options: '{{meta.opts:json}}',
      question: '{{q:json}}',
      meta_text: '{{meta}}',
    });
    const render = compileTemplate(template, await dataFor(template, jsonl, 'jsonl'));
    expect(JSON.parse(render(0).body!)).toMatchObject({
      messages: [{ role: 'user', content: '[zh] hi "there"' }],
      max_tokens: 64,
      options: { temperature: 0.5 },
      question: 'hi "there"',
      meta_text: JSON.stringify({ lang: 'zh', max: 64, opts: { temperature: 0.5 } }),
    });
    expect(JSON.parse(render(1).body!)).toMatchObject({
      messages: [{ role: 'user', content: '[en] 第二x' }],
      max_tokens: 32,
      options: [],
    });
  });
});

describe('details that a wrong implementation gets wrong', () => {
  it('shows a long bad value cut to its first 40 characters', async () => {
    const long = `${'9'.repeat(39)}x${'y'.repeat(20)}`;
    expect(await compileError(chat('{{c:int}}'), `c\n${long}\n`)).toMatch(new RegExp(`needs an integer, got "${'9'.repeat(39)}x…"$`));
    const forty = `${'9'.repeat(39)}x`;
    expect(await compileError(chat('{{c:int}}'), `c\n${forty}\n`)).toMatch(new RegExp(`got "${forty}"$`));
  });

  it('keeps fixed text before, between and after placeholders in a URL and a header', async () => {
    const template: RequestTemplate = {
      url: 'http://127.0.0.1:8000/v1/{{m}}/x?q={{q}}&end=1',
      method: 'POST',
      headers: { 'X-Tag': 'a-{{m}}-b' },
      body: { model: 'fixed' },
    };
    const render = compileTemplate(template, await dataFor(template, 'm,q\nmodel one,a&b\n'));
    const request = render(0);
    expect(request.url).toBe('http://127.0.0.1:8000/v1/model%20one/x?q=a%26b&end=1');
    expect(request.headers['X-Tag']).toBe('a-model one-b');
  });

  it('checks each field of a dataset on its own: a passed check of one column does not pass another', async () => {
    const template = chat('{{a:int}}', { max_tokens: '{{b:int}}' });
    expect(await compileError(template, 'a,b\n1,x\n')).toMatch(/\{\{b:int\}\} in body\.max_tokens needs an integer, got "x"$/);
    // The same data compiled twice still fails on the second field.
    const data = await dataFor(template, 'a,b\n1,x\n');
    expect(() => compileTemplate(template, data)).toThrow(/needs an integer/);
    expect(() => compileTemplate(template, data)).toThrow(/needs an integer/);
  });
});
