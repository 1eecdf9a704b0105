/**
 * The keep-alive pool of the undici transport: per origin, up to `max` undici
 * Clients (one HTTP/1.1 connection each, llhttp parsing), each carrying one
 * request at a time; a request finds a free client or waits for one, first
 * come first served.
 *
 * Why not undici's Pool: its clients count as free only after an event-loop
 * turn (their 'drain' comes from a setImmediate), and then each client checks a
 * reused idle connection for another turn before writing (so a FIN or stray
 * bytes that arrived meanwhile are seen first, GHSA-35p6-xmwp-9g52). Under load
 * a turn takes milliseconds, and both sat inside TTFT. Here a client is free
 * again one microtask after its response ends; the check stays, and the
 * handler learns when its request was actually written (see transport-undici.ts).
 */
import type { Dispatcher } from 'undici';
import { Client } from './undici-parts.ts';

type Connector = (options: { hostname: string; host?: string; protocol: string; port: string; servername?: string }, callback: (...args: [null, unknown] | [Error, null]) => void) => void;

/** What the pool needs of a request's handler. */
export interface PooledHandler extends Dispatcher.DispatchHandler {
  /** Set by the pool before dispatch: call once when undici is done with the request (end or error). */
  release: (() => void) | undefined;
  /** Set by the pool: a new connection was opened for this request (its wait includes TCP/TLS set-up). */
  opening: boolean;
}

export interface ConnectionPoolOptions {
  /** Connections per origin. */
  max: number;
  /** Opens a connection (undici's connector, or one handing out preconnected sockets). */
  connect: Connector;
  /** Options for each undici Client (timeouts). */
  client: ConstructorParameters<typeof Client>[1];
}

export class ConnectionPool {
  private readonly origins = new Map<string, OriginPool>();

  constructor(private readonly options: ConnectionPoolOptions) {}

  dispatch(options: Dispatcher.DispatchOptions & { origin: string }, handler: PooledHandler): void {
    let pool = this.origins.get(options.origin);
    if (!pool) {
      pool = new OriginPool(options.origin, this.options);
      this.origins.set(options.origin, pool);
    }
    pool.dispatch(options, handler);
  }

  close(): void {
    for (const pool of this.origins.values()) pool.close();
    this.origins.clear();
  }
}

interface Slot {
  client: Client;
  /** The request the client is carrying, if any. */
  current: PooledHandler | undefined;
}

interface Waiting {
  options: Dispatcher.DispatchOptions;
  handler: PooledHandler;
}

class OriginPool {
  /** Free clients, the most recently used last (its connection is the warmest). */
  private readonly idle: Slot[] = [];
  private readonly slots: Slot[] = [];
  private waiting: Waiting[] = [];
  private waitingHead = 0;

  constructor(
    private readonly origin: string,
    private readonly options: ConnectionPoolOptions,
  ) {}

  dispatch(options: Dispatcher.DispatchOptions, handler: PooledHandler): void {
    const slot = this.idle.pop() ?? (this.slots.length < this.options.max ? this.open() : undefined);
    if (slot) this.send(slot, options, handler);
    else this.waiting.push({ options, handler });
  }

  close(): void {
    for (const slot of this.slots) void slot.client.destroy().catch(() => {});
    this.slots.length = 0;
    this.idle.length = 0;
  }

  private open(): Slot {
    const slot = { current: undefined } as Slot;
    slot.client = new Client(this.origin, {
      ...this.options.client,
      connect: (target, callback) => {
        // The client opens (or reopens) its connection for the request it was just given.
        if (slot.current) slot.current.opening = true;
        this.options.connect(target, callback as Parameters<Connector>[1]);
      },
    });
    this.slots.push(slot);
    return slot;
  }

  private send(slot: Slot, options: Dispatcher.DispatchOptions, handler: PooledHandler): void {
    slot.current = handler;
    handler.opening = false;
    handler.release = () => {
      handler.release = undefined;
      slot.current = undefined;
      // After undici has finished its own bookkeeping for the response that just ended.
      queueMicrotask(() => this.free(slot));
    };
    try {
      slot.client.dispatch(options, handler);
    } catch (error) {
      // Refused before it was queued (a bad header): the client is still free.
      handler.release = undefined;
      slot.current = undefined;
      this.free(slot);
      throw error;
    }
  }

  private free(slot: Slot): void {
    if (this.waitingHead < this.waiting.length) {
      const next = this.waiting[this.waitingHead]!;
      this.waiting[this.waitingHead++] = undefined!;
      if (this.waitingHead > 1024 && this.waitingHead * 2 > this.waiting.length) {
        this.waiting = this.waiting.slice(this.waitingHead);
        this.waitingHead = 0;
      }
      try {
        this.send(slot, next.options, next.handler);
      } catch (error) {
        next.handler.onResponseError?.(undefined as unknown as Dispatcher.DispatchController, error as Error);
      }
      return;
    }
    this.idle.push(slot);
  }
}
