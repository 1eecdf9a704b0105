import { describe, expect, it } from 'vitest';
import { expandEnv, mergeOverrides, parseJsonWithPosition, validateConfig } from '../lib/config/config.ts';
import { UsageError } from '../lib/record/errors.ts';

describe('validateConfig', () => {
  it("fills the original tool's defaults", () => {
    const config = validateConfig({ url: 'http://127.0.0.1:8000/v1/chat/completions' }, 'test');
    expect(config).toMatchObject({ method: 'POST', timeout: 300, concurrency: 10, total_requests: 100, headers: {} });
  });

  it.each([
    [{ concurrency: 0 }, /concurrency: Too small/],
    [{ total_requests: 0 }, /total_requests: Too small/],
    [{ concurrency: '10' }, /concurrency: Invalid input: expected number, received string/],
    [{ url: 'ftp://x/y' }, /url: must be an http\(s\):\/\/ URL/],
    [{ bogus: 1 }, /unknown field "bogus"/],
    [{ simulator: { ttft: 1 } }, /unknown field "ttft" in simulator/],
    [{ headers: { 'Bad Header': 'x' } }, /headers\.Bad Header: Invalid key/],
    [{ timeout: -1 }, /timeout: Too small/],
  ])('rejects %j naming the field', (input, message) => {
    expect(() => validateConfig(input, 'config.json')).toThrow(UsageError);
    expect(() => validateConfig(input, 'config.json')).toThrow(message);
  });
});

describe('parseJsonWithPosition', () => {
  it('names file, line and column of a syntax error', () => {
    const text = '{\n  "url": "x",\n  "concurrency": 10,\n}\n';
    expect(() => parseJsonWithPosition(text, 'config.json')).toThrow(/^config\.json:4:1: invalid JSON/);
  });
});

describe('expandEnv', () => {
  it('expands ${VAR} deeply and remembers the values as secrets', () => {
    const expanded: string[] = [];
    const out = expandEnv(
      { headers: { Authorization: 'Bearer ${KEY}' }, body: { messages: [{ content: '${A}-${A}' }] } },
      { KEY: 'sk-canary', A: 'x' },
      expanded,
    );
    expect(out).toEqual({ headers: { Authorization: 'Bearer sk-canary' }, body: { messages: [{ content: 'x-x' }] } });
    expect(expanded).toContain('sk-canary');
  });

  it('names the field of a missing variable', () => {
    expect(() => expandEnv({ headers: { Authorization: 'Bearer ${NOPE}' } }, {}, [])).toThrow(
      'headers.Authorization: environment variable NOPE is not set',
    );
  });
});

describe('mergeOverrides', () => {
  it('lets flags win and replaces headers case-insensitively', () => {
    const merged = mergeOverrides(
      { url: 'http://a/', concurrency: 5, headers: { authorization: 'old', 'X-Keep': '1' } },
      { concurrency: 7, url: undefined, headers: { Authorization: 'new' } },
    );
    expect(merged).toEqual({ url: 'http://a/', concurrency: 7, headers: { 'X-Keep': '1', Authorization: 'new' } });
  });
});

describe('mergeOverrides: data_source', () => {
  const file = { data_source: { type: 'jsonl', file: 'a.jsonl', column: 'q', encoding: 'gbk' } };

  it('--data replaces the file and lets its extension pick the type, keeping column and encoding', () => {
    const merged = mergeOverrides(file, { data_source: { file: '/abs/b.csv', type: undefined } });
    expect(merged.data_source).toEqual({ file: '/abs/b.csv', column: 'q', encoding: 'gbk' });
    expect(validateConfig({ ...merged, url: 'http://127.0.0.1/' }, 't').data_source).toEqual({ file: '/abs/b.csv', column: 'q', encoding: 'gbk' });
  });

  it('--data-encoding and --data-column change one field only', () => {
    expect(mergeOverrides(file, { data_source: { encoding: 'big5', column: ['q', 'r'] } }).data_source).toEqual({
      type: 'jsonl',
      file: 'a.jsonl',
      column: ['q', 'r'],
      encoding: 'big5',
    });
  });

  it('rejects a wrong type or an empty column list, naming the field', () => {
    expect(() => validateConfig({ data_source: { file: 'x', type: 'xlsx' } }, 'c.json')).toThrow(/data_source\.type: /);
    expect(() => validateConfig({ data_source: { file: 'x', column: [] } }, 'c.json')).toThrow(/data_source\.column/);
    expect(() => validateConfig({ seed: 1.5 }, 'c.json')).toThrow(/seed: /);
  });
});
