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
   */
  read(onChunk: (chunk: Uint8Array) => void): Promise<void>;
  /** Stop reading and release the connection. */
  cancel(): void;
}

export type Transport = (request: TransportRequest, signal: AbortSignal) => Promise<TransportResponse>;
