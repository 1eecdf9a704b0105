/**
 * Executes one streaming request and records raw timestamps. This is the hot
 * path: per chunk it takes one timestamp, decodes, frames and hands messages to
 * the protocol adapter; per token it stores one float. Nothing is logged here.
 */
import { describeRequest, messageOf, RequestFailure } from './errors.ts';
import { TimeBuffer, type RequestError, type RequestRecord } from './record.ts';
import { createFramer } from './framing.ts';
import { protocolForContentType } from './protocols/registry.ts';
import { MalformedMessageError, type Protocol, type StreamSink } from './protocols/protocol.ts';
import { SseEventTooLargeError } from './sse.ts';
import type { Transport, TransportRequest, TransportResponse } from './transport.ts';

export interface RequestContext {
  transport: Transport;
  /** The stream protocol; undefined: each response's content-type picks it. */
  protocol: Protocol | undefined;
  /** Keep the generated text on the record, for a tokenizer estimate after the run. */
  collectText?: boolean;
  timeoutMs: number;
  /** performance.now() value that timestamps are measured from. */
  origin: number;
  /**
   * Aborts the whole run: in-flight requests become "aborted". An abort with
   * reason DEADLINE_ABORT (the --duration grace ran out) says so in the message.
   */
  signal?: AbortSignal;
  maxEventSize?: number;
}

const ERROR_BODY_BYTES = 200;

/** The run signal's abort reason when a --duration run's grace period ends. */
export const DEADLINE_ABORT = 'deadline';

type AbortReason = 'timeout' | 'interrupted' | 'deadline';

/** `intendedAt`: when the schedule meant to send it (ms since origin); default: when it is sent. */
export async function executeRequest(
  id: number,
  request: TransportRequest,
  ctx: RequestContext,
  intendedAt?: number,
): Promise<RequestRecord> {
  const { origin } = ctx;
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
  if (ctx.signal?.aborted) onRunAbort();
  else ctx.signal?.addEventListener('abort', onRunAbort, { once: true });

  const tokenTimes = new TimeBuffer();
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
  // The arrival time of the chunk being processed: every message in one chunk arrived together.
  let now = 0;
  let outputText = '';
  const sink: StreamSink = {
    token(reasoning) {
      tokenTimes.push(now);
      if (record.firstTokenAt === undefined) record.firstTokenAt = now;
      if (reasoning) record.reasoningTokens++;
      else if (record.firstAnswerAt === undefined) record.firstAnswerAt = now;
    },
    text: ctx.collectText ? (text) => void (outputText += text) : () => {},
    usage(usage) {
      record.usage = { ...record.usage };
      if (usage.inputTokens !== undefined) record.usage.inputTokens = usage.inputTokens;
      if (usage.outputTokens !== undefined) record.usage.outputTokens = usage.outputTokens;
    },
    end() {
      record.sawEndMarker = true;
    },
    fail(message, code) {
      throw new RequestFailure('protocol', `${describeRequest(request.method, request.url, 'error event in stream')}: ${message}`, {
        code,
      });
    },
  };
  const decoder = new TextDecoder();

  record.startedAt = performance.now() - origin;
  record.intendedAt = intendedAt ?? record.startedAt;
  try {
    response = await ctx.transport(request, controller.signal);
    record.headersAt = performance.now() - origin;
    record.status = response.status;
    if (response.status >= 400) {
      const body = await readPrefix(response, ERROR_BODY_BYTES);
      throw new RequestFailure(
        'http',
        describeRequest(request.method, request.url, `${response.status} ${response.statusText}`.trim()),
        { status: response.status, body },
      );
    }
    let protocol = ctx.protocol;
    if (!protocol) {
      protocol = protocolForContentType(response.header('content-type'));
      record.protocol = protocol.name;
    }
    const framer = createFramer(protocol, sink, ctx.maxEventSize);
    await response.read((chunk) => {
      now = performance.now() - origin;
      if (record.firstByteAt === undefined) record.firstByteAt = now;
      record.bytes += chunk.byteLength;
      record.chunks++;
      const text = decoder.decode(chunk, { stream: true });
      if (text.length > 0) framer.feed(text);
    });
    if (abortReason) throw new Error(`request ${abortReason}`);
    const rest = decoder.decode();
    if (rest.length > 0) framer.feed(rest);
    framer.end();
    if (tokenTimes.length === 0) {
      throw new RequestFailure('protocol', describeRequest(request.method, request.url, 'stream ended without any token'));
    }
  } catch (error) {
    response?.cancel();
    record.error = classify(error, abortReason, record, request);
  } finally {
    clearTimeout(timer);
    ctx.signal?.removeEventListener('abort', onRunAbort);
    record.endedAt = performance.now() - origin;
    record.tokenTimes = tokenTimes.toArray();
    if (ctx.collectText) record.outputText = outputText;
  }
  return record;
}

async function readPrefix(response: TransportResponse, limit: number): Promise<string> {
  const parts: Uint8Array[] = [];
  let size = 0;
  // Throwing from onChunk cancels the body once we have enough; a body that
  // breaks off early still yields what arrived.
  await response
    .read((chunk) => {
      parts.push(chunk);
      size += chunk.byteLength;
      if (size >= limit) throw new Error('enough');
    })
    .catch(() => {});
  const bytes = Buffer.concat(parts).subarray(0, limit);
  return new TextDecoder().decode(bytes);
}

function classify(
  error: unknown,
  abortReason: AbortReason | undefined,
  record: RequestRecord,
  request: TransportRequest,
): RequestError {
  if (error instanceof RequestFailure) return error.toData();
  const where = (detail: string) => describeRequest(request.method, request.url, detail);
  if (abortReason === 'timeout') {
    const phase = record.headersAt === undefined ? 'before response headers' : 'mid-stream';
    return { kind: 'timeout', message: where(`timed out ${phase}`) };
  }
  if (abortReason === 'interrupted') {
    return { kind: 'aborted', message: where('aborted by the run (interrupted)') };
  }
  if (abortReason === 'deadline') {
    return { kind: 'aborted', message: where('aborted: still in flight when the grace period after the deadline ended') };
  }
  if (error instanceof SseEventTooLargeError || error instanceof MalformedMessageError) {
    return { kind: 'protocol', message: where(error.message) };
  }
  if (record.headersAt === undefined) {
    return { kind: 'connect', message: where(messageOf(error)) };
  }
  return { kind: 'aborted', message: where(`stream broke off: ${messageOf(error)}`) };
}
