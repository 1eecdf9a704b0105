/** A RunIO that captures stdout and stderr as strings, for in-process command tests. */
export function captureIO(cwd: string, options: { env?: NodeJS.ProcessEnv; signal?: AbortSignal } = {}) {
  const out = { stdout: '', stderr: '' };
  return {
    out,
    io: {
      stdout: { write: (t: string) => (out.stdout += t) },
      stderr: { write: (t: string) => (out.stderr += t), isTTY: false },
      env: options.env ?? {},
      cwd,
      signal: options.signal,
    },
  };
}
