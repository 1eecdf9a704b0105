/** Captured stdout / stderr for the testable commands. */
import type { CommandIO } from '../../lib/config/cli.ts';

export interface CapturedIO {
  io: CommandIO;
  stdout(): string;
  stderr(): string;
}

export function captureIO(cwd: string = process.cwd()): CapturedIO {
  let out = '';
  let err = '';
  return {
    io: {
      stdout: { write: (text: string) => (out += text) },
      stderr: { write: (text: string) => (err += text) },
      cwd,
    },
    stdout: () => out,
    stderr: () => err,
  };
}

/** captureIO for runRun, whose IO also carries an environment (empty by default) and an interrupt signal. */
export function captureRunIO(
  cwd?: string,
  options: { env?: NodeJS.ProcessEnv; signal?: AbortSignal } = {},
): Omit<CapturedIO, 'io'> & { io: CommandIO & { env: NodeJS.ProcessEnv; signal?: AbortSignal } } {
  const captured = captureIO(cwd);
  return { ...captured, io: { ...captured.io, env: options.env ?? {}, signal: options.signal } };
}
