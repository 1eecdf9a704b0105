import { describe, expect, it } from 'vitest';
import { createResponseParser, HttpParseError, type ResponseHead } from '../lib/wire/http1-parser.ts';

interface Parsed {
  /** What end() said, when the test closed the connection. */
  complete?: boolean;
  heads: ResponseHead[];
  body: string;
  bodyCalls: number;
  completes: number;
  idle: boolean;
}

/** Feeds `wire` in the given pieces (byte offsets where it is cut) and collects what the parser reports. */
function parse(wire: string, cuts: number[] = [], options: { head?: boolean; close?: boolean; maxHeadSize?: number } = {}): Parsed {
  const out: Parsed = { heads: [], body: '', bodyCalls: 0, completes: 0, idle: false };
  const parts: Buffer[] = [];
  const parser = createResponseParser({
    onHead: (head) => out.heads.push(head),
    onBody: (bytes) => {
      parts.push(Buffer.from(bytes));
      out.bodyCalls++;
    },
    onComplete: () => out.completes++,
    maxHeadSize: options.maxHeadSize,
  });
  parser.expectHeadResponse(options.head ?? false);
  const bytes = Buffer.from(wire, 'latin1');
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    parser.feed(bytes.subarray(from, cut));
    from = cut;
  }
  if (options.close) out.complete = parser.end();
  out.body = Buffer.concat(parts).toString('latin1');
  out.idle = parser.idle;
  return out;
}

/** Every way to cut `wire` in two, and byte by byte. */
function everySplit(wire: string): number[][] {
  const splits: number[][] = [Array.from({ length: wire.length - 1 }, (_, i) => i + 1)];
  for (let i = 1; i < wire.length; i++) splits.push([i]);
  return splits;
}

const CHUNKED =
  'HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n' +
  '12\r\ndata: {"a":"xy"}\n\n\r\n' +
  'e;ext=1\r\ndata: [DONE]\n\n\r\n' +
  '0\r\nX-Trailer: t\r\n\r\n';

describe('createResponseParser', () => {
  it('reads a Content-Length response in any split', () => {
    const wire = 'HTTP/1.1 201 Created\r\nContent-Length: 5\r\nX-A: 1\r\n\r\nhello';
    for (const cuts of everySplit(wire)) {
      const out = parse(wire, cuts);
      expect(out.heads).toHaveLength(1);
      expect(out.heads[0]).toMatchObject({ status: 201, statusText: 'Created', keepAlive: true });
      expect(out.heads[0]!.headers.get('x-a')).toBe('1');
      expect(out.body).toBe('hello');
      expect(out.completes).toBe(1);
      expect(out.idle).toBe(true);
    }
  });

  it('de-chunks a chunked body in any split: extensions and trailers skipped, nothing of the framing leaks', () => {
    for (const cuts of everySplit(CHUNKED)) {
      const out = parse(CHUNKED, cuts);
      expect(out.body).toBe('data: {"a":"xy"}\n\ndata: [DONE]\n\n');
      expect(out.heads[0]!.headers.get('content-type')).toBe('text/event-stream');
      expect(out.completes).toBe(1);
      expect(out.idle).toBe(true);
    }
  });

  it('hands chunk data over as it arrives, before the chunk is complete (a token is not held back)', () => {
    const wire = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n8\r\nabcdefgh\r\n0\r\n\r\n';
    const cut = wire.indexOf('abcd') + 4;
    const seen: string[] = [];
    const parser = createResponseParser({ onHead: () => {}, onBody: (b) => seen.push(Buffer.from(b).toString()), onComplete: () => {} });
    parser.expectHeadResponse(false);
    parser.feed(Buffer.from(wire.slice(0, cut)));
    expect(seen).toEqual(['abcd']);
  });

  it('accepts hex sizes in either case and bare LF line ends in the chunk framing', () => {
    const wire = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nA\n0123456789\nb\r\nabcdefghijk\r\n0\n\n';
    const out = parse(wire);
    expect(out.body).toBe('0123456789abcdefghijk');
    expect(out.completes).toBe(1);
  });

  it('skips 1xx interim responses and reports the final one only', () => {
    const wire = 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';
    const out = parse(wire, [10, 30, 60]);
    expect(out.heads.map((h) => h.status)).toEqual([200]);
    expect(out.body).toBe('ok');
  });

  it.each([
    ['204 No Content', 'HTTP/1.1 204 No Content\r\n\r\n', false],
    ['304 Not Modified', 'HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n', false],
    ['a HEAD response', 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n', true],
    ['Content-Length: 0', 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n', false],
  ])('has no body for %s', (_name, wire, head) => {
    const out = parse(wire, [], { head });
    expect(out.completes).toBe(1);
    expect(out.bodyCalls).toBe(0);
    expect(out.idle).toBe(true);
  });

  it('reads to the close of the connection when nothing frames the body, and never reuses it', () => {
    const wire = 'HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\ndata: 1\n\ndata: 2\n\n';
    const out = parse(wire, [40, 50]);
    expect(out.completes).toBe(0);
    const closed = parse(wire, [40, 50], { close: true });
    expect(closed.body).toBe('data: 1\n\ndata: 2\n\n');
    expect(closed.completes).toBe(1);
    expect(closed.complete).toBe(true);
    expect(closed.heads[0]!.keepAlive).toBe(false);
    expect(closed.idle).toBe(false);
  });

  it.each([
    ['Connection: close', 'HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\nx', false],
    ['HTTP/1.0', 'HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx', false],
    ['HTTP/1.0 with keep-alive', 'HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 1\r\n\r\nx', true],
  ])('keep-alive: %s', (_name, wire, keepAlive) => {
    const out = parse(wire);
    expect(out.heads[0]!.keepAlive).toBe(keepAlive);
    expect(out.idle).toBe(keepAlive);
  });

  it('joins repeated headers and matches names case-insensitively', () => {
    const out = parse('HTTP/1.1 200 OK\r\nSet-Thing: a\r\nset-thing: b\r\nContent-Length: 0\r\n\r\n');
    expect(out.heads[0]!.headers.get('set-thing')).toBe('a, b');
  });

  it('parses the next response after expectHeadResponse, on the same connection', () => {
    const out: string[] = [];
    const parser = createResponseParser({ onHead: (h) => out.push(`head ${h.status}`), onBody: (b) => out.push(Buffer.from(b).toString()), onComplete: () => out.push('end') });
    parser.expectHeadResponse(false);
    parser.feed(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na'));
    parser.expectHeadResponse(false);
    parser.feed(Buffer.from('HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nb\r\n0\r\n\r\n'));
    expect(out).toEqual(['head 200', 'a', 'end', 'head 404', 'b', 'end']);
  });

  it.each([
    ['a malformed status line', 'HTP/1.1 200 OK\r\n\r\n', /malformed status line/],
    ['a malformed header line', 'HTTP/1.1 200 OK\r\nno colon here\r\n\r\n', /malformed header line/],
    ['an invalid content-length', 'HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n', /invalid content-length/],
    ['a malformed chunk size', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', /malformed chunk size/],
    ['chunk data longer than its size', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nabc\r\n', /longer than its size/],
    ['bytes after the response', 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nab', /after the end/],
  ])('rejects %s', (_name, wire, message) => {
    expect(() => parse(wire)).toThrow(message);
    expect(() => parse(wire)).toThrow(HttpParseError);
  });

  it('rejects a head larger than the limit, also when it arrives in pieces', () => {
    const wire = `HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(200)}\r\n\r\n`;
    expect(() => parse(wire, [], { maxHeadSize: 100 })).toThrow(/larger than 100 bytes/);
    expect(() => parse(wire, [50, 120, 180], { maxHeadSize: 100 })).toThrow(/larger than 100 bytes/);
  });

  it('reports a connection closed mid-response (before the head, mid-body, mid-chunk) as incomplete', () => {
    for (const wire of ['HTTP/1.1 200 O', 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel', CHUNKED.slice(0, CHUNKED.indexOf('[DONE]'))]) {
      const out = parse(wire, [], { close: true });
      expect(out.complete).toBe(false);
      expect(out.completes).toBe(0);
    }
    expect(parse(CHUNKED, [], { close: true }).complete).toBe(true);
  });
});
