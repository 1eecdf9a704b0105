/**
 * The parts of undici streambench uses, loaded one by one: undici's index
 * loads everything it has (fetch, WebSocket, the cache, mocks, …), ~19 MB of
 * RSS in a run; the dispatcher parts alone take ~11 MB (measured with
 * `process.memoryUsage()` around the import), and S3's peak RSS is a goal.
 * (lib/wire/connection-pool.ts uses Client, http-dispatcher.ts the rest.)
 * The paths are those of the exact version pinned in package.json (the proxy
 * test and the fault matrix would fail on a layout change); the types are
 * undici's own.
 */
import { createRequire } from 'node:module';
import type * as Undici from 'undici';

const require = createRequire(import.meta.url);

// As undici's index does first: the request APIs on every dispatcher (the proxy agent tunnels with `connect`).
Object.assign((require('undici/lib/dispatcher/dispatcher.js') as { prototype: object }).prototype, require('undici/lib/api/index.js'));

export const Agent = require('undici/lib/dispatcher/agent.js') as typeof Undici.Agent;
export const Client = require('undici/lib/dispatcher/client.js') as typeof Undici.Client;
export type Client = Undici.Client;
export const EnvHttpProxyAgent = require('undici/lib/dispatcher/env-http-proxy-agent.js') as typeof Undici.EnvHttpProxyAgent;
export const buildConnector = require('undici/lib/core/connect.js') as typeof Undici.buildConnector;

/** undici's fetch, loaded on first use (the fetch transport only). */
export function undiciFetch(): typeof Undici.fetch {
  return (require('undici/lib/web/fetch/index.js') as { fetch: typeof Undici.fetch }).fetch;
}
