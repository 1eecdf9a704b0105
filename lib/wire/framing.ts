/**
 * Framing: cuts decoded body text into protocol messages (SSE events, NDJSON
 * lines, or raw chunks as they came) and hands each to the protocol adapter.
 * Incremental: text may be split anywhere.
 */
import type { Protocol, StreamSink } from './protocols/protocol.ts';
import { createSseParser, type SseEvent, type SseParser } from './sse.ts';

export interface Framer {
  feed(text: string): void;
  /** The body ended cleanly: flush what is pending. */
  end(): void;
  /** Messages handed to the protocol so far (tells a malformed stream, bytes but no message, from a tokenless one). */
  readonly messages: number;
}

export function createFramer(protocol: Protocol, sink: StreamSink, maxEventSize?: number): Framer {
  switch (protocol.framing) {
    case 'sse':
      return new SseFramer(protocol, sink, maxEventSize);
    case 'ndjson':
      return new NdjsonFramer(protocol, sink);
    case 'raw':
      return new RawFramer(protocol, sink);
  }
}

// Classes rather than closures: one framer per request, and under tsx every closure created is also renamed.

class SseFramer implements Framer {
  messages = 0;
  private readonly parser: SseParser;

  constructor(
    private readonly protocol: Protocol,
    private readonly sink: StreamSink,
    maxEventSize: number | undefined,
  ) {
    this.parser = createSseParser({ onEvent: (event) => this.onEvent(event), maxEventSize });
  }

  feed(text: string): void {
    this.parser.feed(text);
  }

  end(): void {
    this.parser.end();
  }

  private onEvent(event: SseEvent): void {
    this.messages++;
    this.protocol.onMessage(event.data, event.event, this.sink);
  }
}

class NdjsonFramer implements Framer {
  messages = 0;
  private pending = '';

  constructor(
    private readonly protocol: Protocol,
    private readonly sink: StreamSink,
  ) {}

  feed(text: string): void {
    let newline = text.indexOf('\n');
    if (newline === -1) {
      this.pending += text;
      return;
    }
    this.handle(this.pending + text.slice(0, newline));
    let start = newline + 1;
    while ((newline = text.indexOf('\n', start)) !== -1) {
      this.handle(text.slice(start, newline));
      start = newline + 1;
    }
    this.pending = text.slice(start);
  }

  end(): void {
    // A last line without its newline is still a whole JSON object.
    const last = this.pending;
    this.pending = '';
    this.handle(last);
  }

  private handle(line: string): void {
    const trimmed = line.trim();
    if (trimmed.length === 0) return;
    this.messages++;
    this.protocol.onMessage(trimmed, undefined, this.sink);
  }
}

class RawFramer implements Framer {
  messages = 0;

  constructor(
    private readonly protocol: Protocol,
    private readonly sink: StreamSink,
  ) {}

  feed(text: string): void {
    this.messages++;
    this.protocol.onMessage(text, undefined, this.sink);
  }

  end(): void {
    // A raw stream's only end marker is the end of the body.
    this.sink.end();
  }
}
