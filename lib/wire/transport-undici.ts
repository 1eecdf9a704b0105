/**
 * The undici transport (the default): each request goes through undici's
 * dispatcher API (`dispatch` with a raw handler), so llhttp parses the response
 * and every body chunk reaches the reader in the same call stack that read it
 * from the socket: no WHATWG or Node stream, no promise per chunk.
 */
import type { Dispatcher } from 'undici';
import type { PooledHandler } from './connection-pool.ts';
import type { HttpDispatcher } from './http-dispatcher.ts';
import { withIdentityEncoding, type Transport, type TransportRequest, type TransportResponse } from './transport.ts';

interface Target {
  url: string;
  origin: string;
  path: string;
}

interface Prepared {
  headers: Record<string, string>;
  body: Buffer | undefined;
}

export function createUndiciTransport(send: HttpDispatcher['send']): Transport {
  // A run sends to one URL, and usually one request object over and over: prepare each once.
  let last: Target | undefined;
  const targetOf = (url: string): Target => {
    if (last?.url === url) return last;
    const parsed = new URL(url);
    last = { url, origin: parsed.origin, path: parsed.pathname + parsed.search };
    return last;
  };
  const prepared = new WeakMap<TransportRequest, Prepared>();
  const prepare = (request: TransportRequest): Prepared => {
    let ready = prepared.get(request);
    if (!ready) {
      ready = { headers: withIdentityEncoding(request.headers), body: request.body === undefined ? undefined : Buffer.from(request.body) };
      prepared.set(request, ready);
    }
    return ready;
  };

  return (request, signal) =>
    new Promise<TransportResponse>((resolve, reject) => {
      if (signal.aborted) return reject(abortError(signal));
      const target = targetOf(request.url);
      const { headers, body } = prepare(request);
      const exchange = new Exchange(signal, resolve, reject);
      try {
        send({ origin: target.origin, path: target.path, method: request.method as Dispatcher.HttpMethod, headers, body }, exchange);
      } catch (error) {
        // undici refuses bad headers (a line break in a value) synchronously.
        exchange.refuse(error as Error);
      }
    });
}

/**
 * One request: undici's handler, and the response handed to the reader. A
 * class, not closures: one per request, and under tsx every closure created is
 * also renamed (esbuild keepNames), an allocation per function.
 */
class Exchange implements PooledHandler, TransportResponse {
  status = 0;
  statusText = '';
  // Set by the connection pool; both stay unset when the request goes through undici's Agent.
  release: (() => void) | undefined;
  opening = false;
  /** When undici wrote the request on a reused connection of the pool (performance.now()); see TransportResponse. */
  sentAt: number | undefined;
  private headers: Record<string, string | string[] | undefined> = {};
  private controller: Dispatcher.DispatchController | undefined;
  private resolveHead: ((response: TransportResponse) => void) | undefined;
  private rejectHead: ((error: Error) => void) | undefined;
  private onChunk: ((chunk: Uint8Array) => void) | undefined;
  /**
   * Body chunks that came with the head, before read() was called. Kept by
   * reference: undici's chunks are views of one socket read, never reused.
   */
  private early: Buffer[] | undefined;
  private done = false;
  private failure: Error | undefined;
  private settle: ((error?: Error) => void) | undefined;
  private readonly onAbort = () => this.abort(abortError(this.signal));

  constructor(
    private readonly signal: AbortSignal,
    resolve: (response: TransportResponse) => void,
    reject: (error: Error) => void,
  ) {
    this.resolveHead = resolve;
    this.rejectHead = reject;
    signal.addEventListener('abort', this.onAbort, { once: true });
  }

  // undici's side.

  onRequestStart(controller: Dispatcher.DispatchController): void {
    // Called as undici writes the request. Through the pool and on a connection it already had, the time since
    // the hand-off was the pool's own: the connection's one-turn check before reuse, or a wait for a free one.
    if (this.release && !this.opening) this.sentAt = performance.now();
    this.controller = controller;
    // Aborted while it waited for a connection: never sent.
    if (this.signal.aborted) controller.abort(abortError(this.signal));
  }

  onResponseStart(_controller: Dispatcher.DispatchController, status: number, headers: Record<string, string | string[] | undefined>, statusText?: string): void {
    // 1xx interim responses (103 Early Hints) come before the real one.
    if (status < 200) return;
    this.status = status;
    this.statusText = statusText ?? '';
    this.headers = headers;
    const resolve = this.resolveHead;
    this.resolveHead = undefined;
    this.rejectHead = undefined;
    resolve?.(this);
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    const onChunk = this.onChunk;
    if (onChunk) this.call(onChunk, chunk);
    else if (!this.done) (this.early ??= []).push(chunk);
  }

  onResponseEnd(): void {
    this.release?.();
    this.finish();
  }

  onResponseError(_controller: Dispatcher.DispatchController | undefined, error: Error): void {
    // undici is done with the request (its controller is unset when it failed before being written): the connection may take the next one.
    this.release?.();
    this.refuse(error);
  }

  /** The request failed: before its head, reject the transport's promise; after it, end the body with the error. */
  refuse(error: Error): void {
    const reject = this.rejectHead;
    if (reject) {
      this.resolveHead = undefined;
      this.rejectHead = undefined;
      this.signal.removeEventListener('abort', this.onAbort);
      this.done = true;
      reject(this.signal.aborted ? abortError(this.signal) : error);
      return;
    }
    this.finish(this.signal.aborted ? abortError(this.signal) : closedEarly(error));
  }

  // The reader's side.

  header(name: string): string | null {
    const value = this.headers[name.toLowerCase()];
    if (value === undefined) return null;
    return Array.isArray(value) ? value.join(', ') : value;
  }

  /** undici hands over the body as sent: a compressed one stays compressed. */
  get encoding(): string | undefined {
    const coding = this.header('content-encoding')?.trim().toLowerCase();
    return coding && coding !== 'identity' ? coding : undefined;
  }

  read(onChunk: (chunk: Uint8Array) => void): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.settle = (error) => {
        this.settle = undefined;
        if (error) reject(error);
        else resolve();
      };
      const early = this.early;
      this.early = undefined;
      if (early) for (const chunk of early) if (!this.call(onChunk, chunk)) return;
      if (this.done) return this.settle(this.failure);
      this.onChunk = onChunk;
    });
  }

  cancel(): void {
    if (this.done) return;
    this.abort(new Error('the response was cancelled'));
  }

  /** Stops the exchange: undici closes the connection (the rest of the body is unread, so it cannot be reused). */
  private abort(error: Error): void {
    if (this.rejectHead) {
      // Before the head: reject now; a request still waiting for a connection is dropped when it gets one.
      this.refuse(error);
      this.controller?.abort(error);
      return;
    }
    this.finish(error);
    this.controller?.abort(error);
  }

  private finish(error?: Error): void {
    if (this.done) return;
    this.done = true;
    this.failure = error;
    this.onChunk = undefined;
    this.signal.removeEventListener('abort', this.onAbort);
    this.settle?.(error);
  }

  /** False when the handler threw: the body is cancelled and read rejects with its error. */
  private call(onChunk: (chunk: Uint8Array) => void, chunk: Uint8Array): boolean {
    try {
      onChunk(chunk);
      return true;
    } catch (error) {
      // The body may have ended already (read() delivering early chunks): settle the reader either way.
      const settle = this.settle;
      this.finish(error as Error);
      settle?.(error as Error);
      this.controller?.abort(error as Error);
      return false;
    }
  }
}

/** A socket or protocol failure after the head: the body did not reach its end. */
function closedEarly(error: Error): Error {
  return new Error('the response ended before its end', { cause: error });
}

function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new DOMException('This operation was aborted', 'AbortError');
}
