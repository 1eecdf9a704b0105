/**
 * Executes one streaming request and records raw timestamps. This is the hot
 * path: per chunk it takes one timestamp, decodes, frames and hands messages to
 * the protocol adapter; per token it stores one float. Nothing is logged here.
 */
import { StringDecoder } from 'node:string_decoder';
import { onAbort } from './abort-fanout.ts';
import { connectHint, describeCompressedStream, describeHttpError, describeRedirect, describeTokenlessStream, isHtml, malformedHttpReason } from './error-hints.ts';
import { describeRequest, errorCode, messageOf, RequestFailure } from '../record/errors.ts';
import { TimeBuffer, type RequestError, type RequestRecord, type Usage } from '../record/record.ts';
import { createFramer } from './framing.ts';
import { protocolForContentType } from './protocols/registry.ts';
import { MalformedMessageError, type Protocol, type StreamSink, type TextKind } from './protocols/protocol.ts';
import { SseEventTooLargeError } from './sse.ts';
import type { Transport, TransportRequest, TransportResponse } from './transport.ts';

export interface RequestContext {
  transport: Transport;
  /** The stream protocol; undefined: each response's content-type picks it. */
  protocol: Protocol | undefined;
  /** Keep the generated text on the record, for a tokenizer estimate after the run. */
  collectText?: boolean;
  /**
   * The request asks for the whole answer as one JSON body (`"stream": false`, or a non-streaming
   * endpoint): it is read whole and measured end to end, with no token times (so no TTFT, TPOT or ITL).
   */
  nonStreaming?: boolean;
  /** Keep the answer text on the record (replyText), for a conversation's next turn. */
  collectReply?: boolean;
  /** Whole request, send to end of stream. */
  timeoutMs: number;
  /** Longest allowed gap between body bytes once the headers are in; undefined: no limit. */
  idleTimeoutMs?: number;
  /** performance.now() value that timestamps are measured from. */
  origin: number;
  /**
   * Aborts the whole run: in-flight requests become "aborted", the message
   * naming the reason (the signal, e.g. SIGINT; or DEADLINE_ABORT: the
   * --duration grace ran out).
   */
  signal?: AbortSignal;
  maxEventSize?: number;
  /** Scrubs secrets from error text before it is cut short and recorded (a cut key would escape redaction). */
  redact?: (text: string) => string;
}

type AbortReason = 'timeout' | 'idle' | 'interrupted' | 'deadline';

const ERROR_BODY_CHARS = 200;
/** Enough of an error body to find the provider's message in it. */
const ERROR_READ_BYTES = 4096;
/** The start of a 200 body, kept to explain a response that carried no token. */
const HEAD_CHARS = 512;
const EXCERPT_CHARS = 80;
/** A non-streaming answer is held whole until parsed: larger ones are refused as a protocol error. */
const MAX_COMPLETE_BYTES = 16 * 1024 * 1024;
const identity = (text: string) => text;

/** The run signal's abort reason when a --duration run's grace period ends. */
export const DEADLINE_ABORT = 'deadline';

/** `intendedAt`: when the schedule meant to send it (ms since origin); default: when it is sent. */
export async function executeRequest(
  id: number,
  request: TransportRequest,
  ctx: RequestContext,
  intendedAt?: number,
): Promise<RequestRecord> {
  const { origin } = ctx;
  const redact = ctx.redact ?? identity;
  const controller = new AbortController();
  let abortReason: AbortReason | undefined;
  let response: TransportResponse | undefined;
  const abort = (reason: AbortReason) => {
    abortReason ??= reason;
    controller.abort();
    // Not every body stream honours the signal once headers are in; cancel it too.
    response?.cancel();
  };
  const timer = setTimeout(() => abort('timeout'), ctx.timeoutMs);
  const onRunAbort = () => abort(ctx.signal?.reason === DEADLINE_ABORT ? 'deadline' : 'interrupted');
  let stopListening: (() => void) | undefined;
  if (ctx.signal?.aborted) onRunAbort();
  else if (ctx.signal) stopListening = onAbort(ctx.signal, onRunAbort);

  const record: RequestRecord = {
    id,
    startedAt: 0,
    tokenTimes: [],
    reasoningTokens: 0,
    endedAt: 0,
    bytes: 0,
    chunks: 0,
    sawEndMarker: false,
  };
  const sink = new RecordingSink(record, request, ctx.collectText === true, ctx.collectReply === true, origin);
  const { tokenTimes } = sink;
  let head = '';
  // StringDecoder: streaming UTF-8 like TextDecoder, about 3x cheaper per chunk.
  const decoder = new StringDecoder('utf8');

  // The idle check re-arms itself lazily from the last byte's time: one timer per idle
  // period, nothing per chunk but the `now` store the chunk handler does anyway.
  const idleMs = ctx.idleTimeoutMs;
  let idleTimer: NodeJS.Timeout | undefined;
  const checkIdle = () => {
    const quiet = performance.now() - origin - sink.now;
    if (quiet >= idleMs!) abort('idle');
    else idleTimer = setTimeout(checkIdle, idleMs! - quiet);
  };

  record.startedAt = performance.now() - origin;
  record.intendedAt = intendedAt ?? record.startedAt;
  try {
    response = await ctx.transport(request, controller.signal);
    // The transport held the request back before writing it on a connection it had: the clock starts at the write.
    if (response.sentAt !== undefined) {
      record.startedAt = response.sentAt - origin;
      if (intendedAt === undefined) record.intendedAt = record.startedAt;
    }
    record.headersAt = sink.now = performance.now() - origin;
    record.status = response.status;
    const { encoding } = response;
    if (response.status >= 300 && response.status < 400) {
      // Read to its end (a redirect body is short), so the connection can be reused.
      await readPrefix(response, ERROR_READ_BYTES);
      const detail = describeRedirect(response.status, response.statusText, response.header('location'));
      throw new RequestFailure('http', describeRequest(request.method, request.url, detail), { status: response.status });
    }
    if (response.status >= 400) {
      const body = encoding ? `(a ${encoding}-compressed body, not shown)` : redact(await readPrefix(response, ERROR_READ_BYTES));
      const retryAfter = response.header('retry-after') ?? undefined;
      const detail = describeHttpError(response.status, response.statusText, response.header('content-type'), body, retryAfter);
      throw new RequestFailure('http', describeRequest(request.method, request.url, detail), {
        status: response.status,
        body,
        retryAfter,
      });
    }
    if (encoding) {
      const detail = describeCompressedStream(encoding, acceptEncoding(request.headers));
      throw new RequestFailure('protocol', describeRequest(request.method, request.url, detail));
    }
    let protocol = ctx.protocol;
    if (ctx.nonStreaming) {
      record.nonStreaming = true;
      if (isHtml(response.header('content-type'), '')) {
        const body = redact(await readPrefix(response, HEAD_CHARS));
        const detail = describeTokenlessStream(response.header('content-type'), body, body.length, 0);
        throw new RequestFailure('protocol', describeRequest(request.method, request.url, detail), { body });
      }
      // Without a protocol from the path, a JSON answer is read as OpenAI chat, as an SSE one is.
      const text = await readWhole(response, sink, record);
      if (abortReason) throw new Error(`request ${abortReason}`);
      parseWhole(text, protocol ?? protocolForContentType('text/event-stream'), sink, record);
      return record;
    }
    if (!protocol) {
      const contentType = response.header('content-type');
      // Auto-detection would take a web page for a raw byte stream and count it a success.
      if (isHtml(contentType, '')) {
        const body = redact(await readPrefix(response, HEAD_CHARS));
        const detail = describeTokenlessStream(contentType, body, body.length, 0);
        throw new RequestFailure('protocol', describeRequest(request.method, request.url, detail), { body });
      }
      protocol = protocolForContentType(contentType);
      record.protocol = protocol.name;
    }
    const framer = createFramer(protocol, sink, ctx.maxEventSize);
    if (idleMs !== undefined) idleTimer = setTimeout(checkIdle, idleMs);
    await response.read((chunk) => {
      const now = (sink.now = performance.now() - origin);
      if (record.firstByteAt === undefined) record.firstByteAt = now;
      record.bytes += chunk.byteLength;
      record.chunks++;
      // Invalid UTF-8 becomes U+FFFD, as the SSE standard decodes; timing and token counts stay valid.
      const text = decoder.write(chunk);
      if (head.length < HEAD_CHARS) head += text.slice(0, HEAD_CHARS - head.length);
      if (text.length > 0) framer.feed(text);
    });
    if (abortReason) throw new Error(`request ${abortReason}`);
    const rest = decoder.end();
    if (rest.length > 0) framer.feed(rest);
    framer.end();
    if (tokenTimes.length === 0) {
      const body = redact(head);
      const detail = describeTokenlessStream(response.header('content-type'), body, record.bytes, framer.messages);
      throw new RequestFailure('protocol', describeRequest(request.method, request.url, detail), { body });
    }
  } catch (error) {
    response?.cancel();
    const failedAt = performance.now() - origin;
    const tokens = tokenTimes.length;
    const classified = classify(error, { abortReason, record, request, ctx, tokens, lastByteAt: sink.now, failedAt, redact });
    record.error = scrub(classified, redact);
  } finally {
    clearTimeout(timer);
    clearTimeout(idleTimer);
    stopListening?.();
    record.endedAt = performance.now() - origin;
    record.tokenTimes = tokenTimes.toArray();
    if (ctx.collectText) record.outputText = sink.outputText;
    if (ctx.collectReply) record.replyText = sink.replyText;
  }
  return record;
}

/**
 * Receives one response's protocol events and records them. A class, not an
 * object of closures: one per request, and under tsx every closure created is
 * also renamed (esbuild keepNames), an allocation per function.
 */
class RecordingSink implements StreamSink {
  /**
   * The arrival time of the chunk being processed (every message in one chunk arrived together),
   * ms since the origin; also the last-byte time the idle check reads.
   */
  now = 0;
  readonly tokenTimes = new TimeBuffer(16);
  /** All generated text, kept only for a tokenizer estimate. */
  outputText = '';
  /** The answer text, kept only for a conversation's next turn. */
  replyText = '';
  readonly wantsText: boolean;
  /** Any text came (a token event, or text in a non-streaming answer). */
  sawText = false;
  /** Reading a non-streaming answer: token() records no time. */
  wholeAnswer = false;

  constructor(
    private readonly record: RequestRecord,
    private readonly request: TransportRequest,
    private readonly wantsOutput: boolean,
    private readonly wantsReply: boolean,
    readonly origin: number,
  ) {
    this.wantsText = wantsOutput || wantsReply;
  }

  get requestInfo(): TransportRequest {
    return this.request;
  }

  token(reasoning: boolean): void {
    this.sawText = true;
    // A non-streaming answer arrived whole: its text has no arrival time of its own.
    if (this.wholeAnswer) return;
    const { record, now } = this;
    this.tokenTimes.push(now);
    if (record.firstTokenAt === undefined) record.firstTokenAt = now;
    if (reasoning) record.reasoningTokens++;
    else if (record.firstAnswerAt === undefined) record.firstAnswerAt = now;
  }

  text(text: string, kind: TextKind): void {
    if (this.wantsOutput) this.outputText += text;
    if (this.wantsReply && kind === 'answer') this.replyText += text;
  }

  usage(usage: Usage): void {
    const record = this.record;
    record.usage = { ...record.usage };
    if (usage.inputTokens !== undefined) record.usage.inputTokens = usage.inputTokens;
    if (usage.outputTokens !== undefined) record.usage.outputTokens = usage.outputTokens;
    if (usage.cachedInputTokens !== undefined) record.usage.cachedInputTokens = usage.cachedInputTokens;
  }

  end(): void {
    this.record.sawEndMarker = true;
  }

  fail(message: string, code?: string): void {
    const { method, url } = this.request;
    throw new RequestFailure('protocol', `${describeRequest(method, url, 'error event in stream')}: ${message}`, { code });
  }
}

/**
 * A non-streaming answer: the whole body, then the protocol reads it at once. Its token events are not
 * times (they all arrive together), so they are counted as "has text" only; output tokens come from the
 * server's usage or a tokenizer.
 */
async function readWhole(response: TransportResponse, sink: RecordingSink, record: RequestRecord): Promise<string> {
  const parts: Uint8Array[] = [];
  await response.read((chunk) => {
    const now = (sink.now = performance.now() - sink.origin);
    if (record.firstByteAt === undefined) record.firstByteAt = now;
    record.bytes += chunk.byteLength;
    record.chunks++;
    if (record.bytes > MAX_COMPLETE_BYTES) throw new RequestFailure('protocol', `non-streaming response larger than ${MAX_COMPLETE_BYTES / 1024 / 1024} MB`);
    // Copied: the transport may reuse the chunk's memory after this call.
    parts.push(new Uint8Array(chunk));
  });
  return new TextDecoder().decode(Buffer.concat(parts));
}

function parseWhole(text: string, protocol: Protocol, sink: RecordingSink, record: RequestRecord): void {
  sink.wholeAnswer = true;
  if (protocol.parseComplete) protocol.parseComplete(text, sink);
  else protocol.onMessage(text.trim(), undefined, sink);
  if (!sink.sawText && record.usage?.outputTokens === undefined) {
    const { method, url } = sink.requestInfo;
    throw new RequestFailure('protocol', describeRequest(method, url, `no generated text in the non-streaming response (${text.length} bytes)`), {
      body: text.slice(0, HEAD_CHARS),
    });
  }
  sink.end();
}

function acceptEncoding(headers: Record<string, string>): string {
  for (const name in headers) if (name.toLowerCase() === 'accept-encoding') return headers[name]!;
  return 'identity';
}

async function readPrefix(response: TransportResponse, limit: number): Promise<string> {
  const parts: Uint8Array[] = [];
  let size = 0;
  // Throwing from onChunk cancels the body once we have enough; a body that
  // breaks off early still yields what arrived.
  await response
    .read((chunk) => {
      // Copied: the transport may reuse the chunk's memory after this call.
      parts.push(new Uint8Array(chunk));
      size += chunk.byteLength;
      if (size >= limit) throw new Error('enough');
    })
    .catch(() => {});
  return new TextDecoder().decode(Buffer.concat(parts).subarray(0, limit));
}

interface FailureContext {
  abortReason: AbortReason | undefined;
  record: RequestRecord;
  request: TransportRequest;
  ctx: RequestContext;
  tokens: number;
  /** ms since origin of the last byte (or of the headers). */
  lastByteAt: number;
  failedAt: number;
  redact: (text: string) => string;
}

function classify(error: unknown, f: FailureContext): RequestError {
  if (error instanceof RequestFailure) return error.toData();
  const { record, tokens } = f;
  const where = (detail: string) => describeRequest(f.request.method, f.request.url, detail);
  if (f.abortReason === 'timeout') {
    const limit = `after ${seconds(f.ctx.timeoutMs)} (--timeout)`;
    if (record.headersAt === undefined) return { kind: 'timeout', message: where(`timed out before response headers ${limit}`) };
    const alive = tokens === 0 && record.bytes > 0 ? '; the server kept the connection alive but sent no token' : '';
    return {
      kind: 'timeout',
      message: where(`timed out mid-stream ${limit}: ${count(tokens, 'token')}, last byte ${seconds(f.failedAt - f.lastByteAt)} earlier${alive}`),
    };
  }
  if (f.abortReason === 'idle') {
    return {
      kind: 'timeout',
      message: where(`no byte for ${seconds(f.ctx.idleTimeoutMs ?? 0)} mid-stream (--idle-timeout) after ${count(tokens, 'token')}`),
    };
  }
  if (f.abortReason === 'deadline') {
    return { kind: 'aborted', message: where('aborted: still in flight when the grace period after the deadline ended') };
  }
  if (f.abortReason === 'interrupted') {
    const reason = f.ctx.signal?.reason;
    return { kind: 'aborted', message: where(`aborted by the run (${typeof reason === 'string' ? reason : 'interrupted'})`) };
  }
  if (error instanceof SseEventTooLargeError) return { kind: 'protocol', message: where(error.message) };
  if (error instanceof MalformedMessageError) {
    const data = f.redact(error.data);
    const excerpt = data.length > EXCERPT_CHARS ? data.slice(0, EXCERPT_CHARS) + '…' : data;
    return { kind: 'protocol', message: where(`${error.message}: ${JSON.stringify(excerpt)}`) };
  }
  const malformed = malformedHttpReason(error);
  if (malformed !== undefined) {
    const when = record.headersAt === undefined ? '' : ` mid-stream after ${count(tokens, 'token')}`;
    return { kind: 'protocol', message: where(`malformed HTTP response${when}: ${malformed}`) };
  }
  if (record.headersAt === undefined) {
    const hint = connectHint(errorCode(error));
    return { kind: 'connect', message: where(messageOf(error) + (hint ? ` (${hint})` : '')) };
  }
  return { kind: 'aborted', message: where(`the connection broke off mid-stream after ${count(tokens, 'token')}: ${messageOf(error)}`) };
}

/** Secrets out first, then the body is cut to size: a key cut in half would escape redaction. */
function scrub(error: RequestError, redact: (text: string) => string): RequestError {
  const out: RequestError = { ...error, message: redact(error.message) };
  if (error.body !== undefined) out.body = redact(error.body).slice(0, ERROR_BODY_CHARS);
  return out;
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))}s`;
}
