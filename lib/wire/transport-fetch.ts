/** The web-standard transport: global fetch and response.body.getReader(). */
import type { Transport, TransportResponse } from './transport.ts';

export const fetchTransport: Transport = async (request, signal) => {
  const response = await fetch(request.url, {
    method: request.method,
    headers: request.headers,
    body: request.body,
    signal,
  });
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
