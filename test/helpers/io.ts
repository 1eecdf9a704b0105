/** Captured stdout / stderr for the testable commands. */
import type { CommandIO } from '../../lib/cli.ts';

export interface CapturedIO {
  /** A CommandIO, and a RunIO too: env and signal are what run reads beyond it. */
  io: CommandIO & { env: NodeJS.ProcessEnv; signal?: AbortSignal };
  stdout(): string;
  stderr(): string;
}

export function captureIO(cwd: string = process.cwd(), options: { env?: NodeJS.ProcessEnv; signal?: AbortSignal } = {}): CapturedIO {
  let out = '';
  let err = '';
  return {
    io: {
      stdout: { write: (text: string) => (out += text) },
      stderr: { write: (text: string) => (err += text) },
      cwd,
      env: options.env ?? {},
      signal: options.signal,
    },
    stdout: () => out,
    stderr: () => err,
  };
}
