/**
 * The protocol adapter interface: turns framed stream messages (SSE events,
 * NDJSON lines or raw chunks) into token / usage / end / error signals.
 * Adapters are stateless singletons; per-request state lives in the sink.
 */
import type { Usage } from '../record.ts';

export type Framing = 'sse' | 'ndjson' | 'raw';

export interface StreamSink {
  /** One token event: a message carrying non-empty generated text. */
  token(reasoning: boolean): void;
  usage(usage: Usage): void;
  /** The protocol's end-of-stream marker was seen. */
  end(): void;
  /** An in-stream error event, with the provider's message. */
  fail(message: string): void;
}

export interface Protocol {
  readonly name: string;
  readonly framing: Framing;
  /** One SSE event (data and event type), one NDJSON line, or one raw chunk's text. */
  onMessage(data: string, event: string | undefined, sink: StreamSink): void;
  /** Adjusts the parsed request body before sending, e.g. to ask for usage. */
  prepareBody?(body: unknown): unknown;
}

/** Parses a JSON message; malformed JSON is a protocol error, not a crash. */
export function parseJsonMessage(data: string): unknown {
  try {
    return JSON.parse(data);
  } catch {
    throw new MalformedMessageError(data);
  }
}

/** The excerpt of the message is added where the error is recorded, after secrets are scrubbed from it. */
export class MalformedMessageError extends Error {
  readonly code = 'E_MALFORMED';
  constructor(readonly data: string) {
    super('malformed JSON in stream');
  }
}
