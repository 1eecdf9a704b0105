/**
 * The web-standard transport: WHATWG fetch and response.body.getReader(). The
 * run uses undici's fetch over the run's pool (the same undici as the default
 * transport, so proxies, HTTP/2 and preconnect apply to it too; Node's global
 * fetch bundles an older undici that is not meant to drive a newer pool).
 * Redirects are not followed, as with undici: a 3xx is reported as such.
 */
import type { Dispatcher } from 'undici';
import { undiciFetch } from './undici-parts.ts';
import { withIdentityEncoding, type Transport, type TransportRequest, type TransportResponse } from './transport.ts';

type FetchFunction = (url: string, init: RequestInit & { dispatcher?: Dispatcher }) => Promise<Response>;

/** fetch over `dispatcher` (undici's fetch); without one, Node's global fetch (tests that intercept it use this). */
export function createFetchTransport(dispatcher?: Dispatcher): Transport {
  // The global is looked up per call: a test's interceptor replaces it after this module loads.
  const fetchFn: FetchFunction = dispatcher ? (undiciFetch() as unknown as FetchFunction) : (url, init) => globalThis.fetch(url, init);
  // A run usually sends one request object over and over: build its headers once.
  const headersOf = new WeakMap<TransportRequest, Record<string, string>>();
  return async (request, signal) => {
    let headers = headersOf.get(request);
    if (!headers) headersOf.set(request, (headers = withIdentityEncoding(request.headers)));
    const response = await fetchFn(request.url, {
      method: request.method,
      headers,
      body: request.body,
      signal,
      redirect: 'manual',
      ...(dispatcher ? { dispatcher } : {}),
    });
    const reader = response.body?.getReader();
    const coding = response.headers.get('content-encoding')?.trim().toLowerCase();
    const result: TransportResponse = {
      status: response.status,
      statusText: response.statusText,
      header: (name) => response.headers.get(name),
      // fetch would decode it, but not undo what compression did to the timing: reported as with undici.
      encoding: coding && coding !== 'identity' ? coding : undefined,
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

/** Node's global fetch over its own global pool. */
export const fetchTransport: Transport = createFetchTransport();

/**
 * fetch's first call compiles and sets up much of its machinery, blocking the
 * event loop for tens of ms. Paying that before the run starts keeps it out of
 * the first request's TTFT and out of an open loop's send lag.
 */
export async function warmFetch(): Promise<void> {
  // Best effort: a warm-up that fails must not fail the run.
  await undiciFetch()('data:,')
    .then((response) => response.arrayBuffer())
    .catch(() => {});
}
