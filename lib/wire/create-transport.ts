/** Builds the run's transport by name, over one connection pool. */
import { createHttpDispatcher } from './http-dispatcher.ts';
import { createFetchTransport } from './transport-fetch.ts';
import { createUndiciTransport } from './transport-undici.ts';
import type { Transport, TransportName, TransportOptions } from './transport.ts';

/**
 * A transport over one connection pool (`connections` per origin: the run's
 * peak in flight). Both transports share the pool's proxy, HTTP/2 and preconnect.
 */
export function createTransport(name: TransportName, options: TransportOptions): Transport {
  const pool = createHttpDispatcher(options);
  const transport = name === 'fetch' ? createFetchTransport(pool.dispatcher) : createUndiciTransport(pool.send);
  transport.close = pool.close;
  transport.preconnect = pool.preconnect;
  transport.proxyFor = pool.proxyFor;
  return transport;
}
