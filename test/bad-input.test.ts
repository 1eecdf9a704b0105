/**
 * Bad input: each gets one line naming the problem on stderr, exit 2, no stack
 * trace (--debug shows it), and no request is ever sent.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readResults } from '../lib/results/results.ts';
import { useFaultServer } from './helpers/fault-server.ts';
import { runCaptured, tempDir } from './helpers/run-capture.ts';

const fault = useFaultServer();
let url: string;
const dir = tempDir();
const file = (name: string, text: string) => {
  const path = join(dir.path, name);
  writeFileSync(path, text);
  return path;
};

beforeAll(() => {
  url = `${fault.server.url}/ok`;
  file('not-json.json', '{\n  "url": "http://127.0.0.1:9/x",\n  "concurrency": 2,\n}\n');
  file('cut-short.json', '{\n  "url": "http://127.0.0.1:9/x",\n  "concurrency": ');
  file('wrong-type.json', JSON.stringify({ url: 'http://127.0.0.1:9/x', concurrency: 'ten' }));
  file('wrong-nested-type.json', JSON.stringify({ url: 'http://127.0.0.1:9/x', simulator: { tokens: 'many' } }));
  file('header-not-string.json', JSON.stringify({ url: 'http://127.0.0.1:9/x', headers: { 'x-retries': 3 } }));
  file('header-line-break.json', JSON.stringify({ url: 'http://127.0.0.1:9/x', headers: { Authorization: 'Bearer abc\r\nX-Evil: 1' } }));
  file('headers-array.json', JSON.stringify({ url: 'http://127.0.0.1:9/x', headers: ['Authorization: Bearer x'] }));
  file('body.json', '{\n  "model": "m",\n  oops\n}');
  file('in-the-way', 'a file where a folder should be');
  file('fine.json', JSON.stringify({ url: 'http://127.0.0.1:9/x', concurrency: 2 }));
});
afterAll(() => dir.remove());

const cases: Array<{ name: string; args: () => string[]; error: RegExp }> = [
  {
    name: 'config not JSON: file, line and column',
    args: () => ['-c', join(dir.path, 'not-json.json')],
    error: /^error: \/.*not-json\.json:4:1: invalid JSON: /,
  },
  {
    name: 'config cut short: the position of the end',
    args: () => ['-c', join(dir.path, 'cut-short.json')],
    error: /cut-short\.json:3:18: invalid JSON: Unexpected end of JSON input$/,
  },
  { name: 'wrong type: its path', args: () => ['-c', join(dir.path, 'wrong-type.json')], error: /wrong-type\.json\): concurrency: .*expected number, received string$/ },
  {
    name: 'wrong nested type: its dotted path',
    args: () => ['-c', join(dir.path, 'wrong-nested-type.json')],
    error: /: simulator\.tokens: .*expected number, received string$/,
  },
  { name: 'concurrency < 1', args: () => ['-u', url, '-p', '0'], error: /^error: invalid option: --concurrency \(concurrency\): Too small: expected number to be >=1$/ },
  { name: 'requests < 1', args: () => ['-u', url, '-n', '0'], error: /^error: invalid option: --requests \(total_requests\): Too small/ },
  { name: 'bad flag beside a good config file: the flag is to blame', args: () => ['-c', join(dir.path, 'fine.json'), '-n', '0'], error: /^error: invalid option: --requests \(total_requests\): Too small/ },
  { name: 'bad config field beside a flag: the file is named', args: () => ['-c', join(dir.path, 'wrong-type.json'), '-n', '0'], error: /^error: invalid config \(.*wrong-type\.json\): concurrency: .*; --requests \(total_requests\): Too small/ },
  { name: 'concurrency not a number', args: () => ['-u', url, '-p', 'many'], error: /^error: option --concurrency must be a number, got "many"$/ },
  { name: 'URL not http(s)', args: () => ['-u', 'ftp://127.0.0.1/x'], error: /^error: invalid option: --url \(url\): must be an http\(s\):\/\/ URL/ },
  { name: 'URL not a URL', args: () => ['-u', 'localhost:8000/v1'], error: /--url \(url\): must be an http\(s\):\/\/ URL/ },
  { name: 'header flag without a colon', args: () => ['-u', url, '-H', 'Authorization Bearer sk-123'], error: /^error: malformed header starting "Authorization" \(-H number 1\): expected "Name: value"$/ },
  { name: 'header flag with a space in the name', args: () => ['-u', url, '-H', 'X Api: v'], error: /^error: malformed header .*expected "Name: value"$/ },
  { name: 'config header value not a string', args: () => ['-c', join(dir.path, 'header-not-string.json')], error: /: headers\.x-retries: .*expected string, received number$/ },
  { name: 'config header value with a line break', args: () => ['-c', join(dir.path, 'header-line-break.json')], error: /: headers\.Authorization: a header value must not contain line breaks or NUL$/ },
  { name: 'config headers not an object', args: () => ['-c', join(dir.path, 'headers-array.json')], error: /: headers: .*expected record, received array$/ },
  { name: 'body flag not JSON', args: () => ['-u', url, '-d', '{"model": "m",'], error: /^error: --body:1:15: invalid JSON: / },
  { name: 'body file not JSON', args: () => ['-u', url, '-d', '@body.json'], error: /^error: body\.json:3:3: invalid JSON: / },
  { name: 'body file missing', args: () => ['-u', url, '-d', '@nope.json'], error: /^error: cannot read body file nope\.json: no such file$/ },
  { name: 'body file a folder', args: () => ['-u', url, '-d', '@' + dir.path], error: /^error: cannot read body file .*: it is a folder$/ },
  {
    name: 'output folder not writable (a file in the way)',
    args: () => ['-u', url, '-o', join(dir.path, 'in-the-way', 'out.json')],
    error: /^error: output folder .*in-the-way is not writable \(a file is in the way\); choose another with --output$/,
  },
  {
    name: 'output an existing folder: refused before the load, not lost after it',
    args: () => ['-u', url, '-o', dir.path],
    error: /^error: --output .* is a folder: name a file in it, e\.g\. .*\/run\.json$/,
  },
  { name: '--html an existing folder', args: () => ['-u', url, '--html', dir.path], error: /^error: --html .* is a folder: name a file in it/ },
  { name: 'URL port out of range', args: () => ['-u', 'http://127.0.0.1:181510/v1/chat/completions'], error: /^error: invalid option: --url \(url\): port 181510 is out of range \(1-65535\)$/ },
  { name: 'unknown flag', args: () => ['-u', url, '--concurency', '3'], error: /^error: Unknown option '--concurency'$/ },
  { name: 'flag without a value', args: () => ['-u', url, '--timeout'], error: /^error: option '-t, --timeout <value>' argument missing$/ },
  { name: 'negative idle timeout', args: () => ['-u', url, '--idle-timeout=-1'], error: /--idle-timeout \(idle_timeout\): Too small/ },
  {
    name: 'a value starting with a dash',
    args: () => ['-u', url, '--idle-timeout', '-1'],
    error: /^error: option '--idle-timeout' argument is ambiguous: for a value starting with "-", write --idle-timeout=-VALUE$/,
  },
  { name: 'missing ${ENV} variable', args: () => ['-u', url, '-H', 'Authorization: Bearer ${NOT_SET_ANYWHERE}'], error: /environment variable NOT_SET_ANYWHERE is not set/ },
];

describe('bad input: one line, exit 2, nothing sent', () => {
  it.each(cases)('$name', async ({ args, error }) => {
    const before = fault.server.received.length;
    const run = await runCaptured(args(), { cwd: dir.path });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.split('\n')).toEqual([expect.stringMatching(error), '']);
    expect(fault.server.received.length).toBe(before);
  });

  it('shows the stack with --debug', async () => {
    const run = await runCaptured(['-u', url, '-p', '0', '--debug'], { cwd: dir.path });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^error: invalid option: --concurrency/);
    expect(run.stderr).toMatch(/\n {4}at validateConfig \(/);
  });

  it.skipIf(process.getuid?.() === 0)('output folder without write permission (not testable as root)', async () => {
    const locked = join(dir.path, 'locked');
    mkdirSync(locked);
    chmodSync(locked, 0o500);
    try {
      const run = await runCaptured(['-u', url, '-o', join(locked, 'out.json')], { cwd: dir.path });
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/^error: output folder .*locked is not writable \(EACCES\)/);
    } finally {
      chmodSync(locked, 0o700);
    }
  });

  it('clamps concurrency above requests with a note, not an error', async () => {
    const output = join(dir.path, 'clamped.json');
    const run = await runCaptured(['-u', url, '-n', '2', '-p', '50', '-q', '-o', output], { cwd: dir.path });
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/^note: concurrency 50 > requests 2; using 2$/m);
    expect(run.stderr).toMatch(/\| concurrency 2 \|/);
    expect((await readResults(output)).summary.success_count).toBe(2);
  });
});
