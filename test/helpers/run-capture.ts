/** Runs the run command in-process (runRun) with captured stdout / stderr, in a temp folder. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runRun } from '../../lib/commands/run.ts';

export interface Captured {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCaptured(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; signal?: AbortSignal }): Promise<Captured> {
  let stdout = '';
  let stderr = '';
  const code = await runRun(args, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env: options.env ?? {},
    cwd: options.cwd,
    signal: options.signal,
  });
  return { code, stdout, stderr };
}

/** A fresh temp folder; remove() deletes it. */
export function tempDir(prefix = 'streambench-'): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}
