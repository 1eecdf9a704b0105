/**
 * The socket transport: HTTP/1.1 written and read directly on node:net / node:tls
 * sockets, kept alive in a pool of up to `maxSockets` per origin. The request
 * is serialized once into a Buffer and written with one call; response bytes go
 * from the socket's read (plain TCP: `onread` into one shared buffer; TLS: the
 * 'data' event) through one incremental parser (http1-parser.ts) straight to
 * the reader. node:http puts a ClientRequest, an
 * IncomingMessage stream and several events between the socket and us; in the
 * benchmark this path costs about half of its CPU per request, and CPU per
 * event is what inflates TTFT under load.
 */
import net from 'node:net';
import tls from 'node:tls';
import { createResponseParser, HttpParseError, type ResponseHead, type ResponseParser } from './http1-parser.ts';
import type { Transport, TransportRequest, TransportResponse } from './transport.ts';

export interface SocketTransportOptions {
  /** Connections per origin: the run's concurrency, so no request waits for a socket. */
  maxSockets: number;
  /** Extra TLS options (tests pass a private CA). */
  tls?: tls.ConnectionOptions;
}

interface Origin {
  https: boolean;
  host: string;
  port: number;
  /** Host header value. */
  authority: string;
  free: Connection[];
  open: number;
  waiting: Array<() => void>;
}

/**
 * One read buffer for every plain-TCP socket: a read is parsed (and its body
 * bytes copied into strings) before the next read of any socket can happen.
 */
const SHARED_READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

/** Connections opened at once by preconnect. */
const PRECONNECT_WAVE = 256;

/** The request serialized, per request object: a run usually sends one object over and over. */
const wireCache = new WeakMap<TransportRequest, Buffer>();

export function createSocketTransport(options: SocketTransportOptions): Transport {
  const origins = new Map<string, Origin>();
  let lastUrl: string | undefined;
  let lastTarget: { origin: Origin; path: string } | undefined;
  const connections = new Set<Connection>();

  /** The pool for a URL's origin, and the request target; the last URL is remembered (a run sends to one). */
  const targetOf = (url: string): { origin: Origin; path: string } => {
    if (url === lastUrl && lastTarget) return lastTarget;
    const parsed = new URL(url);
    const https = parsed.protocol === 'https:';
    const key = `${parsed.protocol}//${parsed.host}`;
    let origin = origins.get(key);
    if (!origin) {
      origin = {
        https,
        // URL keeps IPv6 brackets; connect wants them off.
        host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
        port: parsed.port ? Number(parsed.port) : https ? 443 : 80,
        authority: parsed.host,
        free: [],
        open: 0,
        waiting: [],
      };
      origins.set(key, origin);
    }
    lastUrl = url;
    lastTarget = { origin, path: parsed.pathname + parsed.search };
    return lastTarget;
  };

  const connect = (origin: Origin): Connection => {
    const socket = origin.https
      ? tls.connect({
          host: origin.host,
          port: origin.port,
          servername: net.isIP(origin.host) ? undefined : origin.host,
          ALPNProtocols: ['http/1.1'],
          ...options.tls,
        })
      : // Plain TCP reads into one shared buffer, straight to the parser: no Buffer and no stream 'data' event per read.
        net.connect({ host: origin.host, port: origin.port, onread: { buffer: SHARED_READ_BUFFER, callback: (n) => connection.received(SHARED_READ_BUFFER.subarray(0, n)) } });
    socket.setNoDelay(true);
    const connection: Connection = new Connection(socket, origin, (c) => release(c), (c) => forget(c));
    connections.add(connection);
    origin.open++;
    return connection;
  };

  const release = (connection: Connection): void => {
    const origin = connection.origin;
    origin.free.push(connection);
    const waiter = origin.waiting.shift();
    // An idle pooled connection does not keep the process alive.
    if (waiter) waiter();
    else connection.socket.unref();
  };

  const forget = (connection: Connection): void => {
    if (!connections.delete(connection)) return;
    const origin = connection.origin;
    origin.open--;
    const index = origin.free.indexOf(connection);
    if (index !== -1) origin.free.splice(index, 1);
    origin.waiting.shift()?.();
  };

  const acquire = (origin: Origin, send: (connection: Connection) => void, signal: AbortSignal, reject: (error: Error) => void): void => {
    const connection = origin.free.pop();
    if (connection) {
      connection.socket.ref();
      return send(connection);
    }
    if (origin.open < options.maxSockets) return send(connect(origin));
    // At the limit: wait for a connection to come free (or close).
    const retry = () => {
      signal.removeEventListener('abort', onAbort);
      acquire(origin, send, signal, reject);
    };
    const onAbort = () => {
      const index = origin.waiting.indexOf(retry);
      if (index !== -1) origin.waiting.splice(index, 1);
      reject(abortError(signal));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    origin.waiting.push(retry);
  };

  const transport: Transport = (request, signal) =>
    new Promise<TransportResponse>((resolve, reject) => {
      if (signal.aborted) return reject(abortError(signal));
      const { origin, path } = targetOf(request.url);
      let wire = wireCache.get(request);
      if (!wire) {
        wire = serialize(request, origin.authority, path);
        wireCache.set(request, wire);
      }
      const bytes = wire;
      acquire(origin, (connection) => connection.send(bytes, request.method === 'HEAD', signal, resolve, reject), signal, reject);
    });
  transport.preconnect = async (url, count, signal) => {
    const { origin } = targetOf(url);
    const target = Math.min(count, options.maxSockets);
    // In waves: thousands of simultaneous SYNs would overflow the server's accept queue.
    while (origin.open < target && !signal?.aborted) {
      const wave: Array<Promise<boolean>> = [];
      while (wave.length < PRECONNECT_WAVE && origin.open < target) {
        const connection = connect(origin);
        wave.push(
          connection.ready().then((ok) => {
            if (ok) release(connection);
            return ok;
          }),
        );
      }
      // A wave that opened nothing: the server is not taking connections; the requests will say why.
      if (!(await Promise.all(wave)).includes(true)) break;
    }
    return origin.free.length;
  };
  transport.close = () => {
    for (const connection of connections) connection.socket.destroy();
    connections.clear();
    origins.clear();
  };
  return transport;
}

/**
 * One pooled connection. Its socket listeners and parser live as long as the
 * socket; each request (an exchange) plugs into them while it owns the socket.
 */
class Connection {
  private readonly parser: ResponseParser;
  private exchange: SocketResponse | undefined;
  /** Set while the request waits for its response head. */
  private resolveHead: ((response: TransportResponse) => void) | undefined;
  private rejectHead: ((error: Error) => void) | undefined;
  private signal: AbortSignal | undefined;
  private closed = false;
  private readonly onAbort = () => this.fail(abortError(this.signal!), true);

  constructor(
    readonly socket: net.Socket,
    readonly origin: Origin,
    private readonly onFree: (connection: Connection) => void,
    private readonly onClose: (connection: Connection) => void,
  ) {
    this.parser = createResponseParser({
      onHead: (head) => this.head(head),
      onBody: (bytes) => this.exchange?.deliver(bytes),
      onComplete: () => this.complete(),
    });
    // TLS sockets deliver 'data'; plain ones call received() from their onread callback.
    socket.on('data', (bytes: Buffer) => this.received(bytes));
    socket.on('end', () => {
      if (!this.parser.end()) this.fail(hangUp(), false);
    });
    socket.on('error', (error) => this.fail(error, false));
    socket.on('close', () => {
      this.closed = true;
      if (this.resolveHead || this.exchange) this.fail(hangUp(), false);
      this.onClose(this);
    });
  }

  /** Bytes from the socket, valid only during this call (the read buffer is reused). True: keep reading. */
  received(bytes: Buffer): boolean {
    try {
      this.parser.feed(bytes);
    } catch (error) {
      this.fail(error as Error, false);
    }
    return true;
  }

  send(
    bytes: Buffer,
    isHead: boolean,
    signal: AbortSignal,
    resolve: (response: TransportResponse) => void,
    reject: (error: Error) => void,
  ): void {
    this.resolveHead = resolve;
    this.rejectHead = reject;
    this.signal = signal;
    signal.addEventListener('abort', this.onAbort, { once: true });
    this.parser.expectHeadResponse(isHead);
    if (this.closed) return this.fail(hangUp(), false);
    this.socket.write(bytes);
  }

  /** Resolves true once the socket is connected (TLS: the handshake done), false when it failed or closed first. */
  ready(): Promise<boolean> {
    return new Promise((resolve) => {
      const event = this.origin.https ? 'secureConnect' : 'connect';
      const done = (ok: boolean) => {
        this.socket.off(event, onReady).off('close', onClose);
        resolve(ok);
      };
      const onReady = () => done(true);
      const onClose = () => done(false);
      this.socket.once(event, onReady).once('close', onClose);
    });
  }

  /** The reader gave up (cancel, or its chunk handler threw): the rest of the body is unread, so the socket cannot be reused. */
  abandon(): void {
    this.detach();
    this.socket.destroy();
  }

  private head(head: ResponseHead): void {
    const resolve = this.resolveHead;
    if (!resolve) return;
    this.resolveHead = undefined;
    this.rejectHead = undefined;
    this.exchange = new SocketResponse(this, head);
    resolve(this.exchange);
  }

  private complete(): void {
    const exchange = this.exchange;
    const reusable = this.parser.idle;
    this.detach();
    exchange?.finish();
    if (reusable && !this.closed) this.onFree(this);
    else this.socket.destroy();
  }

  /** `aborted`: the run's signal, reported as its reason; otherwise a socket or protocol failure. */
  private fail(error: Error, aborted: boolean): void {
    const rejectHead = this.rejectHead;
    const exchange = this.exchange;
    this.detach();
    rejectHead?.(error);
    exchange?.finish(aborted ? error : exchange.closedEarly(error));
    this.socket.destroy();
  }

  private detach(): void {
    this.signal?.removeEventListener('abort', this.onAbort);
    this.signal = undefined;
    this.resolveHead = undefined;
    this.rejectHead = undefined;
    this.exchange = undefined;
  }
}

class SocketResponse implements TransportResponse {
  readonly status: number;
  readonly statusText: string;
  private onChunk: ((chunk: Uint8Array) => void) | undefined;
  /** Body bytes that arrived with the head, before read() was called. */
  private early: Uint8Array[] | undefined;
  private done = false;
  private failure: Error | undefined;
  private settle: ((error?: Error) => void) | undefined;

  constructor(
    private readonly connection: Connection,
    private readonly head: ResponseHead,
  ) {
    this.status = head.status;
    this.statusText = head.statusText;
  }

  header(name: string): string | null {
    return this.head.headers.get(name.toLowerCase()) ?? null;
  }

  read(onChunk: (chunk: Uint8Array) => void): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.settle = (error) => {
        this.settle = undefined;
        if (error) reject(error);
        else resolve();
      };
      const early = this.early;
      this.early = undefined;
      if (early) for (const bytes of early) if (!this.call(onChunk, bytes)) return;
      if (this.done) return this.settle(this.failure);
      this.onChunk = onChunk;
    });
  }

  cancel(): void {
    if (this.done) return;
    this.done = true;
    this.connection.abandon();
    this.settle?.(new Error('the response was cancelled'));
  }

  deliver(bytes: Uint8Array): void {
    const onChunk = this.onChunk;
    if (onChunk) this.call(onChunk, bytes);
    // Kept past this read: copied, as the read buffer is reused.
    else if (!this.done) (this.early ??= []).push(new Uint8Array(bytes));
  }

  finish(error?: Error): void {
    if (this.done) return;
    this.done = true;
    this.failure = error;
    this.onChunk = undefined;
    this.settle?.(error);
  }

  closedEarly(error: Error): Error {
    return error instanceof HttpParseError ? error : new Error('the response ended before its end (connection closed)', { cause: error });
  }

  /** False when the handler threw: the body is cancelled and read rejects with its error. */
  private call(onChunk: (chunk: Uint8Array) => void, bytes: Uint8Array): boolean {
    try {
      onChunk(bytes);
      return true;
    } catch (error) {
      this.done = true;
      this.onChunk = undefined;
      this.connection.abandon();
      this.settle?.(error as Error);
      return false;
    }
  }
}

/** Request line, headers and body in one Buffer. Header names and values are checked as node:http does. */
function serialize(request: TransportRequest, authority: string, path: string): Buffer {
  let head = `${request.method} ${path} HTTP/1.1\r\n`;
  const names = new Set<string>();
  for (const [name, value] of Object.entries(request.headers)) {
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) throw new TypeError(`invalid header name ${JSON.stringify(name)}`);
    // As node:http: tab, visible ASCII and Latin-1 only (no CR/LF, which would inject headers).
    if (/[^\t\x20-\x7e\x80-\xff]/.test(value)) throw new TypeError(`invalid character in header ${name}`);
    names.add(name.toLowerCase());
    head += `${name}: ${value}\r\n`;
  }
  if (!names.has('host')) head += `Host: ${authority}\r\n`;
  if (!names.has('connection')) head += 'Connection: keep-alive\r\n';
  const body = request.body === undefined ? undefined : Buffer.from(request.body);
  if (body && !names.has('content-length') && !names.has('transfer-encoding')) head += `Content-Length: ${body.length}\r\n`;
  const start = Buffer.from(head + '\r\n', 'latin1');
  return body ? Buffer.concat([start, body]) : start;
}

function hangUp(): Error {
  return Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
}

function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new DOMException('This operation was aborted', 'AbortError');
}
