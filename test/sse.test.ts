import { describe, expect, it } from 'vitest';
import { createSseParser, SseEventTooLargeError, type SseEvent } from '../lib/wire/sse.ts';

function parse(chunks: string[], maxEventSize?: number): { events: SseEvent[]; comments: string[] } {
  const events: SseEvent[] = [];
  const comments: string[] = [];
  const parser = createSseParser({ onEvent: (e) => events.push(e), onComment: (c) => comments.push(c), maxEventSize });
  for (const chunk of chunks) parser.feed(chunk);
  return { events, comments };
}

/** Every way of cutting `text` into two pieces, and into single characters. */
function splits(text: string): string[][] {
  const out: string[][] = [[text], [...text]];
  for (let i = 1; i < text.length; i++) out.push([text.slice(0, i), text.slice(i)]);
  return out;
}

describe('createSseParser', () => {
  const stream =
    ': keep-alive\r\n' +
    'data: {"a":1}\r\n\r\n' +
    'event: delta\ndata: line one\ndata: line two\nid: 7\n\n' +
    'data:no-space\r\rdata: [DONE]\n\n';
  const expected: SseEvent[] = [
    { event: undefined, data: '{"a":1}', id: undefined },
    { event: 'delta', data: 'line one\nline two', id: '7' },
    { event: undefined, data: 'no-space', id: '7' },
    { event: undefined, data: '[DONE]', id: '7' },
  ];

  it.each(splits(stream).map((chunks, i) => ({ i, chunks })))('gives the same events for split #$i', ({ chunks }) => {
    const { events, comments } = parse(chunks);
    expect(events).toEqual(expected);
    expect(comments).toEqual(['keep-alive']);
  });

  // A CRLF server: an event name, then multi-line data. Read as two line ends, CRLF
  // would dispatch at the LF, losing the event name and splitting the data.
  const crlfStream =
    'event: delta\r\ndata: line one\r\ndata: line two\r\nid: 9\r\n\r\n' +
    'event: done\r\ndata: [DONE]\r\n\r\n';
  const crlfExpected: SseEvent[] = [
    { event: 'delta', data: 'line one\nline two', id: '9' },
    { event: 'done', data: '[DONE]', id: '9' },
  ];

  it.each(splits(crlfStream).map((chunks, i) => ({ i, chunks })))(
    'keeps event names and multi-line data over CRLF for split #$i',
    ({ chunks }) => {
      expect(parse(chunks).events).toEqual(crlfExpected);
    },
  );

  it('takes an empty chunk as nothing, even between the CR and LF of a line end', () => {
    for (let i = 0; i <= crlfStream.length; i++) {
      const chunks = [crlfStream.slice(0, i), '', crlfStream.slice(i)];
      expect(parse(chunks).events, JSON.stringify(chunks)).toEqual(crlfExpected);
    }
  });

  it('keeps event names and multi-line data over CRLF cut at any two points', () => {
    for (let i = 1; i < crlfStream.length; i++) {
      for (let j = i + 1; j < crlfStream.length; j++) {
        const chunks = [crlfStream.slice(0, i), crlfStream.slice(i, j), crlfStream.slice(j)];
        expect(parse(chunks).events, JSON.stringify(chunks)).toEqual(crlfExpected);
      }
    }
  });

  it.each(splits('\uFEFFdata: first\n\ndata: second\n\n').map((chunks, i) => ({ i, chunks })))(
    'drops one leading byte order mark, so the first event is not lost (split #$i)',
    ({ chunks }) => {
      expect(parse(chunks).events.map((e) => e.data)).toEqual(['first', 'second']);
    },
  );

  it('drops only one BOM, only at the very start, and again after reset', () => {
    // A second BOM is part of the field name, which then names no field.
    expect(parse(['\uFEFF\uFEFFdata: x\n\n']).events).toEqual([]);
    expect(parse(['data: \uFEFFx\n\n']).events.map((e) => e.data)).toEqual(['\uFEFFx']);
    expect(parse(['', '\uFEFFdata: x\n\n']).events.map((e) => e.data)).toEqual(['x']);
    const events: SseEvent[] = [];
    const parser = createSseParser({ onEvent: (e) => events.push(e) });
    parser.feed('\uFEFFdata: a\n\n');
    parser.reset();
    parser.feed('\uFEFFdata: b\n\n');
    expect(events.map((e) => e.data)).toEqual(['a', 'b']);
  });

  it('takes an empty event field as the default type', () => {
    expect(parse(['event:\ndata: a\n\nevent: \ndata: b\n\nevent: delta\nevent:\ndata: c\n\n']).events.map((e) => e.event)).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
  });

  it('does not dispatch an event without its blank line', () => {
    expect(parse(['data: partial\n']).events).toEqual([]);
  });

  it('ignores blank lines with no data and unknown fields', () => {
    expect(parse(['\n\nretry: 10\nfoo: bar\n\n']).events).toEqual([]);
  });

  it('keeps an empty data line as an empty event', () => {
    expect(parse(['data\n\n']).events).toEqual([{ event: undefined, data: '', id: undefined }]);
  });

  it('resets state', () => {
    const events: SseEvent[] = [];
    const parser = createSseParser({ onEvent: (e) => events.push(e) });
    parser.feed('data: half');
    parser.reset();
    parser.feed('data: whole\n\n');
    expect(events.map((e) => e.data)).toEqual(['whole']);
  });

  it('throws a clear error past the size limit, pending or in data', () => {
    expect(() => parse(['data: ' + 'x'.repeat(100)], 50)).toThrow(SseEventTooLargeError);
    expect(() => parse(['data: ' + 'x'.repeat(30) + '\n', 'data: ' + 'y'.repeat(30) + '\n'], 50)).toThrow(/buffer limit of 50/);
    let error: unknown;
    try {
      parse(['data: ' + 'x'.repeat(100)], 50);
    } catch (caught) {
      error = caught;
    }
    expect(error).toMatchObject({ code: 'SSE_EVENT_TOO_LARGE', limit: 50 });
  });

  it('allows a pending line or event data of exactly the limit, and not one more', () => {
    const line = (length: number) => 'data: ' + 'x'.repeat(length - 6);
    // A pending line, in one chunk and grown over chunks without a line end.
    expect(() => parse([line(50)], 50)).not.toThrow();
    expect(() => parse([line(51)], 50)).toThrow(SseEventTooLargeError);
    expect(() => parse(['data: ', 'x'.repeat(22), 'x'.repeat(22)], 50)).not.toThrow();
    expect(() => parse(['data: ', 'x'.repeat(22), 'x'.repeat(23)], 50)).toThrow(SseEventTooLargeError);
    // Event data over several lines: 24 + newline + 25 = 50.
    expect(() => parse(['data: ' + 'a'.repeat(24) + '\ndata: ' + 'b'.repeat(25) + '\n'], 50)).not.toThrow();
    expect(() => parse(['data: ' + 'a'.repeat(24) + '\ndata: ' + 'b'.repeat(26) + '\n'], 50)).toThrow(SseEventTooLargeError);
  });

  it('holds 8 MiB by default', () => {
    const big = 'x'.repeat(8 * 1024 * 1024);
    expect(parse(['data: ' + big + '\n\n']).events[0]!.data).toHaveLength(big.length);
    expect(() => parse(['data: ' + big + 'x\n\n'])).toThrow(/buffer limit of 8388608/);
  });

  it('reads only the field named exactly data as data', () => {
    // Four-letter names, a name that starts with "data", a value that ends with "data".
    const { events } = parse(['name: data\ndatum: x\ndata2: y\ndata: real\n\n']);
    expect(events).toEqual([{ event: undefined, data: 'real', id: undefined }]);
  });

  it('ignores an id holding NUL, keeping the last good id', () => {
    const { events } = parse(['id: 1\ndata: a\n\nid: 2\0x\ndata: b\n\n']);
    expect(events.map((e) => e.id)).toEqual(['1', '1']);
  });

  it('passes comments over when no one listens for them', () => {
    const events: SseEvent[] = [];
    const parser = createSseParser({ onEvent: (e) => events.push(e) });
    parser.feed(': ping\ndata: a\n\n');
    expect(events).toHaveLength(1);
  });

  // Where each event's blank line ends: the event must be out by then (TTFT is timed at dispatch).
  const dispatchCases: Array<[string, string]> = [
    ['CR', 'data: a\r\revent: e\rdata: b\rdata: c\r\r'],
    ['CRLF', crlfStream],
    ['LF', 'data: a\n\nevent: e\ndata: b\n\n'],
  ];
  it.each(dispatchCases.flatMap(([name, text]) => [1, 2, 3].map((size) => [name, text, size] as const)))(
    'dispatches each event as soon as its blank line ends (%s, fed %i characters at a time)',
    (_name, text, size) => {
    const events: SseEvent[] = [];
    const parser = createSseParser({ onEvent: (e) => events.push(e) });
    const counts: number[] = [];
    for (let at = 0; at < text.length; at += size) {
      parser.feed(text.slice(at, at + size));
      for (let i = at; i < Math.min(at + size, text.length); i++) counts.push(events.length);
    }
    // A blank line is a line end right after another one; CRLF counts as one, ended at its CR.
    const expected: number[] = [];
    let dispatched = 0;
    let previousEnd = -2;
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      const isLineEnd = c === '\r' || (c === '\n' && text[i - 1] !== '\r');
      if (isLineEnd) {
        if (previousEnd === i - 1 || (previousEnd === i - 2 && text[i - 1] === '\n' && text[i - 2] === '\r')) dispatched++;
        previousEnd = i;
      } else if (c === '\n') {
        previousEnd = i; // the LF of a CRLF extends the line end
      }
      expected.push(dispatched);
    }
    expect(expected[expected.length - 1]).toBe(events.length);
    // After each chunk, every event whose blank line ended within it is out.
    const atChunkEnds = (values: number[]) => values.filter((_, i) => (i + 1) % size === 0 || i === values.length - 1);
    expect(atChunkEnds(counts)).toEqual(atChunkEnds(expected));
    },
  );

  it('at the end of the body, keeps an unterminated last line and a pending event', () => {
    const cases: Array<[string[], SseEvent[]]> = [
      [['data: [DONE]'], [{ event: undefined, data: '[DONE]', id: undefined }]],
      [['event: end\ndata: x\n'], [{ event: 'end', data: 'x', id: undefined }]],
      [['data: a', '\r'], [{ event: undefined, data: 'a', id: undefined }]],
      // CR-only line ends split across chunks, then the end: two lines, not one.
      [['data: a', '\rdata: b\r'], [{ event: undefined, data: 'a\nb', id: undefined }]],
      [['data: a', '\rdata: b'], [{ event: undefined, data: 'a\nb', id: undefined }]],
      [[': only a comment'], []],
      [[], []],
    ];
    for (const [chunks, expected] of cases) {
      const events: SseEvent[] = [];
      const parser = createSseParser({ onEvent: (e) => events.push(e) });
      for (const chunk of chunks) parser.feed(chunk);
      parser.end();
      expect(events, JSON.stringify(chunks)).toEqual(expected);
      // Ended is ended: nothing left to dispatch twice, and a CR at the end does not eat the next body's first LF.
      parser.end();
      parser.feed('\ndata: next\n\n');
      expect(events.slice(expected.length), JSON.stringify(chunks)).toEqual([{ event: undefined, data: 'next', id: undefined }]);
    }
  });

  it('reset drops a pending line, half an event, its name and a CR awaiting its LF', () => {
    const events: SseEvent[] = [];
    const parser = createSseParser({ onEvent: (e) => events.push(e) });
    parser.feed('event: old\ndata: half\r');
    parser.reset();
    parser.feed('\ndata: whole\n\n');
    expect(events).toEqual([{ event: undefined, data: 'whole', id: undefined }]);
    parser.feed('id: 3\ndata: x\n\n');
    parser.reset();
    parser.feed('data: y\n\n');
    expect(events[2]).toEqual({ event: undefined, data: 'y', id: undefined });
  });
});
