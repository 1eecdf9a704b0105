/**
 * Incremental Server-Sent Events parser (WHATWG "event stream interpretation").
 * A pure state machine: feed it decoded text in any split; it calls onEvent once
 * per dispatched event. Handles CRLF / CR / LF line ends (a CR at the end of one
 * chunk and LF at the start of the next count as one line end), comments,
 * multi-line data and `event:` / `id:` fields.
 */

export interface SseEvent {
  /** The `event:` field, or undefined for the default "message" type. */
  event: string | undefined;
  data: string;
  id: string | undefined;
}

export interface SseParserOptions {
  onEvent: (event: SseEvent) => void;
  onComment?: (comment: string) => void;
  /** Largest allowed pending line or event data, in UTF-16 code units. */
  maxEventSize?: number;
}

export interface SseParser {
  feed(chunk: string): void;
  /**
   * The body ended: processes an unterminated last line and dispatches a
   * pending event. The spec discards an event cut off at EOF; a measuring
   * client keeps it, because an end marker (`data: [DONE]`) that arrived
   * without its blank line still arrived.
   */
  end(): void;
  reset(): void;
}

export class SseEventTooLargeError extends Error {
  readonly code = 'SSE_EVENT_TOO_LARGE';
  constructor(readonly limit: number) {
    super(`an SSE event exceeded the buffer limit of ${limit} characters; the stream was dropped`);
  }
}

const DEFAULT_MAX_EVENT_SIZE = 8 * 1024 * 1024;

export function createSseParser(options: SseParserOptions): SseParser {
  const { onEvent, onComment } = options;
  const maxEventSize = options.maxEventSize ?? DEFAULT_MAX_EVENT_SIZE;
  let pending = '';
  let data = '';
  let hasData = false;
  let eventType: string | undefined;
  let lastId: string | undefined;
  let skipLeadingLF = false;

  function dispatch(): void {
    if (hasData) onEvent({ event: eventType, data, id: lastId });
    data = '';
    hasData = false;
    eventType = undefined;
  }

  function processLine(line: string): void {
    if (line.length === 0) return dispatch();
    const colon = line.indexOf(':');
    if (colon === 0) {
      onComment?.(line.slice(1).trimStart());
      return;
    }
    let field: string;
    let value: string;
    if (colon === -1) {
      field = line;
      value = '';
    } else {
      field = line.slice(0, colon);
      value = line.charCodeAt(colon + 1) === 32 ? line.slice(colon + 2) : line.slice(colon + 1);
    }
    switch (field) {
      case 'data':
        data = hasData ? data + '\n' + value : value;
        hasData = true;
        if (data.length > maxEventSize) throw new SseEventTooLargeError(maxEventSize);
        break;
      case 'event':
        eventType = value;
        break;
      case 'id':
        if (!value.includes('\0')) lastId = value;
        break;
      default:
        // `retry` and unknown fields do not affect measurement.
        break;
    }
  }

  function feed(chunk: string): void {
    // A long line split over many chunks: append without rescanning what is pending,
    // so one huge event costs O(size), not O(size^2).
    if (pending.length > 0 && chunk.indexOf('\n') === -1 && chunk.indexOf('\r') === -1) {
      pending += chunk;
      if (pending.length > maxEventSize) throw new SseEventTooLargeError(maxEventSize);
      return;
    }
    const text = pending.length > 0 ? pending + chunk : chunk;
    pending = '';
    let pos = 0;
    if (skipLeadingLF) {
      skipLeadingLF = false;
      if (text.charCodeAt(0) === 10) pos = 1;
    }
    // Most streams use LF only; search for CR only while one may exist.
    let nextCR = text.indexOf('\r', pos);
    const length = text.length;
    while (pos < length) {
      let nextLF = text.indexOf('\n', pos);
      if (nextCR !== -1 && nextCR < pos) nextCR = text.indexOf('\r', pos);
      let end: number;
      let after: number;
      if (nextCR !== -1 && (nextLF === -1 || nextCR < nextLF)) {
        end = nextCR;
        if (nextCR + 1 === length) {
          skipLeadingLF = true;
          after = length;
        } else {
          after = text.charCodeAt(nextCR + 1) === 10 ? nextCR + 2 : nextCR + 1;
        }
      } else if (nextLF !== -1) {
        end = nextLF;
        after = nextLF + 1;
      } else {
        break;
      }
      processLine(text.slice(pos, end));
      pos = after;
    }
    if (pos < length) {
      pending = text.slice(pos);
      if (pending.length > maxEventSize) throw new SseEventTooLargeError(maxEventSize);
    }
  }

  function end(): void {
    if (pending.length > 0) {
      const line = pending;
      pending = '';
      processLine(line);
    }
    skipLeadingLF = false;
    dispatch();
  }

  function reset(): void {
    pending = '';
    data = '';
    hasData = false;
    eventType = undefined;
    lastId = undefined;
    skipLeadingLF = false;
  }

  return { feed, end, reset };
}
