import { describe, expect, it } from 'vitest';
import { literalSecretsIn, npmLogWarning, startedByNpm } from '../lib/config/npm-log-warning.ts';
import { runCaptured, tempDir } from './helpers/run-capture.ts';
import { afterAll } from 'vitest';

// As npm sets them for `npx tsx scripts/run.ts` (npm exec).
const NPX_ENV = { npm_execpath: '/usr/lib/node_modules/npm/bin/npm-cli.js', npm_command: 'exec', npm_lifecycle_event: 'npx' };
const KEY = ['sk', 'live0123456789abcdefABCDEF'].join('-');

describe('the npm debug-log warning', () => {
  it('knows a run started by npm', () => {
    expect(startedByNpm(NPX_ENV)).toBe(true);
    expect(startedByNpm({ npm_lifecycle_event: 'start' })).toBe(true);
    expect(startedByNpm({ PATH: '/usr/bin' })).toBe(false);
  });

  it.each([
    [['-H', `Authorization: Bearer ${KEY}`], ['-H Authorization']],
    [['--header', `x-api-key: ${KEY}`], ['-H x-api-key']],
    [[`--header=X-Auth: ${KEY}`], ['-H X-Auth']],
    [['-u', `https://generativelanguage.googleapis.com/v1beta/x?alt=sse&key=AIza0123456789abcdefghij`], ['a key in a URL query']],
    [['-u', 'https://user:hunter2pass@example.com/v1'], ['a password in a URL']],
    [['-d', `{"api_key":"${KEY}"}`], ['a key-shaped value']],
  ])('finds the literal secret in %j', (args, found) => {
    expect(literalSecretsIn(args)).toEqual(found);
  });

  it.each([
    [['-H', 'Authorization: Bearer ${OPENAI_API_KEY}']],
    [['-H', 'x-api-key: ${ANTHROPIC_API_KEY}']],
    [['-H', 'Content-Type: application/json', '-H', 'anthropic-version: 2023-06-01']],
    [['-u', 'http://127.0.0.1:8000/v1/chat/completions', '-n', '200', '--model', 'qwen3', '--max-tokens-key', 'x']],
  ])('finds none in %j', (args) => {
    expect(literalSecretsIn(args)).toEqual([]);
  });

  it('warns only under npm, and names the ${VAR} route', () => {
    const args = ['-H', `Authorization: Bearer ${KEY}`];
    expect(npmLogWarning(args, {})).toBeUndefined();
    const warning = npmLogWarning(args, NPX_ENV)!;
    expect(warning).toMatch(/^started through npm, which has written this whole command line, -H Authorization included, into its debug log \(~\/\.npm\/_logs\/\*-debug-0\.log\)/);
    expect(warning).toContain("-H 'Authorization: Bearer ${OPENAI_API_KEY}'");
    expect(warning).toContain('node --import tsx scripts/run.ts');
    expect(warning).not.toContain(KEY);
  });

  const dir = tempDir();
  afterAll(() => dir.remove());
  it('is printed once by the run, before the load, without the key', async () => {
    const run = await runCaptured(['-H', `Authorization: Bearer ${KEY}`, '-H', `X-Auth: ${KEY}`, '-n', '1', '-u', 'http://127.0.0.1:9/v1', '-p', '0'], {
      cwd: dir.path,
      env: NPX_ENV,
    });
    // Bad usage stops the run, but the warning comes first: the log was written before streambench started.
    expect(run.code).toBe(2);
    expect(run.stderr.match(/warning: started through npm/g)).toHaveLength(1);
    expect(run.stderr.indexOf('warning: started through npm')).toBe(0);
    const ok = await runCaptured(['-H', `Authorization: Bearer ${KEY}`, '-H', `X-Auth: ${KEY}`, '-n', '1', '-u', 'sim://local/v1/chat/completions', '-q', '-o', `${dir.path}/r.json`], {
      cwd: dir.path,
      env: NPX_ENV,
    });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stderr.match(/warning: started through npm/g)).toHaveLength(1);
    expect(ok.stderr).toContain('-H Authorization, -H X-Auth included');
    expect(ok.stderr).not.toContain(KEY);
  });
});
