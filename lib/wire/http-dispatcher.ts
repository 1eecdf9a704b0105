/**
 * The connections under every transport. A request that goes direct over
 * HTTP/1.1 is sent on the pool's own undici Clients (connection-pool.ts); fetch,
 * `--http2` (undici multiplexes its streams) and proxied requests go through
 * undici's Agent, or its EnvHttpProxyAgent when the environment names a proxy
 * for the target. Either way at most `connections` sockets per origin, and
 * connecting hands out sockets opened by `preconnect` before the clock started,
 * then opens new ones as undici's own connector would.
 */
import type { Socket } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import type { Dispatcher } from 'undici';
import { ConnectionPool, type PooledHandler } from './connection-pool.ts';
import { Agent, buildConnector, EnvHttpProxyAgent } from './undici-parts.ts';
import { proxyFor, type ProxyEnv } from './proxy-env.ts';

export interface HttpDispatcherOptions {
  /** Sockets per origin: the run's peak in flight, so no request waits for one (Infinity: no limit). */
  connections: number;
  /** Offer HTTP/2 in TLS's ALPN (undici's allowH2); the server picks. */
  http2?: boolean;
  /** The proxy variables (readProxyEnv); undefined: no proxy. */
  proxy?: ProxyEnv;
  /** Extra TLS options (tests pass a private CA). */
  tls?: ConnectionOptions;
  /** Longest TCP (and TLS) set-up of one connection, ms. */
  connectTimeoutMs?: number;
}

export interface HttpDispatcher {
  /** undici's Agent (or EnvHttpProxyAgent), created on first use: for fetch. */
  readonly dispatcher: Dispatcher;
  /** Sends one request: on the pool's own connections when it goes direct over HTTP/1.1, else through `dispatcher`. */
  send(options: Dispatcher.DispatchOptions & { origin: string }, handler: PooledHandler): void;
  /** The proxy requests to `url` go through, or undefined: direct. */
  proxyFor(url: string): string | undefined;
  /**
   * Opens up to `count` connections to `url`'s origin, at most `connections`, in
   * waves; resolves with how many are open. Failures are not errors here: the
   * requests meet them and report them. Nothing is opened through a proxy.
   */
  preconnect(url: string, count: number, signal?: AbortSignal): Promise<number>;
  close(): void;
}

/** Connections opened at once by preconnect: thousands of simultaneous SYNs would overflow the server's accept queue. */
const PRECONNECT_WAVE = 256;
/** undici's own default connect timeout. */
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

export function createHttpDispatcher(options: HttpDispatcherOptions): HttpDispatcher {
  const connections = Number.isFinite(options.connections) ? options.connections : null;
  const connector = buildConnector({
    ...options.tls,
    allowH2: options.http2 === true,
    timeout: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
  });
  const ready = new Map<string, Set<Socket>>();
  const keyOf = (protocol: string, hostname: string, port: string | number) =>
    `${protocol}//${hostname}:${port || (protocol === 'https:' ? 443 : 80)}`;

  // A socket opened before the clock if one is still alive, else a new one.
  const connect: ReturnType<typeof buildConnector> = (target, callback) => {
    const sockets = ready.get(keyOf(target.protocol, target.hostname, target.port));
    if (sockets) {
      for (const socket of sockets) {
        sockets.delete(socket);
        // Asynchronously, as a real connect: undici's client does not expect its callback inside the call.
        if (takeReady(socket)) return process.nextTick(callback, null, socket);
      }
    }
    connector(target, callback);
  };

  const agentOptions = {
    connections,
    pipelining: 1,
    allowH2: options.http2 === true,
    // The request's --timeout and --idle-timeout govern; undici's own 300 s timers would only race them.
    headersTimeout: 0,
    bodyTimeout: 0,
  } satisfies ConstructorParameters<typeof Agent>[0];
  const env = options.proxy;
  const hasProxy = env !== undefined && (env.httpProxy !== undefined || env.httpsProxy !== undefined);
  let agent: Dispatcher | undefined;
  const agentFor = (): Dispatcher =>
    (agent ??= hasProxy
      ? new EnvHttpProxyAgent({
          ...agentOptions,
          // Given explicitly (never read from process.env), so the notice and undici decide from the same values.
          httpProxy: env.httpProxy ?? '',
          httpsProxy: env.httpsProxy ?? env.httpProxy ?? '',
          noProxy: env.noProxy,
          requestTls: options.tls,
          connect: { ...options.tls, timeout: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS },
        })
      : new Agent({ ...agentOptions, connect }));
  const pool = new ConnectionPool({
    max: connections ?? Infinity,
    connect,
    client: { pipelining: 1, headersTimeout: 0, bodyTimeout: 0 },
  });
  // A run sends to one origin: decide once per origin whether it goes through the agent.
  let lastOrigin: string | undefined;
  let lastViaAgent = false;
  const viaAgent = (origin: string): boolean => {
    if (origin !== lastOrigin) {
      lastOrigin = origin;
      lastViaAgent = options.http2 === true || (hasProxy && proxyFor(origin, env) !== undefined);
    }
    return lastViaAgent;
  };

  const preconnect = async (url: string, count: number, signal?: AbortSignal): Promise<number> => {
    if (env && proxyFor(url, env) !== undefined) return 0;
    const { protocol, hostname, host, port } = new URL(url);
    const key = keyOf(protocol, hostname, port);
    const sockets = ready.get(key) ?? new Set<Socket>();
    ready.set(key, sockets);
    const target = Math.min(count, connections ?? count);
    // URL keeps IPv6 brackets; connect wants them off.
    const where = { protocol, hostname: hostname.replace(/^\[(.*)\]$/, '$1'), host, port };
    while (sockets.size < target && !signal?.aborted) {
      const wave = Math.min(PRECONNECT_WAVE, target - sockets.size);
      const opened = await Promise.all(
        Array.from({ length: wave }, () => new Promise<Socket | undefined>((resolve) => connector(where, (error, socket) => resolve(error ? undefined : (socket ?? undefined))))),
      );
      for (const socket of opened) if (socket) holdReady(socket, sockets);
      // A wave that opened nothing: the server is not taking connections; the requests will say why.
      if (!opened.some(Boolean)) break;
    }
    return sockets.size;
  };

  return {
    get dispatcher() {
      return agentFor();
    },
    send(request, handler) {
      if (viaAgent(request.origin)) agentFor().dispatch(request, handler);
      else pool.dispatch(request, handler);
    },
    proxyFor: (url) => (env ? proxyFor(url, env) : undefined),
    preconnect,
    close() {
      for (const sockets of ready.values()) for (const socket of sockets) socket.destroy();
      ready.clear();
      pool.close();
      void agent?.destroy().catch(() => {});
    },
  };
}

const onStrayBytes = Symbol('stray bytes');
const onGone = Symbol('gone');
type ReadySocket = Socket & { [onStrayBytes]?: () => void; [onGone]?: () => void };

/**
 * Keeps an open socket until a request takes it. It is read meanwhile: a
 * server that closes it, or sends bytes nobody asked for, has it dropped, so a
 * request never gets a dead or dirty connection. Idle, it does not keep the
 * process alive.
 */
function holdReady(socket: ReadySocket, sockets: Set<Socket>): void {
  const gone = () => {
    sockets.delete(socket);
    socket.destroy();
  };
  socket[onStrayBytes] = gone;
  socket[onGone] = gone;
  socket.on('data', gone).on('end', gone).on('close', gone).on('error', gone);
  socket.unref();
  sockets.add(socket);
}

/** The socket handed to undici, without our listeners; false when it died meanwhile. */
function takeReady(socket: ReadySocket): boolean {
  socket.off('data', socket[onStrayBytes]!).off('end', socket[onGone]!).off('close', socket[onGone]!).off('error', socket[onGone]!);
  socket[onStrayBytes] = undefined;
  socket[onGone] = undefined;
  // undici reads it on its own 'readable' events.
  socket.pause();
  socket.ref();
  if (socket.destroyed || socket.readableEnded || !socket.writable) {
    socket.destroy();
    return false;
  }
  return true;
}
