/**
 * Framing: cuts decoded body text into protocol messages (SSE events, NDJSON
 * lines, or raw chunks as they came) and hands each to the protocol adapter.
 * Incremental: text may be split anywhere.
 */
import type { Protocol, StreamSink } from './protocols/protocol.ts';
import { createSseParser } from './sse.ts';

export interface Framer {
  feed(text: string): void;
  /** The body ended cleanly: flush what is pending. */
  end(): void;
  /** Messages handed to the protocol so far (tells a malformed stream, bytes but no message, from a tokenless one). */
  readonly messages: number;
}

export function createFramer(protocol: Protocol, sink: StreamSink, maxEventSize?: number): Framer {
  let messages = 0;
  switch (protocol.framing) {
    case 'sse': {
      const parser = createSseParser({
        onEvent: (event) => {
          messages++;
          protocol.onMessage(event.data, event.event, sink);
        },
        maxEventSize,
      });
      return {
        feed: (text) => parser.feed(text),
        end: () => parser.end(),
        get messages() {
          return messages;
        },
      };
    }
    case 'ndjson': {
      let pending = '';
      const handle = (line: string) => {
        const trimmed = line.trim();
        if (trimmed.length === 0) return;
        messages++;
        protocol.onMessage(trimmed, undefined, sink);
      };
      return {
        get messages() {
          return messages;
        },
        feed(text) {
          let start = 0;
          let newline = text.indexOf('\n');
          if (newline === -1) {
            pending += text;
            return;
          }
          handle(pending + text.slice(0, newline));
          start = newline + 1;
          while ((newline = text.indexOf('\n', start)) !== -1) {
            handle(text.slice(start, newline));
            start = newline + 1;
          }
          pending = text.slice(start);
        },
        end() {
          // A last line without its newline is still a whole JSON object.
          const last = pending;
          pending = '';
          handle(last);
        },
      };
    }
    case 'raw':
      return {
        feed: (text) => {
          messages++;
          protocol.onMessage(text, undefined, sink);
        },
        get messages() {
          return messages;
        },
        // A raw stream's only end marker is the end of the body.
        end: () => sink.end(),
      };
  }
}
