import { describe, expect, it } from 'vitest';
import { openFileLimitProblem, readOpenFileLimit } from '../lib/util/open-file-limit.ts';

describe('openFileLimitProblem', () => {
  it('passes when every stream can hold a socket', () => {
    expect(openFileLimitProblem(10_000, { limit: 20_000, open: 40 })).toBeUndefined();
    expect(openFileLimitProblem(10_000, { limit: Infinity, open: 40 })).toBeUndefined();
  });

  it('names the limit, the need and both fixes when they cannot', () => {
    expect(openFileLimitProblem(10_000, { limit: 1024, open: 20 })).toBe(
      'concurrency 10000 needs about 10052 open files (one socket per stream), but the open-file limit is 1024: ' +
        'raise it with `ulimit -n 11264` in this shell (above the hard limit: /etc/security/limits.conf on Linux, ' +
        '`launchctl limit maxfiles` on macOS), or use --concurrency 972 or less',
    );
  });

  it('counts descriptors already open against the limit', () => {
    expect(openFileLimitProblem(900, { limit: 1024, open: 50 })).toBeUndefined();
    expect(openFileLimitProblem(900, { limit: 1024, open: 100 })).toMatch(/needs about 1032 open files/);
  });
});

describe('readOpenFileLimit', () => {
  it.skipIf(process.platform === 'win32')('reads this process limit and open descriptors', () => {
    const found = readOpenFileLimit();
    expect(found?.limit).toBeGreaterThan(0);
    expect(found?.open).toBeGreaterThan(2);
  });
});
