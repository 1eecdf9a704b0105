/**
 * The raw per-request record: timestamps only, from performance.now(), in
 * milliseconds since the run's origin. Every metric is derived from it by the
 * pure functions in metrics.ts; nothing here is computed.
 */

export const ERROR_KINDS = ['http', 'timeout', 'connect', 'aborted', 'protocol'] as const;
export type ErrorKind = (typeof ERROR_KINDS)[number];

export interface RequestError {
  kind: ErrorKind;
  message: string;
  /** HTTP status, for kind "http". */
  status?: number;
  /** The first 200 characters of an error response body (or of a 200 that was no stream), redacted. */
  body?: string;
  /** The Retry-After header of an error response, as sent (seconds or an HTTP date). */
  retryAfter?: string;
  /** The provider's error type or code for an in-stream error event (e.g. "overloaded_error"). */
  code?: string;
}

export interface Usage {
  inputTokens?: number;
  outputTokens?: number;
  /** Input tokens the server served from its prefix cache (OpenAI cached_tokens, Anthropic cache_read_input_tokens, ...). */
  cachedInputTokens?: number;
}

export interface RequestRecord {
  /** 1-based global request index (a shard's ids skip the other shards'), ascending in send order. */
  id: number;
  /**
   * When the schedule meant to send it. Open loop: the arrival time, so
   * startedAt - intendedAt is the send lag (client busy, concurrency cap).
   * Closed loop: equal to startedAt. Undefined reads as startedAt.
   */
  intendedAt?: number;
  /**
   * When the request went out: just before it was handed to the transport, or,
   * when the transport reports it (TransportResponse.sentAt), when it was written
   * on a connection the transport already had.
   */
  startedAt: number;
  /** Response status line and headers received. */
  headersAt?: number;
  /** First body byte received. */
  firstByteAt?: number;
  /** First event carrying non-empty generated text (reasoning included). */
  firstTokenAt?: number;
  /** First event carrying non-empty answer (non-reasoning) text. */
  firstAnswerAt?: number;
  /** Arrival time of every token event, any kind, ascending. */
  tokenTimes: number[];
  /** How many of tokenTimes were reasoning tokens. */
  reasoningTokens: number;
  /** Stream finished, failed or was aborted. */
  endedAt: number;
  status?: number;
  bytes: number;
  chunks: number;
  /** Token counts reported by the server, when it reports them. */
  usage?: Usage;
  /** True when the protocol's end marker ([DONE] etc.) was seen. */
  sawEndMarker: boolean;
  /** The protocol that read this response, when the response content-type picked it. */
  protocol?: string;
  /** Output tokens counted by a tokenizer over the generated text (--tokenizer), when asked for. */
  tokenizerTokens?: number;
  /**
   * All generated text, kept only while a tokenizer estimate is pending; it is
   * counted after the run and dropped, so it never reaches the results.
   */
  outputText?: string;
  /**
   * The answer text streamed, kept only while a conversation needs it for its
   * next turn's history; never stored or written.
   */
  replyText?: string;
  error?: RequestError;
  /** A warm-up request (true): kept in results, left out of every statistic. The runner sets it on every record. */
  warmup?: boolean;
  /**
   * A retry (--retries): 2 for the first retry, 3 for the next... It shares its
   * id with the first attempt, whose record has no attempt field.
   */
  attempt?: number;
  /** The sweep level (concurrency or rate) it ran at. */
  level?: number;
  /**
   * Sent without streaming (`"stream": false`, or the protocol's non-streaming endpoint): the whole
   * answer came as one JSON body, so it has no token times, TTFT, TPOT or ITL; only its end-to-end time.
   */
  nonStreaming?: boolean;
  /** The data row (0-based, in file order) that filled the request's template. */
  rowIndex?: number;
  /** The row's group_by value. */
  group?: string;
  /** The conversation it belongs to (1-based, the run's global conversation number), in a run with turns or a session trace. */
  session?: number;
  /** Its turn in the conversation, 1-based. */
  turn?: number;
  /** The prompt's tokens in the run's tokenizer, as generated or counted before sending (workload, datasets). */
  promptTokens?: number;
  /** The output tokens the request asked for (--output-tokens). */
  requestedOutputTokens?: number;
}

/**
 * Records a consumer reads once through, in order: a plain array (rows read
 * from a file) or a run's RecordStore (record-store.ts), which materializes one
 * record at a time.
 */
export type Records = Iterable<RequestRecord> & { readonly length: number };

/**
 * Growable Float64Array for the per-token hot path: appending a timestamp is a
 * store, not an allocation.
 */
export class TimeBuffer {
  private data: Float64Array;
  length = 0;

  constructor(initialCapacity = 64) {
    this.data = new Float64Array(initialCapacity);
  }

  push(value: number): void {
    if (this.length === this.data.length) {
      const grown = new Float64Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = value;
  }

  toArray(): number[] {
    // new Array(n) then stores: an exact-size double array, ~25% smaller than Array.from's.
    const out = new Array<number>(this.length);
    for (let i = 0; i < this.length; i++) out[i] = this.data[i]!;
    return out;
  }
}
