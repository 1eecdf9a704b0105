/**
 * Live output on stderr: one line per finished request (the original tool's format,
 * unless quiet) and a status: done/total, ETA, live req/s, in flight, TTFT
 * P50/P99 so far and errors so far. On a TTY it is a progress bar redrawn in
 * place (at most every 100 ms); elsewhere (CI logs) a plain line every few
 * seconds, with no cursor or colour codes. The per-request hot path only
 * counts; percentiles are computed at redraw from a bounded sample.
 */
import { paint } from '../util/color.ts';
import { labels, type Labels, type Lang } from './i18n.ts';
import { outputTokens, tokensPerSecond, totalTime, truncated, ttft } from '../stats/metrics.ts';
import { createRng, type Rng } from '../util/random.ts';
import type { RequestRecord } from '../record/record.ts';
import { displayWidth } from '../util/format.ts';
import { percentile } from '../stats/stats.ts';

export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  /** Terminal width; the bar is cut to fit so it never wraps (a wrapped line can't be redrawn in place). */
  columns?: number;
}

export interface ProgressOptions {
  stream: ProgressStream;
  /** Requests planned; undefined when a duration, not a count, ends the run. */
  total: number | undefined;
  /** With no total: the run's planned length, ms, for the bar and the ETA. */
  durationMs?: number;
  quiet: boolean;
  lang: Lang;
  /** Scrubs secrets from error messages before they are printed. */
  redact: (text: string) => string;
  /** Colour the bar (only honoured on a TTY; the caller applies NO_COLOR). */
  color?: boolean;
  /** Plain-line interval off a TTY, ms. */
  plainIntervalMs?: number;
  /** Clock, ms; performance.now by default (tests inject one). */
  now?: () => number;
}

export interface Progress {
  onStart(id: number): void;
  onComplete(record: RequestRecord): void;
  /** The current status, as printed. */
  status(): string;
  finish(): void;
}

/** What the status line shows; durations in seconds, undefined when not known yet. */
export interface ProgressSnapshot {
  done: number;
  total?: number;
  /** 0..1 when there is no total: elapsed / planned duration. */
  fraction?: number;
  inFlight: number;
  errors: number;
  elapsed: number;
  requestsPerSecond?: number;
  eta?: number;
  ttftP50?: number;
  ttftP99?: number;
}

const REDRAW_MS = 100;
const SAMPLE_SIZE = 1024;
const RATE_WINDOW_SLOTS = 20;
const RATE_SLOT_MS = 250;
const BAR_WIDTH = 20;

export function createProgress(options: ProgressOptions): Progress {
  const { stream, total, quiet } = options;
  const L = labels(options.lang);
  const tty = stream.isTTY === true;
  const color = tty && options.color === true;
  const now = options.now ?? (() => performance.now());
  const idWidth = Math.max(3, String(total ?? 0).length);
  const started = now();
  const ttftSample = createReservoir(SAMPLE_SIZE, createRng(1));
  const rate = createRateWindow();
  let done = 0;
  let inFlight = 0;
  let errors = 0;
  let drawn = false;
  let dirty = false;

  const snapshot = (): ProgressSnapshot => {
    const t = now();
    const elapsed = (t - started) / 1000;
    const requestsPerSecond = rate.perSecond(t, t - started);
    const values = ttftSample.values();
    const planned = options.durationMs !== undefined ? options.durationMs / 1000 : undefined;
    let eta: number | undefined;
    if (total !== undefined && done >= total) eta = 0;
    else if (total !== undefined) eta = requestsPerSecond && requestsPerSecond > 0 ? (total - done) / requestsPerSecond : undefined;
    else if (planned !== undefined) eta = Math.max(0, planned - elapsed);
    return {
      done,
      total,
      fraction: total === undefined && planned ? Math.min(1, elapsed / planned) : undefined,
      inFlight,
      errors,
      elapsed,
      requestsPerSecond,
      eta,
      ttftP50: percentile(values, 50),
      ttftP99: percentile(values, 99),
    };
  };
  const status = () => (tty ? formatBar(snapshot(), L, color, stream.columns) : formatPlain(snapshot(), L));

  const clear = () => {
    if (drawn) stream.write('\r\x1b[2K');
    drawn = false;
  };
  const draw = () => {
    clear();
    stream.write(status());
    drawn = true;
    dirty = false;
  };

  const timer = setInterval(
    () => {
      if (tty) {
        if (dirty) draw();
      } else {
        stream.write(status() + '\n');
      }
    },
    tty ? REDRAW_MS : (options.plainIntervalMs ?? 5000),
  );
  timer.unref();

  return {
    onStart() {
      inFlight++;
      dirty = true;
    },
    onComplete(record) {
      inFlight--;
      // A retry is another attempt at a request already counted done.
      if (record.attempt === undefined) done++;
      dirty = true;
      rate.add(now());
      if (record.error) errors++;
      else {
        const value = ttft(record);
        if (value !== undefined) ttftSample.add(value);
      }
      if (quiet) return;
      const id = `[${String(record.id).padStart(idWidth, '0')}${record.attempt !== undefined ? ` #${record.attempt}` : ''}]`;
      let text: string;
      if (record.error) {
        text = `${id} ${L.failed} (${record.error.kind}): ${options.redact(record.error.message)}\n`;
      } else {
        const kb = (record.bytes / 1024).toFixed(2);
        text =
          `${id} TTFT ${ttft(record)!.toFixed(3)}s\n` +
          `${id} ${L.done} ${totalTime(record)!.toFixed(3)}s | ${outputTokens(record)} ${L.tokens} | ` +
          `${(tokensPerSecond(record) ?? 0).toFixed(2)} ${L.tokPerSec} | ${kb} KB` +
          `${truncated(record) ? ` | ${L.truncated}` : ''}\n`;
      }
      clear();
      stream.write(text);
    },
    status,
    finish() {
      clearInterval(timer);
      clear();
      stream.write(formatPlain(snapshot(), L) + '\n');
    },
  };
}

/** The off-TTY line: plain text, every field labelled. */
export function formatPlain(s: ProgressSnapshot, L: Labels): string {
  return [
    `${L.progress}: ${doneOf(s)} (${percentDone(s)})`,
    `${L.elapsed}: ${duration(s.elapsed)}`,
    ...segments(s, L),
  ].join(' | ');
}

/** The TTY line: a bar, then the fields; trailing fields are dropped to fit `columns`. */
export function formatBar(s: ProgressSnapshot, L: Labels, color: boolean, columns?: number): string {
  const filled = Math.round((fractionDone(s) ?? 0) * BAR_WIDTH);
  const bar = paint(color, 'green', '█'.repeat(filled)) + paint(color, 'dim', '░'.repeat(BAR_WIDTH - filled));
  const head = `${bar} ${doneOf(s)} ${percentDone(s)}`;
  const parts = [head, ...segments(s, L, color)];
  const limit = columns && columns > 0 ? columns - 1 : Infinity;
  while (parts.length > 1 && visibleWidth(parts.join(' │ ')) > limit) parts.pop();
  return parts.join(' │ ');
}

function segments(s: ProgressSnapshot, L: Labels, color = false): string[] {
  const sec = (v: number | undefined) => (v === undefined ? '–' : `${v.toFixed(3)}s`);
  return [
    `${L.eta} ${s.eta === undefined ? '–' : duration(s.eta)}`,
    `${s.requestsPerSecond === undefined ? '–' : s.requestsPerSecond.toFixed(1)} ${L.reqPerSec}`,
    `${L.inFlight} ${s.inFlight}`,
    `TTFT P50 ${sec(s.ttftP50)} P99 ${sec(s.ttftP99)}`,
    s.errors > 0 ? paint(color, 'red', `${L.errorsSoFar} ${s.errors}`) : `${L.errorsSoFar} 0`,
  ];
}

function fractionDone(s: ProgressSnapshot): number | undefined {
  if (s.total !== undefined) return s.total > 0 ? s.done / s.total : undefined;
  return s.fraction;
}

function percentDone(s: ProgressSnapshot): string {
  const fraction = fractionDone(s);
  return fraction !== undefined ? `${Math.floor(fraction * 100)}%` : '–';
}

function doneOf(s: ProgressSnapshot): string {
  return s.total === undefined ? String(s.done) : `${s.done}/${s.total}`;
}

/** 42s, 3m05s, 1h02m. */
export function duration(secondsValue: number): string {
  const s = Math.max(0, Math.round(secondsValue));
  if (s < 60) return secondsValue < 10 ? `${Math.max(0, secondsValue).toFixed(1)}s` : `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

function visibleWidth(text: string): number {
  return displayWidth(text.replace(/\x1b\[[0-9;]*m/g, ''));
}

/** Uniform sample of at most `size` values (Algorithm R): O(1) per value, bounded memory. */
function createReservoir(size: number, rng: Rng) {
  const items: number[] = [];
  let seen = 0;
  return {
    add(value: number) {
      seen++;
      if (items.length < size) items.push(value);
      else {
        const j = Math.floor(rng() * seen);
        if (j < size) items[j] = value;
      }
    },
    values: (): readonly number[] => items,
  };
}

/** Completions per second over the last ~5 s, from 250 ms slots: O(1) per completion. */
function createRateWindow() {
  const counts = new Float64Array(RATE_WINDOW_SLOTS);
  const slotIds = new Float64Array(RATE_WINDOW_SLOTS).fill(-1);
  return {
    add(t: number) {
      const id = Math.floor(t / RATE_SLOT_MS);
      const i = id % RATE_WINDOW_SLOTS;
      if (slotIds[i] !== id) {
        slotIds[i] = id;
        counts[i] = 0;
      }
      counts[i]! += 1;
    },
    /** undefined until some time has passed. */
    perSecond(t: number, elapsedMs: number): number | undefined {
      if (elapsedMs < 500) return undefined;
      const current = Math.floor(t / RATE_SLOT_MS);
      let sum = 0;
      for (let i = 0; i < RATE_WINDOW_SLOTS; i++) {
        if (slotIds[i]! > current - RATE_WINDOW_SLOTS && slotIds[i]! <= current) sum += counts[i]!;
      }
      const windowMs = Math.min(elapsedMs, (RATE_WINDOW_SLOTS - 1) * RATE_SLOT_MS + (t - current * RATE_SLOT_MS));
      return sum / (windowMs / 1000);
    },
  };
}
