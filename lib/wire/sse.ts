/**
 * Incremental Server-Sent Events parser (WHATWG "event stream interpretation").
 * A pure state machine: feed it decoded text in any split; it calls onEvent once
 * per dispatched event. Handles CRLF / CR / LF line ends (a CR at the end of one
 * chunk and LF at the start of the next count as one line end), comments,
 * multi-line data and `event:` / `id:` fields. A UTF-8 byte order mark at the
 * very start of the stream is dropped (WHATWG: one leading U+FEFF is skipped),
 * so it cannot spoil the first field name.
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
  return new EventStreamParser(options);
}

/**
 * A class, not closures: one parser per request, and under tsx every closure
 * created is also renamed (esbuild keepNames), an allocation per function.
 */
class EventStreamParser implements SseParser {
  private readonly onEvent: SseParserOptions['onEvent'];
  private readonly onComment: SseParserOptions['onComment'];
  private readonly maxEventSize: number;
  private pending = '';
  // Stryker disable next-line StringLiteral: read only after a data line has set it (hasData)
  private data = '';
  private hasData = false;
  private eventType: string | undefined;
  private lastId: string | undefined;
  // Stryker disable next-line BooleanLiteral: a body that starts with LF starts with a blank line, which dispatches nothing either way
  private skipLeadingLF = false;
  /** No character seen yet: a leading BOM is still possible. */
  private atStart = true;

  constructor(options: SseParserOptions) {
    this.onEvent = options.onEvent;
    this.onComment = options.onComment;
    this.maxEventSize = options.maxEventSize ?? DEFAULT_MAX_EVENT_SIZE;
  }

  feed(chunk: string): void {
    // An empty chunk must not clear skipLeadingLF: CR, '', LF is one line end.
    if (chunk.length === 0) return;
    if (this.atStart) {
      this.atStart = false;
      if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1);
    }
    const { maxEventSize } = this;
    // A long line split over many chunks: append without rescanning what is pending,
    // so one huge event costs O(size), not O(size^2).
    // Stryker disable next-line ConditionalExpression,EqualityOperator,BlockStatement,StringLiteral: with nothing pending, or never taken, the full path below does the same (this path only saves a rescan)
    if (this.pending.length > 0 && chunk.indexOf('\n') === -1 && chunk.indexOf('\r') === -1) {
      this.pending += chunk;
      if (this.pending.length > maxEventSize) throw new SseEventTooLargeError(maxEventSize);
      return;
    }
    // Stryker disable next-line ConditionalExpression,EqualityOperator: '' + chunk is chunk
    const text = this.pending.length > 0 ? this.pending + chunk : chunk;
    this.pending = '';
    let pos = 0;
    if (this.skipLeadingLF) {
      this.skipLeadingLF = false;
      if (text.charCodeAt(0) === 10) pos = 1;
    }
    // Most streams use LF only; search for CR only while one may exist.
    let nextCR = text.indexOf('\r', pos);
    const length = text.length;
    // Stryker disable next-line EqualityOperator: at pos === length no line end is found and the loop breaks
    while (pos < length) {
      const nextLF = text.indexOf('\n', pos);
      // Stryker disable next-line ConditionalExpression,LogicalOperator,EqualityOperator: searching again from pos finds the same next CR
      if (nextCR !== -1 && nextCR < pos) nextCR = text.indexOf('\r', pos);
      let end: number;
      let after: number;
      // Stryker disable next-line EqualityOperator: a CR and an LF are never at the same index
      if (nextCR !== -1 && (nextLF === -1 || nextCR < nextLF)) {
        end = nextCR;
        if (nextCR + 1 === length) {
          this.skipLeadingLF = true;
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
      this.processLine(text.slice(pos, end));
      pos = after;
    }
    // Stryker disable next-line ConditionalExpression,EqualityOperator: slicing at length gives '', which pending already is
    if (pos < length) {
      this.pending = text.slice(pos);
      if (this.pending.length > maxEventSize) throw new SseEventTooLargeError(maxEventSize);
    }
  }

  end(): void {
    // Stryker disable next-line ConditionalExpression,EqualityOperator: an empty last line dispatches, which end() does next anyway
    if (this.pending.length > 0) {
      const line = this.pending;
      // Stryker disable next-line StringLiteral: the body has ended; only a feed after end() would read it
      this.pending = '';
      this.processLine(line);
    }
    // Stryker disable next-line BooleanLiteral: a leading LF after the end is a blank line with no data, which dispatches nothing
    this.skipLeadingLF = false;
    this.dispatch();
  }

  reset(): void {
    this.pending = '';
    // Stryker disable next-line StringLiteral: releases the string; read only after a data line sets it again
    this.data = '';
    this.hasData = false;
    this.eventType = undefined;
    this.lastId = undefined;
    // Stryker disable next-line BooleanLiteral: a leading LF after a reset is a blank line with no data, which dispatches nothing
    this.skipLeadingLF = false;
    this.atStart = true;
  }

  private dispatch(): void {
    if (this.hasData) this.onEvent({ event: this.eventType, data: this.data, id: this.lastId });
    // Stryker disable next-line StringLiteral: releases the string; read only after a data line sets it again
    this.data = '';
    this.hasData = false;
    this.eventType = undefined;
  }

  private processLine(line: string): void {
    if (line.length === 0) return this.dispatch();
    const colon = line.indexOf(':');
    if (colon === 0) {
      this.onComment?.(line.slice(1).trimStart());
      return;
    }
    let field: string;
    let value: string;
    if (colon === -1) {
      field = line;
      value = '';
    } else {
      // `data:` on every event: recognized without cutting the field name out.
      // Stryker disable next-line ConditionalExpression: slicing gives 'data' too (this only saves the slice)
      field = colon === 4 && line.startsWith('data') ? 'data' : line.slice(0, colon);
      value = line.charCodeAt(colon + 1) === 32 ? line.slice(colon + 2) : line.slice(colon + 1);
    }
    switch (field) {
      case 'data':
        this.data = this.hasData ? this.data + '\n' + value : value;
        this.hasData = true;
        if (this.data.length > this.maxEventSize) throw new SseEventTooLargeError(this.maxEventSize);
        break;
      case 'event':
        // An empty type is the default type ("message"), as if the field were absent.
        this.eventType = value === '' ? undefined : value;
        break;
      case 'id':
        if (!value.includes('\0')) this.lastId = value;
        break;
      // Stryker disable next-line ConditionalExpression: the default case does nothing
      default:
        // `retry` and unknown fields do not affect measurement.
        break;
    }
  }
}
