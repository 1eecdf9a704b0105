/**
 * The transport seam: send one request, get status, headers and the body as a
 * stream of byte chunks pushed to a callback. Push (not pull) keeps the
 * per-chunk path free of promise allocations in transports that allow it.
 */
import type { HttpDispatcherOptions } from './http-dispatcher.ts';

export interface TransportRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string | undefined;
}

export interface TransportResponse {
  status: number;
  statusText: string;
  /** Case-insensitive header lookup. */
  header(name: string): string | null;
  /**
   * The content coding the body is still in (e.g. "gzip"), when the server
   * compressed it and the transport does not decode it; undefined: plain bytes.
   */
  readonly encoding?: string;
  /**
   * When the request was written to a connection the transport already had
   * (performance.now()), if later than the hand-off: the wait before was the
   * client's own (a pooled connection's check before reuse, or a wait for a free
   * one), so the request's clock starts here. Undefined when the wait included
   * opening a connection (TCP/TLS set-up counts, as for any client), or when the
   * transport cannot tell.
   */
  readonly sentAt?: number;
  /**
   * Delivers each body chunk to onChunk as it arrives; resolves at the end of
   * the body, rejects on a transport error or abort. If onChunk throws, the
   * body is cancelled and read rejects with that error. Call at most once.
   * A chunk is valid only during its onChunk call (a transport may reuse its
   * memory for the next read): copy what must be kept.
   */
  read(onChunk: (chunk: Uint8Array) => void): Promise<void>;
  /** Stop reading and release the connection. */
  cancel(): void;
}

export interface Transport {
  (request: TransportRequest, signal: AbortSignal): Promise<TransportResponse>;
  /** Releases pooled connections, when the transport keeps any. */
  close?(): void;
  /**
   * Opens up to `count` pooled connections to `url`'s origin ahead of the load,
   * so the first requests do not time TCP/TLS set-up; resolves with how many are
   * open. Failures are not errors here: the requests meet them and report them.
   */
  preconnect?(url: string, count: number, signal?: AbortSignal): Promise<number>;
  /** The proxy requests to `url` go through, or undefined: direct. */
  proxyFor?(url: string): string | undefined;
}

export const TRANSPORT_NAMES = ['undici', 'fetch'] as const;
export type TransportName = (typeof TRANSPORT_NAMES)[number];
/** Transports of earlier versions, now served by undici (docs/transports.md). */
export const RETIRED_TRANSPORTS = ['socket', 'http'] as const;
/** Chosen by `npm run bench` (docs/transports.md): undici's dispatcher API, llhttp inside, no stream layer. */
export const DEFAULT_TRANSPORT: TransportName = 'undici';

export type TransportOptions = HttpDispatcherOptions;

/**
 * The headers as sent: `Accept-Encoding: identity` unless the caller set an
 * Accept-Encoding. A compressed stream reaches the client in bursts the
 * compressor chose, and its bytes are not the server's: we time it uncompressed.
 */
export function withIdentityEncoding(headers: Record<string, string>): Record<string, string> {
  for (const name in headers) if (name.length === 15 && name.toLowerCase() === 'accept-encoding') return headers;
  return { ...headers, 'accept-encoding': 'identity' };
}
