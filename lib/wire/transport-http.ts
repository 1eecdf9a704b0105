/**
 * The node:http(s) transport: a keep-alive Agent sized to the run's
 * concurrency, body chunks pushed straight from the socket's 'data' events.
 * In our benchmark it is several times cheaper per request than global fetch
 * (no web-stream layer, no promise per chunk), so it is the default.
 */
import http from 'node:http';
import https from 'node:https';
import type { Transport, TransportRequest, TransportResponse } from './transport.ts';

export interface HttpTransportOptions {
  /** Connections per origin: the run's concurrency, so no request waits for a socket. */
  maxSockets: number;
}

interface Target {
  url: string;
  https: boolean;
  hostname: string;
  port: string;
  path: string;
}

export function createHttpTransport(options: HttpTransportOptions): Transport {
  const agentOptions = { keepAlive: true, maxSockets: options.maxSockets, maxFreeSockets: options.maxSockets };
  const httpAgent = new http.Agent(agentOptions);
  const httpsAgent = new https.Agent(agentOptions);
  // A run sends to one URL: parse it once, not per request.
  let last: Target | undefined;
  const targetOf = (url: string): Target => {
    if (last?.url === url) return last;
    const parsed = new URL(url);
    last = {
      url,
      https: parsed.protocol === 'https:',
      // URL keeps IPv6 brackets; http.request wants them off.
      hostname: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: parsed.port,
      path: parsed.pathname + parsed.search,
    };
    return last;
  };

  const transport: Transport = (request, signal) =>
    new Promise<TransportResponse>((resolve, reject) => {
      if (signal.aborted) return reject(abortError(signal));
      const target = targetOf(request.url);
      const req = (target.https ? https : http).request({
        method: request.method,
        hostname: target.hostname,
        port: target.port || undefined,
        path: target.path,
        headers: withContentLength(request),
        agent: target.https ? httpsAgent : httpAgent,
      });
      // Destroy without an error object: the abort is reported from the signal.
      const onAbort = () => req.destroy();
      signal.addEventListener('abort', onAbort, { once: true });
      req.once('error', (error) => {
        signal.removeEventListener('abort', onAbort);
        reject(signal.aborted ? abortError(signal) : error);
      });
      req.once('response', (res) => resolve(wrapResponse(res, signal, onAbort)));
      req.end(request.body);
    });
  transport.close = () => {
    httpAgent.destroy();
    httpsAgent.destroy();
  };
  return transport;
}

function wrapResponse(res: http.IncomingMessage, signal: AbortSignal, onAbort: () => void): TransportResponse {
  // Errors can arrive before read() is called; keep the first so it is neither lost nor unhandled.
  let failure: Error | undefined;
  let settle: ((error?: Error) => void) | undefined;
  res.on('error', (error) => {
    failure ??= error;
    settle?.(failure);
  });
  res.once('close', () => {
    signal.removeEventListener('abort', onAbort);
    if (!res.complete) failure ??= signal.aborted ? abortError(signal) : new Error('the response ended before its end (connection closed)');
    settle?.(res.complete ? undefined : failure);
  });
  return {
    status: res.statusCode ?? 0,
    statusText: res.statusMessage ?? '',
    header(name) {
      const value = res.headers[name.toLowerCase()];
      if (value === undefined) return null;
      return Array.isArray(value) ? value.join(', ') : value;
    },
    read(onChunk) {
      return new Promise<void>((resolve, reject) => {
        let settled = false;
        settle = (error) => {
          if (settled) return;
          settled = true;
          if (error) reject(error);
          else resolve();
        };
        if (failure) return settle(failure);
        if (res.destroyed && !res.readableEnded) return settle(new Error('the response was cancelled'));
        res.on('data', (chunk: Buffer) => {
          if (settled) return;
          try {
            onChunk(chunk);
          } catch (error) {
            settle?.(error as Error);
            res.destroy();
          }
        });
        res.once('end', () => settle?.());
      });
    },
    cancel() {
      res.destroy();
    },
  };
}

// A run usually sends one request object over and over: build its headers once.
const headersCache = new WeakMap<TransportRequest, Record<string, string>>();

function withContentLength(request: TransportRequest): Record<string, string> {
  let headers = headersCache.get(request);
  if (headers) return headers;
  headers = request.headers;
  const hasLength = Object.keys(headers).some((name) => name.toLowerCase() === 'content-length');
  if (request.body !== undefined && !hasLength) {
    // A known length avoids chunked transfer encoding, as fetch does for string bodies.
    headers = { ...headers, 'content-length': String(Buffer.byteLength(request.body)) };
  }
  headersCache.set(request, headers);
  return headers;
}

function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new DOMException('This operation was aborted', 'AbortError');
}
