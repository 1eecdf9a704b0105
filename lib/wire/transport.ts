/**
 * The transport seam: send one request, get status, headers and the body as a
 * stream of byte chunks pushed to a callback. Push (not pull) keeps the
 * per-chunk path free of promise allocations in transports that allow it.
 */
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
}

export const TRANSPORT_NAMES = ['socket', 'http', 'fetch'] as const;
export type TransportName = (typeof TRANSPORT_NAMES)[number];
/** Chosen by `npm run bench` (see the README): HTTP/1.1 straight on the socket is the cheapest per event, so the most accurate under load. */
export const DEFAULT_TRANSPORT: TransportName = 'socket';
