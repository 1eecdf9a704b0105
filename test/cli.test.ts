/**
 * The real script in a child process: exit codes, signals, kill -9 and the
 * open-file limit, against a real loopback server. Nothing lost: whatever the
 * way the run ends, every request it reported as finished is in the journal.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readJournal } from '../lib/results/journal.ts';
import { readResults } from '../lib/results/results.ts';
import { useFaultServer } from './helpers/fault-server.ts';
import { tempDir } from './helpers/run-capture.ts';
import { finishedIds, spawnRun } from './helpers/spawn-run.ts';

const fault = useFaultServer();
const dir = tempDir();
afterAll(() => dir.remove());

/**
 * 10 tokens 15 ms apart: each stream lasts ~150 ms, so a run of 400 at concurrency 12 lasts ~5 s;
 * the tests stop it long before. (Above 10, Node would warn of an abort-listener "leak" unless told.)
 */
const CONCURRENCY = 12;
const slowRun = (output: string) => ['-u', `${fault.server.url}/ok?tokens=10&itl=15`, '-n', '400', '-p', String(CONCURRENCY), '-o', output];
const atLeastFinished = (n: number) => (stderr: string) => finishedIds(stderr).length >= n;

describe('the run script', () => {
  it('bad input: one line on stderr, exit 2, no stack trace', async () => {
    const run = spawnRun(['-u', `${fault.server.url}/ok`, '-p', '0']);
    const { code } = await run.exited;
    expect(code).toBe(2);
    expect(run.stderr()).toBe('error: invalid option: --concurrency (concurrency): Too small: expected number to be >=1\n');
    expect(run.stdout()).toBe('');
  });

  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('%s: aborts in flight, marks them aborted, writes, reports, exits %i', async (signal, exitCode) => {
    const output = join(dir.path, `${signal}.json`);
    const run = spawnRun(slowRun(output));
    await run.waitForStderr(atLeastFinished(3));
    run.child.kill(signal);
    const { code } = await run.exited;

    expect(code).toBe(exitCode);
    expect(run.stderr()).toMatch(new RegExp(`${signal}: aborting in-flight requests and saving what was measured`));
    expect(run.stdout()).toMatch(/! Interrupted: the report covers the requests that finished or were aborted\./);
    const results = await readResults(output);
    expect(results.run.interrupted).toBe(true);
    const aborted = results.metrics.filter((row) => row.error_kind === 'aborted');
    expect(aborted.length).toBeGreaterThanOrEqual(1);
    expect(aborted.length).toBeLessThanOrEqual(CONCURRENCY);
    for (const row of aborted) expect(row.error).toMatch(new RegExp(`aborted by the run \\(${signal}\\)`));
    expect(results.summary.success_count).toBe(results.metrics.length - aborted.length);
    expect(results.summary.success_count).toBeGreaterThanOrEqual(3);
    expect(results.metrics.length).toBeLessThan(400);
    expect(run.stderr()).not.toMatch(/Warning/);
    // The journal holds exactly what the results hold.
    const journal = readJournal(output + 'l');
    expect(journal.rows.map((row) => row.request_id).sort((a, b) => a - b)).toEqual(results.metrics.map((row) => row.request_id));
  });

  it('a second Ctrl-C exits at once, the journal intact', async () => {
    const output = join(dir.path, 'twice.json');
    const run = spawnRun(slowRun(output));
    await run.waitForStderr(atLeastFinished(3));
    run.child.kill('SIGINT');
    run.child.kill('SIGINT');
    const { code } = await run.exited;
    expect(code).toBe(130);
    const journal = readJournal(output + 'l');
    expect(journal.truncatedTail).toBe(false);
    const journaled = new Set(journal.rows.map((row) => row.request_id));
    for (const id of finishedIds(run.stderr())) expect(journaled).toContain(id);
  });

  it('kill -9 mid-run: the journal holds every request finished before the kill', async () => {
    const output = join(dir.path, 'killed.json');
    const run = spawnRun(slowRun(output));
    await run.waitForStderr(atLeastFinished(6));
    run.child.kill('SIGKILL');
    const { signal } = await run.exited;
    expect(signal).toBe('SIGKILL');
    // Read after the process is gone: all it reported finished must be there, each a valid MetricRow.
    const reported = finishedIds(run.stderr());
    const journal = readJournal(output + 'l');
    expect(journal.truncatedTail).toBe(false);
    expect(journal.rows.length).toBeGreaterThanOrEqual(reported.length);
    expect(journal.rows.map((row) => row.request_id)).toEqual(expect.arrayContaining(reported));
    for (const row of journal.rows) {
      expect(row.error).toBeNull();
      expect(row.total_tokens).toBe(10);
    }
    expect(existsSync(output)).toBe(false);
  });

  it('kill -9 of a sim:// run: the simulated endpoint it started exits too', async () => {
    const run = spawnRun(['-u', 'sim://local/v1/chat/completions', '-n', '400', '-p', '4', '-q', '-o', join(dir.path, 'sim-killed.json')]);
    await run.waitForStderr((stderr) => stderr.includes('using the built-in simulated endpoint'));
    const children = readFileSync(`/proc/${run.child.pid}/task/${run.child.pid}/children`, 'utf8').trim().split(/\s+/).map(Number);
    expect(children).toHaveLength(1);
    const simPid = children[0]!;
    expect(readFileSync(`/proc/${simPid}/cmdline`, 'utf8')).toContain('mock-server.ts');
    run.child.kill('SIGKILL');
    await run.exited;
    const deadline = Date.now() + 5000;
    while (existsSync(`/proc/${simPid}`) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    // Gone, or a zombie waiting to be reaped by init.
    const state = existsSync(`/proc/${simPid}`) ? /^State:\s+(\S)/m.exec(readFileSync(`/proc/${simPid}/status`, 'utf8'))?.[1] : 'gone';
    expect(['gone', 'Z']).toContain(state);
  });

  it('refuses 10,000 concurrent streams under a low open-file limit, before sending anything', async () => {
    const before = fault.server.received.length;
    const run = spawnRun(['-u', `${fault.server.url}/ok`, '-n', '10000', '-p', '10000', '-o', join(dir.path, 'limit.json')], {
      shellPrefix: 'ulimit -n 256 &&',
    });
    const { code } = await run.exited;
    expect(code).toBe(2);
    expect(run.stderr()).toMatch(
      /^error: concurrency 10000 needs about 10\d\d\d open files \(one socket per stream\), but the open-file limit is 256: raise it with `ulimit -n 11264` in this shell .* or use --concurrency \d+ or less\n$/,
    );
    expect(fault.server.received.length).toBe(before);
  });
});
