/** Runs the real scripts/run.ts in a child process (node --import tsx), for signal, kill and exit-code tests. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../..', import.meta.url));

export interface RunChild {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves once stderr matches (tested on every write), rejects if the process exits first. */
  waitForStderr(test: (stderr: string) => boolean): Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Spawns `node --import tsx scripts/run.ts ...args`. With `shellPrefix` the
 * command runs under /bin/sh after that prefix (e.g. `ulimit -n 256 &&`).
 */
export function spawnRun(args: string[], options: { env?: NodeJS.ProcessEnv; shellPrefix?: string } = {}): RunChild {
  const command = [process.execPath, '--import', 'tsx', 'scripts/run.ts', ...args];
  const env = { PATH: process.env.PATH, ...options.env };
  const child = options.shellPrefix
    ? spawn('/bin/sh', ['-c', `${options.shellPrefix} exec "$@"`, 'sh', ...command], { cwd: REPO, env })
    : spawn(command[0]!, command.slice(1), { cwd: REPO, env });
  let stdout = '';
  let stderr = '';
  const waiters: Array<{ test: (s: string) => boolean; resolve: () => void }> = [];
  child.stdout!.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  child.stderr!.setEncoding('utf8').on('data', (text: string) => {
    stderr += text;
    for (const waiter of [...waiters]) {
      if (waiter.test(stderr)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    waitForStderr: (test) =>
      new Promise<void>((resolve, reject) => {
        if (test(stderr)) return resolve();
        waiters.push({ test, resolve });
        void exited.then(() => reject(new Error(`run exited before the expected output; stderr:\n${stderr}`)));
      }),
    exited,
  };
}

/** Request ids that stderr reports as finished ("[007] done ..." or "[007] Failed ..."). */
export function finishedIds(stderr: string): number[] {
  return [...stderr.matchAll(/^\[(\d+)\] (?:done|Failed) /gm)].map((m) => Number(m[1]));
}
