/**
 * The open-file limit check: every in-flight stream holds a socket, and a
 * socket is a file descriptor. Past the limit, connects fail with EMFILE one by
 * one in the middle of the run; checking first turns that into one clear error
 * before any load is sent.
 *
 * Node raises its soft limit to the hard limit at startup, so the limit that
 * matters is the one this process has now: read from /proc on Linux, from
 * `ulimit -n` in a child shell (which inherits it) elsewhere.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

export interface OpenFileLimit {
  /** The limit in force (RLIMIT_NOFILE soft). */
  limit: number;
  /** Descriptors this process already holds. */
  open: number;
}

/** Sockets for the sim server's pipes, the results file, the journal, stdio and Node's own. */
const RESERVE = 32;

export function readOpenFileLimit(): OpenFileLimit | undefined {
  if (process.platform === 'win32') return undefined;
  try {
    const limits = readFileSync('/proc/self/limits', 'utf8');
    const match = /^Max open files\s+(\d+|unlimited)/m.exec(limits);
    if (match) {
      const limit = match[1] === 'unlimited' ? Infinity : Number(match[1]);
      return { limit, open: readdirSync('/proc/self/fd').length };
    }
  } catch {
    // No /proc (macOS, BSD): ask a shell.
  }
  try {
    const out = execFileSync('/bin/sh', ['-c', 'ulimit -n'], { encoding: 'utf8', timeout: 2000 }).trim();
    return { limit: out === 'unlimited' ? Infinity : Number(out), open: RESERVE };
  } catch {
    return undefined;
  }
}

/**
 * The error message when `concurrency` streams cannot all hold a socket, else
 * undefined; `flag` is the option that sets it. Pure.
 */
export function openFileLimitProblem(concurrency: number, found: OpenFileLimit, flag = '--concurrency'): string | undefined {
  const needed = concurrency + found.open + RESERVE;
  if (!Number.isFinite(found.limit) || needed <= found.limit) return undefined;
  const fits = Math.max(0, found.limit - found.open - RESERVE);
  const target = Math.ceil((needed * 1.1) / 1024) * 1024;
  return (
    `concurrency ${concurrency} needs about ${needed} open files (one socket per stream), ` +
    `but the open-file limit is ${found.limit}: raise it with \`ulimit -n ${target}\` in this shell ` +
    `(above the hard limit: /etc/security/limits.conf on Linux, \`launchctl limit maxfiles\` on macOS), ` +
    `or use ${flag} ${fits} or less`
  );
}
