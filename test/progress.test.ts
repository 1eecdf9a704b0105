import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderAsciiHistogram } from '../lib/report/ascii-histogram.ts';
import { shouldColor } from '../lib/util/color.ts';
import { labels } from '../lib/report/i18n.ts';
import { createProgress, duration, formatBar, formatPlain, type ProgressSnapshot } from '../lib/report/progress.ts';
import type { RequestRecord } from '../lib/record/record.ts';

const L = labels('en');
const SGR = /\x1b\[[0-9;]*m/;
const snapshot: ProgressSnapshot = { done: 45, total: 100, inFlight: 10, errors: 2, elapsed: 5, requestsPerSecond: 9, eta: 6.1, ttftP50: 0.231, ttftP99: 0.402 };

function ok(id: number, startedAt: number, ttftMs: number): RequestRecord {
  return { id, startedAt, firstTokenAt: startedAt + ttftMs, tokenTimes: [startedAt + ttftMs], reasoningTokens: 0, endedAt: startedAt + ttftMs + 10, bytes: 100, chunks: 2, sawEndMarker: true };
}
function failed(id: number, at: number): RequestRecord {
  return { id, startedAt: at, tokenTimes: [], reasoningTokens: 0, endedAt: at + 1, bytes: 0, chunks: 0, sawEndMarker: false, error: { kind: 'connect', message: 'refused' } };
}

function capture(isTTY: boolean, columns?: number) {
  const out: string[] = [];
  return { stream: { isTTY, columns, write: (text: string) => out.push(text) }, text: () => out.join('') };
}

afterEach(() => vi.useRealTimers());

describe('status line', () => {
  it('shows done/total, ETA, live req/s, in flight, TTFT P50/P99 and errors', () => {
    expect(formatPlain(snapshot, L)).toBe(
      'progress: 45/100 (45%) | elapsed: 5.0s | ETA 6.1s | 9.0 req/s | in flight 10 | TTFT P50 0.231s P99 0.402s | errors 2',
    );
    const bar = formatBar(snapshot, L, false);
    expect(bar).toBe('█████████░░░░░░░░░░░ 45/100 45% │ ETA 6.1s │ 9.0 req/s │ in flight 10 │ TTFT P50 0.231s P99 0.402s │ errors 2');
  });

  it('colours only when asked, and cuts trailing fields to fit the terminal', () => {
    expect(formatBar(snapshot, L, true)).toMatch(SGR);
    expect(formatBar(snapshot, L, false)).not.toMatch(SGR);
    const narrow = formatBar(snapshot, L, true, 50);
    expect(narrow.replace(/\x1b\[[0-9;]*m/g, '').length).toBeLessThanOrEqual(49);
    expect(narrow).toContain('45/100');
    expect(narrow).not.toContain('errors');
  });

  it('shows unknowns as a dash before anything finished', () => {
    const line = formatPlain({ done: 0, total: 5, inFlight: 5, errors: 0, elapsed: 0.1 }, L);
    expect(line).toContain('ETA –');
    expect(line).toContain('TTFT P50 – P99 –');
  });

  it('formats durations', () => {
    expect(duration(4.25)).toBe('4.3s');
    expect(duration(42)).toBe('42s');
    expect(duration(185)).toBe('3m05s');
    expect(duration(3720)).toBe('1h02m');
  });

  it('honours NO_COLOR and colours only a TTY', () => {
    expect(shouldColor({ isTTY: true }, {})).toBe(true);
    expect(shouldColor({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(shouldColor({ isTTY: false }, {})).toBe(false);
  });
});

describe('createProgress', () => {
  it('counts completions, errors and TTFT percentiles from the records', () => {
    let now = 0;
    const out = capture(false);
    const progress = createProgress({ stream: out.stream, total: 4, quiet: true, lang: 'en', redact: (t) => t, now: () => now });
    for (const id of [1, 2, 3, 4]) progress.onStart(id);
    now = 1000;
    progress.onComplete(ok(1, 0, 100));
    progress.onComplete(ok(2, 0, 300));
    progress.onComplete(failed(3, 0));
    const status = progress.status();
    expect(status).toContain('progress: 3/4 (75%)');
    expect(status).toContain('in flight 1');
    expect(status).toContain('errors 1');
    expect(status).toContain('TTFT P50 0.200s P99 0.298s');
    // 3 completions in the 1 s so far: 3 req/s, so 1 remaining takes ~0.3 s.
    expect(status).toContain('3.0 req/s');
    expect(status).toContain('ETA 0.3s');
    progress.finish();
    expect(out.text()).toBe(''.concat(progress.status(), '\n'));
  });

  it('a run that finished within half a second has no rate yet, but nothing left: ETA 0', () => {
    let now = 0;
    const out = capture(false);
    const progress = createProgress({ stream: out.stream, total: 2, quiet: true, lang: 'en', redact: (t) => t, now: () => now });
    progress.onStart(1);
    progress.onStart(2);
    now = 200;
    progress.onComplete(ok(1, 0, 100));
    expect(progress.status()).toContain('ETA – | – req/s');
    progress.onComplete(ok(2, 0, 100));
    expect(progress.status()).toContain('progress: 2/2 (100%) | elapsed: 0.2s | ETA 0.0s | – req/s');
  });

  it('off a TTY prints plain periodic lines with no escape codes, and per-request lines unless quiet', () => {
    vi.useFakeTimers();
    const out = capture(false);
    const progress = createProgress({ stream: out.stream, total: 2, quiet: false, lang: 'en', redact: (t) => t.replace('refused', '[X]'), plainIntervalMs: 1000 });
    progress.onStart(1);
    progress.onStart(2);
    progress.onComplete(ok(1, 0, 120));
    vi.advanceTimersByTime(2500);
    progress.onComplete(failed(2, 0));
    progress.finish();
    const text = out.text();
    expect(text).toContain('[001] TTFT 0.120s\n');
    expect(text).toContain('[002] Failed (connect): [X]\n');
    expect(text.match(/^progress: /gm)).toHaveLength(3); // two periodic lines and the final one
    expect(text).not.toContain('\x1b');
  });

  it('on a TTY redraws one line in place and keeps per-request lines above it', () => {
    vi.useFakeTimers();
    const out = capture(true, 200);
    const progress = createProgress({ stream: out.stream, total: 2, quiet: false, lang: 'en', redact: (t) => t, color: false });
    progress.onStart(1);
    vi.advanceTimersByTime(150);
    progress.onComplete(ok(1, 0, 50));
    vi.advanceTimersByTime(150);
    progress.finish();
    const text = out.text();
    expect(text).toContain('\r\x1b[2K[001] TTFT 0.050s');
    expect(text).toContain('░ 1/2 50%');
    expect(text).not.toMatch(SGR);
    expect(text.endsWith('\n')).toBe(true);
  });

  it('drops per-request lines when quiet', () => {
    const out = capture(false);
    const progress = createProgress({ stream: out.stream, total: 1, quiet: true, lang: 'en', redact: (t) => t });
    progress.onStart(1);
    progress.onComplete(ok(1, 0, 50));
    progress.finish();
    expect(out.text()).not.toContain('[001]');
  });
});

describe('renderAsciiHistogram', () => {
  it('draws one row per bin with bars proportional to the counts', () => {
    const text = renderAsciiHistogram([0.1, 0.12, 0.19, 0.2, 0.31, 0.5], { title: 'TTFT histogram', maxBins: 4, barWidth: 12 });
    expect(text).toBe(
      [
        'TTFT histogram (n = 6)',
        '  0.1–0.2s │████████████ 3',
        '  0.2–0.3s │████         1',
        '  0.3–0.4s │████         1',
        '  0.4–0.5s │████         1',
        '',
      ].join('\n'),
    );
  });

  it('is empty for no values', () => {
    expect(renderAsciiHistogram([], { title: 'x' })).toBe('');
  });
});
