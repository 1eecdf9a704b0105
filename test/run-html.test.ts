import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runRun, type RunIO } from '../lib/commands/run.ts';
import { startSimServer, type SimServer } from '../lib/sim/server.ts';

let server: SimServer;
let dir: string;
beforeAll(async () => {
  server = await startSimServer({ ttftMs: 20, itlMs: 5, tokens: 6, jitter: 0, seed: 1 });
  dir = await mkdtemp(join(tmpdir(), 'streambench-html-'));
});
afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

function io(env: NodeJS.ProcessEnv = {}, tty = false) {
  const out: string[] = [];
  const err: string[] = [];
  const value: RunIO = {
    stdout: { write: (t: string) => out.push(t) },
    stderr: { write: (t: string) => err.push(t), isTTY: tty, columns: 200 },
    env,
    cwd: dir,
  };
  return { io: value, stdout: () => out.join(''), stderr: () => err.join('') };
}

describe('run --html', () => {
  it('writes the HTML report beside the results file and prints a TTFT histogram in the full report', async () => {
    const run = io();
    const code = await runRun(['-u', `${server.url}/v1/chat/completions`, '-n', '6', '-p', '3', '-q', '-o', 'out/r.json', '--html', '--full-report'], run.io);
    expect(code).toBe(0);
    const html = await readFile(join(dir, 'out/r.html'), 'utf8');
    expect(html).toContain('<td data-field="total_requests">6</td>');
    expect(html).toContain('data-chart="ttft-histogram"><figcaption>TTFT distribution</figcaption><svg');
    expect(run.stderr()).toContain(`HTML report written to ${join(dir, 'out/r.html')}`);
    const stdout = run.stdout();
    expect(stdout.indexOf('TTFT histogram (n = 6)')).toBeGreaterThan(stdout.indexOf('【Latency and token rates】'));
    expect(stdout.indexOf('TTFT histogram (n = 6)')).toBeLessThan(stdout.indexOf('【Errors】'));
  });

  it('takes an explicit file and the report language', async () => {
    const run = io();
    const code = await runRun(['-u', `${server.url}/v1/chat/completions`, '-n', '2', '--html', 'reports/x.html', '--lang', 'zh', '-q', '-o', 'r2.json'], run.io);
    expect(code).toBe(0);
    const html = await readFile(join(dir, 'reports/x.html'), 'utf8');
    expect(html).toContain('<html lang="zh-CN">');
    expect(run.stdout()).toContain('TTFT 直方图');
  });

  it('writes no HTML without the flag', async () => {
    const run = io();
    await runRun(['-u', `${server.url}/v1/chat/completions`, '-n', '1', '-q', '-o', 'plain.json'], run.io);
    await expect(readFile(join(dir, 'plain.html'), 'utf8')).rejects.toThrow();
  });

  it('colours the TTY progress bar unless NO_COLOR is set', async () => {
    const args = ['-u', `${server.url}/v1/chat/completions`, '-n', '12', '-p', '2', '-q', '-o', 'c.json'];
    const colored = io({}, true);
    await runRun(args, colored.io);
    expect(colored.stderr()).toContain('\x1b[32m█');
    const plain = io({ NO_COLOR: '1' }, true);
    await runRun(args, plain.io);
    expect(plain.stderr()).toContain('█');
    expect(plain.stderr()).not.toMatch(/\x1b\[[0-9;]*m/);
  });
});
