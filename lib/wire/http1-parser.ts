/**
 * Incremental HTTP/1.1 response parser (RFC 9112) for the socket transport.
 * A pure state machine over bytes: feed it socket chunks split anywhere; it
 * calls onHead once per final response (1xx interim responses are skipped),
 * onBody with slices of the input (no copy) as body bytes arrive, de-chunked,
 * and onComplete when the message ends. Body framing follows RFC 9112 §6.3:
 * no body for HEAD, 1xx, 204 and 304; chunked transfer coding; Content-Length;
 * otherwise the body runs until the connection closes (call end()).
 */

export interface ResponseHead {
  status: number;
  statusText: string;
  /** Lower-case names; repeated headers joined with ", ". */
  headers: Map<string, string>;
  /** The connection may carry another request after this response. */
  keepAlive: boolean;
}

export interface ResponseParserOptions {
  onHead(head: ResponseHead): void;
  /** A view into the fed bytes (no copy): use it before the next feed, or copy it. */
  onBody(bytes: Uint8Array): void;
  onComplete(): void;
  /** Largest status line plus headers (or chunk-size line / trailer section), bytes. */
  maxHeadSize?: number;
}

export interface ResponseParser {
  /** Bytes from the socket. Throws HttpParseError on a malformed response. */
  feed(bytes: Buffer): void;
  /** The connection closed: completes a body that runs until the close; false when the response was cut off. */
  end(): boolean;
  /** The next response is for a HEAD request (it has headers only). */
  expectHeadResponse(isHead: boolean): void;
  /** A complete response was parsed and nothing follows it (the socket can be reused). */
  readonly idle: boolean;
}

export class HttpParseError extends Error {
  readonly code = 'HTTP_PARSE_ERROR';
}

const DEFAULT_MAX_HEAD_SIZE = 64 * 1024;
const CR = 13;
const LF = 10;

const enum State {
  Head,
  Body,
  ChunkSize,
  ChunkData,
  ChunkDataEnd,
  Trailers,
  UntilClose,
  Done,
}

export function createResponseParser(options: ResponseParserOptions): ResponseParser {
  const { onHead, onBody, onComplete } = options;
  const maxHeadSize = options.maxHeadSize ?? DEFAULT_MAX_HEAD_SIZE;
  let state = State.Head;
  /** Bytes of an unfinished head or line, carried to the next feed. */
  let carry: Buffer | undefined;
  let remaining = 0;
  let forHead = false;
  let keepAlive = true;

  function parseHead(text: string): State {
    const lines = text.split('\r\n');
    const statusLine = /^HTTP\/1\.([01]) (\d{3})(?: (.*))?$/.exec(lines[0] ?? '');
    if (!statusLine) throw new HttpParseError(`malformed status line ${JSON.stringify((lines[0] ?? '').slice(0, 80))}`);
    const status = Number(statusLine[2]);
    const headers = new Map<string, string>();
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i]!;
      const colon = line.indexOf(':');
      if (colon <= 0 || line.charCodeAt(0) === 32 || line.charCodeAt(0) === 9) {
        throw new HttpParseError(`malformed header line ${JSON.stringify(line.slice(0, 80))}`);
      }
      const name = line.slice(0, colon).toLowerCase();
      const value = line.slice(colon + 1).trim();
      const previous = headers.get(name);
      headers.set(name, previous === undefined ? value : `${previous}, ${value}`);
    }
    if (status < 200) return State.Head; // 100 Continue, 103 Early Hints: the final response follows.
    const connection = headers.get('connection')?.toLowerCase() ?? '';
    keepAlive = statusLine[1] === '1' ? !/\bclose\b/.test(connection) : /\bkeep-alive\b/.test(connection);
    const transferEncoding = headers.get('transfer-encoding')?.toLowerCase();
    const contentLength = headers.get('content-length');
    let next: State;
    if (forHead || status === 204 || status === 304) next = State.Done;
    else if (transferEncoding !== undefined) {
      if (!/(?:^|,)\s*chunked\s*$/.test(transferEncoding)) {
        // Not chunked last: only the close of the connection ends the body.
        keepAlive = false;
        next = State.UntilClose;
      } else next = State.ChunkSize;
    } else if (contentLength !== undefined) {
      if (!/^\d+$/.test(contentLength)) throw new HttpParseError(`invalid content-length ${JSON.stringify(contentLength.slice(0, 40))}`);
      remaining = Number(contentLength);
      next = remaining === 0 ? State.Done : State.Body;
    } else {
      keepAlive = false;
      next = State.UntilClose;
    }
    onHead({ status, statusText: statusLine[3] ?? '', headers, keepAlive });
    return next;
  }

  /** Index just past the next CRLF (or LF) in `bytes` from `from`, or -1. */
  function lineEnd(bytes: Buffer, from: number): number {
    const lf = bytes.indexOf(LF, from);
    return lf === -1 ? -1 : lf + 1;
  }

  /** Joins a carried partial line/head with new bytes. */
  function withCarry(bytes: Buffer): Buffer {
    if (!carry) return bytes;
    const joined = Buffer.concat([carry, bytes]);
    carry = undefined;
    return joined;
  }

  function keep(bytes: Buffer, from: number): void {
    if (bytes.length - from > maxHeadSize) throw new HttpParseError(`response head larger than ${maxHeadSize} bytes`);
    carry = Buffer.from(bytes.subarray(from));
  }

  /** Hands on up to `remaining` body bytes from `at` (as they arrive); returns the new position. */
  function passBody(bytes: Buffer, at: number): number {
    const take = Math.min(remaining, bytes.length - at);
    onBody(view(bytes, at, take));
    remaining -= take;
    return at + take;
  }

  function complete(): void {
    state = State.Done;
    onComplete();
  }

  function feed(input: Buffer): void {
    // A line or head cut by the previous read continues with these bytes.
    const bytes = carry ? withCarry(input) : input;
    let at = 0;
    while (at < bytes.length) {
      switch (state) {
        case State.Head: {
          const end = bytes.indexOf('\r\n\r\n', at, 'latin1');
          if (end === -1) return keep(bytes, at);
          if (end - at > maxHeadSize) throw new HttpParseError(`response head larger than ${maxHeadSize} bytes`);
          const text = bytes.toString('latin1', at, end);
          at = end + 4;
          state = parseHead(text);
          if (state === State.Done) complete();
          break;
        }
        case State.Body:
          at = passBody(bytes, at);
          if (remaining === 0) complete();
          break;
        case State.ChunkSize: {
          // Once per chunk, i.e. per token event of a streamed response: hex digits read from the bytes, no string.
          let size = 0;
          let i = at;
          for (let digit = hexValue(bytes[i]!); digit !== -1 && i < bytes.length; digit = hexValue(bytes[++i]!)) size = size * 16 + digit;
          let end = i - at > 0 && i - at <= 12 && bytes[i] === CR && bytes[i + 1] === LF ? i + 2 : -1;
          if (end === -1) {
            // Chunk extensions, a bare LF, or a line cut by the chunk boundary: the general path.
            end = lineEnd(bytes, at);
            if (end === -1) return keep(bytes, at);
            const line = bytes.toString('latin1', at, end);
            const match = /^([0-9a-fA-F]{1,12})[ \t]*(?:;[^\r\n]*)?\r?\n$/.exec(line);
            if (!match) throw new HttpParseError(`malformed chunk size line ${JSON.stringify(line.slice(0, 40))}`);
            size = parseInt(match[1]!, 16);
          }
          at = end;
          remaining = size;
          state = remaining === 0 ? State.Trailers : State.ChunkData;
          break;
        }
        case State.ChunkData:
          at = passBody(bytes, at);
          if (remaining === 0) state = State.ChunkDataEnd;
          break;
        case State.ChunkDataEnd: {
          // The CRLF after chunk data.
          if (bytes[at] === CR && bytes[at + 1] === LF) {
            at += 2;
            state = State.ChunkSize;
            break;
          }
          const end = lineEnd(bytes, at);
          if (end === -1) return keep(bytes, at);
          if (end - at > 2 || (end - at === 2 && bytes[at] !== CR)) throw new HttpParseError('chunk data longer than its size');
          at = end;
          state = State.ChunkSize;
          break;
        }
        case State.Trailers: {
          const end = lineEnd(bytes, at);
          if (end === -1) return keep(bytes, at);
          const blank = end - at <= 2;
          at = end;
          if (blank) complete();
          break;
        }
        case State.UntilClose:
          onBody(at === 0 ? bytes : view(bytes, at, bytes.length - at));
          return;
        case State.Done:
          throw new HttpParseError('bytes after the end of the response');
      }
    }
  }

  return {
    feed,
    end() {
      if (state === State.UntilClose) complete();
      return state === State.Done;
    },
    expectHeadResponse(isHead) {
      forHead = isHead;
      state = State.Head;
      carry = undefined;
      keepAlive = true;
    },
    get idle() {
      return state === State.Done && keepAlive;
    },
  };
}

/** The value of an ASCII hex digit byte, or -1 (also for undefined: past the end). */
function hexValue(byte: number): number {
  if (byte >= 48 && byte <= 57) return byte - 48;
  if (byte >= 97 && byte <= 102) return byte - 87;
  if (byte >= 65 && byte <= 70) return byte - 55;
  return -1;
}

/** A plain Uint8Array view: cheaper to create than Buffer#subarray, once per chunk. */
function view(bytes: Buffer, at: number, length: number): Uint8Array {
  return at === 0 && length === bytes.length ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset + at, length);
}
