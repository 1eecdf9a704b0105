/**
 * Live output on stderr: one line per finished request (the seed's format) and
 * a progress line. On a TTY the progress line redraws in place; elsewhere (CI
 * logs) it is printed as a plain line every few seconds, with no cursor codes.
 */
import { labels, type Lang } from './i18n.ts';
import { outputTokens, tokensPerSecond, totalTime, ttft } from './metrics.ts';
import type { RequestRecord } from './record.ts';

export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface ProgressOptions {
  stream: ProgressStream;
  /** Undefined when a duration, not a count, ends the run. */
  total: number | undefined;
  quiet: boolean;
  lang: Lang;
  /** Scrubs secrets from error messages before they are printed. */
  redact: (text: string) => string;
  /** Plain-line interval off a TTY, ms. */
  plainIntervalMs?: number;
}

export interface Progress {
  onStart(id: number): void;
  onComplete(record: RequestRecord): void;
  finish(): void;
}

export function createProgress(options: ProgressOptions): Progress {
  const { stream, total, quiet } = options;
  const L = labels(options.lang);
  const tty = stream.isTTY === true;
  const idWidth = Math.max(3, String(total ?? 0).length);
  const started = performance.now();
  let done = 0;
  let inFlight = 0;
  let drawn = false;
  let dirty = false;

  const statusLine = () =>
    `${L.progress}: ${done}${total === undefined ? '' : `/${total}`} | ${L.elapsed}: ${((performance.now() - started) / 1000).toFixed(1)}s | ${L.inFlight}: ${inFlight}`;

  const clear = () => {
    if (drawn) stream.write('\r\x1b[2K');
    drawn = false;
  };
  const draw = () => {
    if (!tty) return;
    clear();
    stream.write(statusLine());
    drawn = true;
    dirty = false;
  };

  // Redraw at most every 100 ms on a TTY; print a plain line every few seconds elsewhere.
  const timer = setInterval(
    () => {
      if (tty) {
        if (dirty) draw();
      } else {
        stream.write(statusLine() + '\n');
      }
    },
    tty ? 100 : (options.plainIntervalMs ?? 5000),
  );
  timer.unref();

  return {
    onStart() {
      inFlight++;
      dirty = true;
    },
    onComplete(record) {
      inFlight--;
      done++;
      dirty = true;
      if (quiet) return;
      const id = `[${String(record.id).padStart(idWidth, '0')}]`;
      let text: string;
      if (record.error) {
        text = `${id} ${L.failed} (${record.error.kind}): ${options.redact(record.error.message)}\n`;
      } else {
        const kb = (record.bytes / 1024).toFixed(2);
        text =
          `${id} TTFT ${ttft(record)!.toFixed(3)}s\n` +
          `${id} ${L.done} ${totalTime(record)!.toFixed(3)}s | ${outputTokens(record)} ${L.tokens} | ` +
          `${(tokensPerSecond(record) ?? 0).toFixed(2)} ${L.tokPerSec} | ${kb} KB\n`;
      }
      clear();
      stream.write(text);
    },
    finish() {
      clearInterval(timer);
      clear();
      stream.write(statusLine() + '\n');
    },
  };
}
