/** Captured stdout / stderr for the testable commands. */
import type { CommandIO } from '../../lib/cli.ts';

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

/** captureIO for runRun, whose IO also carries an (empty) environment. */
export function captureRunIO(cwd?: string): Omit<CapturedIO, 'io'> & { io: CommandIO & { env: NodeJS.ProcessEnv } } {
  const captured = captureIO(cwd);
  return { ...captured, io: { ...captured.io, env: {} } };
}
