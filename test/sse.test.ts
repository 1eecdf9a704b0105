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
  });
});
