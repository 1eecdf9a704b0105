/**
 * Whether a run opens its connections before the clock starts (the pool's
 * preconnect, lib/http-dispatcher.ts), by the README's rule, decided by the benchmark:
 * - https: always. A TLS handshake costs round trips and crypto on both ends,
 *   which would otherwise sit in the first wave's TTFT.
 * - plain http: only for more connections than a listen backlog commonly
 *   queues (511, the default of Node's http.Server and of nginx on Linux).
 *   Below that a TCP handshake costs one round trip, while opening every
 *   connection first starts all requests in the same instant, a phase lock
 *   that a server with steady timing keeps for the whole run (S2: +25 ms at
 *   TTFT p99). Above it, thousands of connects at once overflow the server's
 *   accept queue and the handshakes are retried seconds later (S4: TTFT p99
 *   13 s with preconnect's waves, 55 s without).
 */
export type PreconnectSetting = boolean | 'auto';

/** Node's http.Server and nginx (on Linux) listen with this backlog by default. */
export const COMMON_BACKLOG = 511;

export function shouldPreconnect(setting: PreconnectSetting, url: string, connections: number): boolean {
  if (setting !== 'auto') return setting;
  return url.startsWith('https:') || connections > COMMON_BACKLOG;
}
