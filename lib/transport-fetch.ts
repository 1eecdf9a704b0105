/**
 * The web-standard transport: global fetch and response.body.getReader(), over
 * the run's undici pool (so proxies, HTTP/2 and preconnect apply to it too).
 * Redirects are not followed, as with undici: a 3xx is reported as such.
 */
import type { Dispatcher } from 'undici';
import { withIdentityEncoding, type Transport, type TransportRequest, type TransportResponse } from './transport.ts';

/** `dispatcher` undefined: fetch's own global pool (tests that intercept fetch use this). */
export function createFetchTransport(dispatcher?: Dispatcher): Transport {
  // A run usually sends one request object over and over: build its headers once.
  const headersOf = new WeakMap<TransportRequest, Record<string, string>>();
  return async (request, signal) => {
    let headers = headersOf.get(request);
    if (!headers) headersOf.set(request, (headers = withIdentityEncoding(request.headers)));
    const response = await fetch(request.url, {
      method: request.method,
      headers,
      body: request.body,
      signal,
      redirect: 'manual',
      // Node's fetch accepts an undici dispatcher; the DOM typings do not know the field.
      ...(dispatcher ? { dispatcher } : {}),
    } as RequestInit);
    const reader = response.body?.getReader();
    const result: TransportResponse = {
      status: response.status,
      statusText: response.statusText,
      header: (name) => response.headers.get(name),
      async read(onChunk) {
        if (!reader) return;
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return;
          try {
            onChunk(value);
          } catch (error) {
            reader.cancel().catch(() => {});
            throw error;
          }
        }
      },
      cancel() {
        reader?.cancel().catch(() => {});
      },
    };
    return result;
  };
}

/** fetch over its own global pool. */
export const fetchTransport: Transport = createFetchTransport();

/**
 * Node loads fetch's implementation on its first call, blocking the event
 * loop for ~20-50 ms. Paying that before the run starts keeps it out of the
 * first request's TTFT and out of an open loop's send lag.
 */
export async function warmFetch(): Promise<void> {
  // Best effort: a warm-up that fails (e.g. a test's request interceptor refuses data: URLs) must not fail the run.
  await fetch('data:,')
    .then((response) => response.arrayBuffer())
    .catch(() => {});
}
