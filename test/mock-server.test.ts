import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO } from './helpers/spawn-run.ts';

/** Runs scripts/mock-server.ts to its exit (only bad input exits on its own). */
function mockServer(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/mock-server.ts', ...args], { cwd: REPO });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  // A server that started by mistake would run forever: stop it and let the assertions fail.
  child.stdout.once('data', () => child.kill('SIGTERM'));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

let taken: Server;
let takenPort: number;
beforeAll(async () => {
  taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  takenPort = (taken.address() as { port: number }).port;
});
afterAll(() => new Promise<void>((resolve) => taken.close(() => resolve())));

describe('mock-server: bad input is one line, exit 2', () => {
  it('checks the simulator settings like config.json does, naming the flag', async () => {
    const jitter = await mockServer(['--port', '0', '--jitter', '2']);
    expect(jitter.code).toBe(2);
    expect(jitter.stdout).toBe('');
    expect(jitter.stderr).toBe('error: invalid option: --jitter: Too big: expected number to be <=1\n');
    const tokens = await mockServer(['--port', '0', '--tokens', '0']);
    expect(tokens.code).toBe(2);
    expect(tokens.stderr).toMatch(/^error: invalid option: --tokens: Too small: expected number to be >=1\n$/);
  });

  it('names a port that is in use', async () => {
    const busy = await mockServer(['--port', String(takenPort)]);
    expect(busy.code).toBe(2);
    expect(busy.stderr).toBe(`error: port ${takenPort} is in use on 127.0.0.1: choose another with --port (0 picks a free one)\n`);
  });
});
