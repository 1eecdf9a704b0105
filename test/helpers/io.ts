/** A RunIO that captures stdout and stderr as strings (off a TTY). */
export function captureIO(cwd: string) {
  const out = { stdout: '', stderr: '' };
  return {
    out,
    io: {
      stdout: { write: (t: string) => (out.stdout += t) },
      stderr: { write: (t: string) => (out.stderr += t), isTTY: false },
      env: {},
      cwd,
    },
  };
}
