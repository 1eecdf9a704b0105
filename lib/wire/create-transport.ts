/** Picks the transport implementation by name; the seam (transport.ts) stays free of its implementations. */
import { fetchTransport } from './transport-fetch.ts';
import { createHttpTransport } from './transport-http.ts';
import { createSocketTransport } from './transport-socket.ts';
import type { Transport, TransportName } from './transport.ts';

/** A transport for a run of `concurrency` requests in flight. */
export function createTransport(name: TransportName, concurrency: number): Transport {
  if (name === 'fetch') return fetchTransport;
  if (name === 'socket') return createSocketTransport({ maxSockets: concurrency });
  return createHttpTransport({ maxSockets: concurrency });
}
